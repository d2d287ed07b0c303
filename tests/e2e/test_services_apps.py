"""End-to-end tests of `tepui services` (the Marathon-compatible service
scheduler) with the built binary: a master, three agents with distinct host
names on three racks, and the services daemon, each its own process. Apps
are posted as users post them to Marathon; the tests watch what the master
and the agents really run."""

import json
import os
import sys
import threading
import time
import unittest
import http.client
import subprocess
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from tepui_harness import Cluster, Fleet, ZooKeeperServer, http_json, tepui_binary  # noqa: E402

TEPUI = None
RACKS = {"agent-a": "r1", "agent-b": "r2", "agent-c": "r3"}
SERVER = "exec python3 -m http.server $PORT0 --bind 127.0.0.1"


def small(app_id, cmd="sleep 1000", **fields):
    app = {"id": app_id, "cmd": cmd, "cpus": 0.05, "mem": 16, "instances": 1}
    app.update(fields)
    return app


class ServicesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fleet = Fleet(TEPUI, agents=[(host, "rack_id:" + rack) for host, rack in RACKS.items()]).__enter__()
        cls.svc = cls.fleet.start_daemon("services", "services", "--work_dir", os.path.join(cls.fleet.dir, "svc"))
        Cluster.wait_for(lambda: http_json(cls.svc, "GET", "/v2/apps")[0] == 200, "the services to lead")

    @classmethod
    def tearDownClass(cls):
        cls.fleet.__exit__(None, None, None)

    def api(self, method, path, body=None):
        return http_json(self.svc, method, path, body)

    def wait_deployment(self, deployment_id, timeout=60):
        """The deployment's final entry (Tepui's GET /v2/deployments/{id})."""
        result = {}

        def ended():
            status, _, body = self.api("GET", "/v2/deployments/" + deployment_id)
            self.assertEqual(status, 200, body)
            result.update(body)
            return body["status"] != "running"
        try:
            Cluster.wait_for(ended, "deployment %s to end" % deployment_id, timeout=timeout)
        except AssertionError as e:
            raise AssertionError("%s: %s\n%s" % (e, result, self.fleet.log_tails())) from None
        return result

    def deploy(self, method, path, body, expect=(200, 201)):
        status, headers, answer = self.api(method, path, body)
        self.assertIn(status, expect, answer)
        deployment = answer.get("deploymentId") or answer["deployments"][0]["id"]
        self.assertEqual(headers.get("Marathon-Deployment-Id"), deployment)
        return deployment

    def tasks(self, app_id):
        status, _, body = self.api("GET", "/v2/apps%s/tasks" % app_id)
        self.assertEqual(status, 200, body)
        return body["tasks"]

    def remove(self, app_id):
        self.wait_deployment(self.deploy("DELETE", "/v2/apps%s?force=true" % app_id, None))

    def master_tasks(self, state="TASK_RUNNING"):
        state_json = self.fleet.master_state()
        return [t for f in state_json["frameworks"] for t in f["tasks"] if t["state"] == state]

    def test_unique_hostname_places_one_per_host_and_scaling_keeps_instances(self):
        app = small("/seed/unique", instances=3, constraints=[["hostname", "UNIQUE"]])
        self.assertEqual(self.wait_deployment(self.deploy("POST", "/v2/apps", app, expect=(201,)))["status"],
                         "succeeded")
        tasks = self.tasks("/seed/unique")
        self.assertEqual(sorted(t["host"] for t in tasks), sorted(RACKS))
        self.assertTrue(all(t["state"] == "TASK_RUNNING" for t in tasks))
        before = {t["id"] for t in tasks}

        # A fourth instance has no host left: it waits in the queue, and the
        # queue says why.
        scale_up = self.deploy("PUT", "/v2/apps/seed/unique", {"instances": 4})

        def queued():
            _, _, body = self.api("GET", "/v2/queue")
            entries = [q for q in body["queue"] if q["app"]["id"] == "/seed/unique"]
            reasons = entries[0]["processedOffersSummary"].get("rejectSummaryLastOffers", []) if entries else []
            return entries and entries[0]["count"] == 1 and any(
                r["reason"] == "UnfulfilledConstraint" for r in reasons)
        Cluster.wait_for(queued, "the fourth instance to wait for a host")
        # The deployment holds the app: another change is refused...
        status, _, body = self.api("PUT", "/v2/apps/seed/unique", {"instances": 3})
        self.assertEqual(status, 409, body)
        self.assertEqual(body["deployments"], [{"id": scale_up}])
        # ...unless forced, which cancels it.
        self.assertEqual(self.wait_deployment(self.deploy("PUT", "/v2/apps/seed/unique?force=true",
                                                          {"instances": 3}))["status"], "succeeded")
        self.assertEqual(self.wait_deployment(scale_up)["status"], "canceled")
        # Scaling never restarted the instances it kept.
        self.assertEqual({t["id"] for t in self.tasks("/seed/unique")}, before)
        self.remove("/seed/unique")

    def test_wipe_forgets_at_once_and_tasks_read_as_plain_text(self):
        app = small("/plain/web", instances=2, portDefinitions=[{"port": 0, "name": "http"}])
        self.assertEqual(self.wait_deployment(self.deploy("POST", "/v2/apps", app))["status"], "succeeded")
        tasks = self.tasks("/plain/web")
        host, port = self.svc.split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.request("GET", "/v2/tasks", headers={"Accept": "text/plain"})
        resp = conn.getresponse()
        text = resp.read().decode()
        conn.close()
        self.assertEqual(resp.status, 200)
        self.assertTrue(resp.getheader("Content-Type").startswith("text/plain"))
        lines = [line.split("\t") for line in text.splitlines() if line.startswith("plain_web\t")]
        self.assertEqual(len(lines), 1, text)
        # Port 0 got a service port of its own, as Marathon assigns them.
        service_port = self.api("GET", "/v2/apps/plain/web")[2]["app"]["portDefinitions"][0]["port"]
        self.assertTrue(10000 <= service_port < 20000, service_port)
        self.assertEqual(lines[0][1], str(service_port))
        self.assertEqual(sorted(lines[0][2:-1]), sorted("%s:%d" % (t["host"], t["ports"][0]) for t in tasks))

        # Wiped: gone from the app's tasks in the answer's wake, replaced.
        victim = tasks[0]["id"]
        status, _, body = self.api("DELETE", "/v2/apps/plain/web/tasks/%s?wipe=true" % victim)
        self.assertEqual(status, 200, body)
        self.assertNotIn(victim, {t["id"] for t in self.tasks("/plain/web")})
        Cluster.wait_for(lambda: len([t for t in self.tasks("/plain/web") if t["state"] == "TASK_RUNNING"]) == 2,
                         "the wiped instance to be replaced")
        Cluster.wait_for(lambda: victim not in {t["id"] for t in self.master_tasks()},
                         "the wiped instance's task to be killed")
        self.remove("/plain/web")

    def test_a_group_rolls_back_to_a_version(self):
        first = {"id": "/ver", "apps": [small("/ver/a")]}
        status, _, body = self.api("POST", "/v2/groups", first)
        self.assertEqual(status, 201, body)
        self.assertEqual(self.wait_deployment(body["deploymentId"])["status"], "succeeded")
        v1 = body["version"]
        second = {"id": "/ver", "apps": [small("/ver/a", "sleep 2000", instances=2), small("/ver/b")]}
        self.assertEqual(self.wait_deployment(self.deploy("PUT", "/v2/groups/ver", second))["status"], "succeeded")
        status, _, versions = self.api("GET", "/v2/groups/ver/versions")
        self.assertEqual(status, 200, versions)
        self.assertEqual(len(versions), 2, versions)
        self.assertEqual(versions[-1], v1)  # newest first

        status, _, body = self.api("PUT", "/v2/groups/ver", {"version": "2001-01-01T00:00:00.000Z"})
        self.assertEqual(status, 404, body)
        self.assertIn("no version", body["message"])
        self.assertEqual(self.wait_deployment(self.deploy("PUT", "/v2/groups/ver", {"version": v1}))["status"],
                         "succeeded")
        status, _, group = self.api("GET", "/v2/groups/ver")
        self.assertEqual([(a["id"], a["cmd"], a["instances"]) for a in group["apps"]], [("/ver/a", "sleep 1000", 1)])
        self.assertEqual(len(self.tasks("/ver/a")), 1)
        self.assertEqual(self.api("GET", "/v2/apps/ver/b")[0], 404)
        self.wait_deployment(self.deploy("DELETE", "/v2/groups/ver?force=true", None))

    def test_group_by_rack_spreads_evenly(self):
        app = small("/seed/spread", instances=6, constraints=[["rack_id", "GROUP_BY"]])
        self.assertEqual(self.wait_deployment(self.deploy("POST", "/v2/apps", app))["status"], "succeeded")
        per_rack = {}
        for t in self.tasks("/seed/spread"):
            per_rack[RACKS[t["host"]]] = per_rack.get(RACKS[t["host"]], 0) + 1
        self.assertEqual(per_rack, {"r1": 2, "r2": 2, "r3": 2})
        self.remove("/seed/spread")

    def test_product_group_starts_its_database_first(self):
        product = {"id": "/product", "groups": [
            {"id": "/product/database", "apps": [small("/product/database/mysql"),
                                                  small("/product/database/mongo")]},
            {"id": "/product/service", "dependencies": ["/product/database"],
             "apps": [small("/product/service/rails-app", instances=2)]}]}
        status, _, body = self.api("POST", "/v2/groups?dryRun=true", product)
        self.assertEqual(status, 200, body)
        steps = [[a["app"] for a in step["actions"] if a["action"] == "ScaleApplication"] for step in body["steps"]]
        self.assertEqual([s for s in steps if s], [["/product/database/mongo", "/product/database/mysql"],
                                                   ["/product/service/rails-app"]])
        result = self.wait_deployment(self.deploy("POST", "/v2/groups", product, expect=(201,)))
        self.assertEqual(result["status"], "succeeded")
        db_started = max(t["startedAt"] for a in ("mysql", "mongo") for t in self.tasks("/product/database/" + a))
        rails_staged = min(t["stagedAt"] for t in self.tasks("/product/service/rails-app"))
        self.assertLessEqual(db_started, rails_staged)
        status, _, group = self.api("GET", "/v2/groups/product")
        self.assertEqual(status, 200, group)
        self.assertEqual(sorted(g["id"] for g in group["groups"]), ["/product/database", "/product/service"])
        service = [g for g in group["groups"] if g["id"] == "/product/service"][0]
        self.assertEqual(service["dependencies"], ["/product/database"])
        result = self.wait_deployment(self.deploy("DELETE", "/v2/groups/product", None))
        self.assertEqual(result["status"], "succeeded")
        self.assertEqual(self.api("GET", "/v2/groups/product")[0], 404)

    def test_rolling_upgrade_never_drops_below_minimum_health_capacity(self):
        app = small("/web", SERVER, instances=5, portDefinitions=[{"port": 0, "name": "http"}],
                    healthChecks=[{"protocol": "HTTP", "path": "/", "portIndex": 0, "gracePeriodSeconds": 20,
                                   "delaySeconds": 0,
                                   "intervalSeconds": 1, "timeoutSeconds": 1, "maxConsecutiveFailures": 3}],
                    upgradeStrategy={"minimumHealthCapacity": 0.6, "maximumOverCapacity": 0.2})
        self.assertEqual(self.wait_deployment(self.deploy("POST", "/v2/apps", app))["status"], "succeeded")

        def healthy(tasks):
            return [t for t in tasks if t["state"] == "TASK_RUNNING" and t["healthCheckResults"]
                    and t["healthCheckResults"][0]["alive"]]
        self.assertEqual(len(healthy(self.tasks("/web"))), 5)
        old_version = self.tasks("/web")[0]["version"]
        upgrade = self.deploy("PUT", "/v2/apps/web", {"env": {"RELEASE": "2"}})
        samples, least, most, widest = 0, 5, 0, []
        deadline = time.time() + 120
        while time.time() < deadline:
            tasks = self.tasks("/web")
            samples += 1
            least = min(least, len(healthy(tasks)))
            alive = [t for t in tasks if t["state"] in ("TASK_STAGING", "TASK_STARTING", "TASK_RUNNING",
                                                        "TASK_KILLING")]
            if len(alive) > most:
                most, widest = len(alive), alive
            _, _, d = self.api("GET", "/v2/deployments/" + upgrade)
            if d["status"] != "running":
                break
            time.sleep(0.1)
        self.assertEqual(d["status"], "succeeded", d)
        self.assertGreater(samples, 5)
        self.assertGreaterEqual(least, 3)  # ceil(5 x 0.6)
        self.assertLessEqual(most, 6, widest)  # floor(5 x 1.2), counting those being killed
        tasks = self.tasks("/web")
        self.assertEqual(len(healthy(tasks)), 5)
        self.assertTrue(all(t["version"] != old_version for t in tasks))
        self.remove("/web")

    def test_crashing_app_backs_off(self):
        app = small("/crashy", "exit 1", backoffSeconds=1, backoffFactor=2, maxLaunchDelaySeconds=4)
        self.deploy("POST", "/v2/apps", app)
        launches = []
        saw_delay = False
        deadline = time.time() + 25
        while time.time() < deadline and len(launches) < 5:
            _, _, body = self.api("GET", "/v2/apps/crashy?embed=app.lastTaskFailure")
            failure = body["app"].get("lastTaskFailure")
            if failure and (not launches or launches[-1] != failure["taskId"]):
                launches.append(failure["taskId"])
            _, _, q = self.api("GET", "/v2/queue")
            for entry in q["queue"]:
                if entry["app"]["id"] == "/crashy" and entry["delay"]["timeLeftSeconds"] > 0:
                    saw_delay = True
            time.sleep(0.1)
        self.assertTrue(saw_delay, "the queue never showed a launch delay")
        # 1 + 2 + 4 + 4 s of delay between five failures: not five in 25 s
        # without the backoff it would be dozens.
        self.assertLessEqual(len(launches), 6)
        self.assertGreaterEqual(len(launches), 2)
        status, _, _ = self.api("DELETE", "/v2/queue/crashy/delay")
        self.assertEqual(status, 204)
        self.remove("/crashy")

    def test_stuck_deployment_hits_its_deadline_and_rolls_back(self):
        check = [{"protocol": "HTTP", "portIndex": 0, "gracePeriodSeconds": 1, "intervalSeconds": 1, "delaySeconds": 0,
                  "timeoutSeconds": 1, "maxConsecutiveFailures": 2}]
        app = small("/stuck", SERVER, instances=1, portDefinitions=[{"port": 0}], healthChecks=check,
                    upgradeStrategy={"minimumHealthCapacity": 1, "maximumOverCapacity": 1,
                                     "progressDeadlineSeconds": 10, "rollbackOnFailure": True})
        self.assertEqual(self.wait_deployment(self.deploy("POST", "/v2/apps", app))["status"], "succeeded")
        # The new version never answers its health check.
        broken = self.deploy("PUT", "/v2/apps/stuck", {"cmd": "sleep 1000"})
        result = self.wait_deployment(broken, timeout=90)
        self.assertEqual(result["status"], "failed", result)
        self.assertIn("no progress", result["message"])
        rollback = result["rollbackDeploymentId"]
        self.assertEqual(self.wait_deployment(rollback, timeout=90)["status"], "succeeded")
        _, _, body = self.api("GET", "/v2/apps/stuck")
        self.assertEqual(body["app"]["cmd"], SERVER)
        tasks = self.tasks("/stuck")
        self.assertEqual(len(tasks), 1)
        self.assertTrue(tasks[0]["healthCheckResults"][0]["alive"])
        self.remove("/stuck")

    def test_bad_definitions_get_422_with_their_paths(self):
        cases = [
            ({"id": "/Bad_Id", "cmd": "x"}, "/id"),
            ({"id": "/ok", "cmd": "x", "args": ["y"]}, "/"),
            ({"id": "/ok", "cmd": "x", "cpus": -1}, "/cpus"),
            ({"id": "/ok", "cmd": "x", "healthChecks": [{"protocol": "GOPHER"}]}, "/healthChecks(0)/protocol"),
            ({"id": "/ok", "cmd": "x", "constraints": [["hostname", "NEAR"]]}, "/constraints(0)"),
            ({"id": "/ok", "cmd": "x", "instances": "three"}, "/instances"),
        ]
        for app, path in cases:
            status, _, body = self.api("POST", "/v2/apps", app)
            self.assertEqual(status, 422, (app, body))
            self.assertEqual(body["message"], "Object is not valid")
            self.assertIn(path, [d["path"] for d in body["details"]], (app, body))
        status, _, body = self.api("POST", "/v2/apps", None)
        self.assertEqual(status, 400, body)
        # Nothing of them was kept.
        self.assertEqual([a["id"] for a in self.api("GET", "/v2/apps?id=ok")[2]["apps"]], [])

    def test_deploy_command_waits_for_the_result(self):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(small("/cli/app", instances=2), f)
        run = subprocess.run([TEPUI, "services", "deploy", f.name, "--services", self.svc, "--wait"],
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertIn("succeeded", run.stdout)
        self.assertEqual(len([t for t in self.tasks("/cli/app") if t["state"] == "TASK_RUNNING"]), 2)
        with open(f.name, "w") as bad:
            json.dump(small("/cli/app", cpus=-1), bad)
        run = subprocess.run([TEPUI, "services", "deploy", f.name, "--services", self.svc, "--wait"],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 2, run.stdout + run.stderr)
        self.assertIn("/cpus", run.stderr)
        os.unlink(f.name)
        self.remove("/cli/app")

    def test_events_stream_status_updates_and_deployments(self):
        host, port = self.svc.split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        conn.request("GET", "/v2/events?event_type=deployment_success&event_type=status_update_event",
                     headers={"Accept": "text/event-stream"})
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        events = []

        def read():
            event = {}
            for raw in resp:
                line = raw.decode().rstrip("\n")
                if not line:
                    if event:
                        events.append(event)
                    event = {}
                elif not line.startswith(":"):
                    key, _, value = line.partition(": ")
                    event[key] = value
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        self.wait_deployment(self.deploy("POST", "/v2/apps", small("/evented")))
        Cluster.wait_for(lambda: any(e.get("event") == "deployment_success" for e in events),
                         "deployment_success on the stream")
        updates = [json.loads(e["data"]) for e in events if e.get("event") == "status_update_event"]
        self.assertIn("TASK_RUNNING", [u["taskStatus"] for u in updates if u["appId"] == "/evented"])
        self.assertTrue(all(e.get("event") in ("deployment_success", "status_update_event") for e in events))
        self.assertTrue(all("id" in e for e in events))
        conn.close()
        self.remove("/evented")


class LocalClusterTest(unittest.TestCase):
    def test_local_cluster_runs_the_service_scheduler(self):
        with Cluster(TEPUI, agents=1, services=True) as cluster:
            self.assertIsNotNone(cluster.services, cluster.logs())
            Cluster.wait_for(lambda: http_json(cluster.services, "GET", "/v2/apps")[0] == 200, "the services to lead")
            status, _, body = http_json(cluster.services, "POST", "/v2/apps", small("/hello"))
            self.assertEqual(status, 201, body)

            def running():
                _, _, app = http_json(cluster.services, "GET", "/v2/apps/hello")
                return app["app"]["tasksRunning"] == 1
            Cluster.wait_for(running, "the app to run on the local cluster")


if __name__ == "__main__":
    TEPUI = tepui_binary(sys.argv)
    unittest.main()
