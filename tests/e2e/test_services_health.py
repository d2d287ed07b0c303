"""End-to-end test of the health checks the services leader probes itself
(an app with several HTTP checks), with the built binary: a master, one
agent and `tepui services`, each its own process. The app serves two ports
with python3's http.server; the first instance stops serving one check's
file after a few seconds, so it must be killed and replaced, with the
events on /v2/events."""

import http.client
import json
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from tepui_harness import Cluster, Fleet, http_json, tepui_binary  # noqa: E402

TEPUI = None
HEALTH_EVENTS = ("failed_health_check_event", "health_status_changed_event", "unhealthy_instance_kill_event")


class EventReader:
    """Collects the frames of GET /v2/events (filtered to `types`) on a thread."""

    def __init__(self, address, types):
        host, port = address.split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=120)
        query = "&".join("event_type=" + t for t in types)
        self.conn.request("GET", "/v2/events?" + query, headers={"Accept": "text/event-stream"})
        resp = self.conn.getresponse()
        assert resp.status == 200, resp.status
        self.events = []
        self.lock = threading.Lock()

        def pump():
            frame = {}
            try:
                while True:
                    line = resp.fp.readline()
                    if not line:
                        return
                    line = line.decode().rstrip("\n")
                    if line:
                        key, _, value = line.partition(": ")
                        frame[key] = value
                        continue
                    if frame.get("event") in types:
                        with self.lock:
                            self.events.append(json.loads(frame["data"]))
                    frame = {}
            except OSError:
                pass
        threading.Thread(target=pump, daemon=True).start()

    def of(self, event_type, **fields):
        with self.lock:
            return [e for e in self.events if e["eventType"] == event_type
                    and all(e.get(k) == v for k, v in fields.items())]

    def close(self):
        self.conn.close()


class ServicesHealthTest(unittest.TestCase):
    def setUp(self):
        # The agent's host name is what the leader probes: one that resolves.
        self.fleet = Fleet(TEPUI, agents=[("127.0.0.1", "")]).__enter__()
        self.svc = self.fleet.start_daemon("services", "services", "--work_dir",
                                           os.path.join(self.fleet.dir, "svc"),
                                           "--max_concurrent_health_checks", "2")
        Cluster.wait_for(lambda: http_json(self.svc, "GET", "/v2/apps")[0] == 200, "the services to lead")

    def tearDown(self):
        self.fleet.__exit__(None, None, None)

    def api(self, method, path, body=None):
        return http_json(self.svc, method, path, body)

    def tasks(self, app_id):
        status, _, body = self.api("GET", "/v2/apps%s/tasks" % app_id)
        self.assertEqual(status, 200, body)
        return body["tasks"]

    def wait(self, predicate, what, timeout=60):
        try:
            Cluster.wait_for(predicate, what, timeout=timeout)
        except AssertionError as e:
            raise AssertionError("%s\n%s" % (e, self.fleet.log_tails())) from None

    def test_two_http_checks_on_two_ports_kill_and_replace_an_instance_failing_one(self):
        events = EventReader(self.svc, HEALTH_EVENTS)
        self.addCleanup(events.close)
        once = os.path.join(self.fleet.dir, "broken-once")
        # Both servers serve the sandbox. The first instance removes ok2 (the
        # second check's file) after 6 s; the ones after it keep it.
        cmd = ("touch ok1 ok2; "
               "if mkdir %s 2>/dev/null; then (sleep 6; rm -f ok2) & fi; "
               "python3 -m http.server $PORT1 --bind 127.0.0.1 & "
               "exec python3 -m http.server $PORT0 --bind 127.0.0.1") % once
        check = {"protocol": "HTTP", "gracePeriodSeconds": 30, "intervalSeconds": 1, "timeoutSeconds": 1,
                 "maxConsecutiveFailures": 2}
        app = {"id": "/two", "cmd": cmd, "cpus": 0.05, "mem": 32, "instances": 1,
               "portDefinitions": [{"port": 0}, {"port": 0}], "backoffSeconds": 8,
               "healthChecks": [dict(check, path="/ok1", portIndex=0), dict(check, path="/ok2", portIndex=1)]}
        status, _, body = self.api("POST", "/v2/apps", app)
        self.assertEqual(status, 201, body)
        deployment = body["deployments"][0]["id"]

        # The deployment needs the instance healthy: both checks alive.
        def deployed():
            return self.api("GET", "/v2/deployments/" + deployment)[2].get("status") == "succeeded"
        self.wait(deployed, "the deployment to succeed")
        [first] = self.tasks("/two")
        results = first["healthCheckResults"]
        self.assertEqual(len(results), 2, first)
        self.assertTrue(all(r["alive"] for r in results), results)
        self.assertTrue(all(r["instanceId"] == first["id"] for r in results), results)
        self.assertEqual(self.api("GET", "/v2/apps/two")[2]["app"]["tasksHealthy"], 1)
        # The task carries no agent-run check: the leader probes.
        [running] = [t for f in self.fleet.master_state()["frameworks"] for t in f["tasks"]
                     if t["id"] == first["id"]]
        self.assertNotIn("health_check", running)

        # ok2 goes: two failures of the second check kill the instance.
        self.wait(lambda: events.of("unhealthy_instance_kill_event", instanceId=first["id"]),
                  "the unhealthy instance to be killed")
        [kill] = events.of("unhealthy_instance_kill_event", instanceId=first["id"])
        self.assertEqual(kill["appId"], "/two")
        self.assertIn("/ok2", kill["reason"])
        self.assertIn("404", kill["reason"])
        failed = events.of("failed_health_check_event", instanceId=first["id"])
        self.assertGreaterEqual(len(failed), 2, failed)
        self.assertTrue(all(e["healthCheck"]["path"] == "/ok2" for e in failed), failed)
        changes = events.of("health_status_changed_event", instanceId=first["id"])
        self.assertEqual([e["alive"] for e in changes], [True, False], changes)
        # The kill counts towards the launch backoff: the replacement waits.
        def delayed():
            queue = self.api("GET", "/v2/queue")[2]["queue"]
            return [q for q in queue if q["app"]["id"] == "/two" and q["delay"]["timeLeftSeconds"] > 0]
        self.wait(delayed, "the replacement to wait out the backoff", timeout=8)

        # A replacement comes up healthy on both checks; the first is gone.
        def replaced():
            tasks = self.tasks("/two")
            return (len(tasks) == 1 and tasks[0]["id"] != first["id"] and tasks[0]["state"] == "TASK_RUNNING"
                    and len(tasks[0]["healthCheckResults"]) == 2
                    and all(r["alive"] for r in tasks[0]["healthCheckResults"]))
        self.wait(replaced, "a healthy replacement", timeout=90)
        [second] = self.tasks("/two")
        self.wait(lambda: events.of("health_status_changed_event", instanceId=second["id"], alive=True),
                  "the replacement's health event")
        self.assertNotIn(first["id"], [t["id"] for f in self.fleet.master_state()["frameworks"]
                                       for t in f["tasks"] if t["state"] == "TASK_RUNNING"])
        # The replacement keeps ok2: it is not killed.
        self.assertEqual(events.of("unhealthy_instance_kill_event", instanceId=second["id"]), [])
        status, _, metrics = self.api("GET", "/metrics")
        self.assertEqual(status, 200, metrics)
        self.assertEqual(metrics["services/health/unhealthy_kills"], 1, metrics)
        self.assertGreaterEqual(metrics["services/health/probes_failed"], 2, metrics)
        self.assertGreater(metrics["services/health/probes_passed"], 0, metrics)

    def test_a_new_leader_probes_again_from_unknown_and_kills_nothing(self):
        cmd = ("python3 -m http.server $PORT1 --bind 127.0.0.1 & "
               "exec python3 -m http.server $PORT0 --bind 127.0.0.1")
        check = {"gracePeriodSeconds": 30, "intervalSeconds": 1, "timeoutSeconds": 1, "maxConsecutiveFailures": 1}
        app = {"id": "/pair", "cmd": cmd, "cpus": 0.05, "mem": 32, "instances": 1,
               "portDefinitions": [{"port": 0}, {"port": 0}],
               "healthChecks": [dict(check, protocol="HTTP", portIndex=0), dict(check, protocol="TCP", portIndex=1)]}
        status, _, body = self.api("POST", "/v2/apps", app)
        self.assertEqual(status, 201, body)
        deployment = body["deployments"][0]["id"]
        self.wait(lambda: self.api("GET", "/v2/deployments/" + deployment)[2].get("status") == "succeeded",
                  "the deployment to succeed")
        [before] = self.tasks("/pair")

        self.fleet.kill("services")
        self.svc = self.fleet.start_daemon("services", "services", "--work_dir", os.path.join(self.fleet.dir, "svc"),
                                           port=self.fleet.ports["services"])
        self.wait(lambda: self.api("GET", "/v2/apps")[0] == 200, "the services to lead again")

        def healthy_again():
            tasks = self.tasks("/pair")
            return (len(tasks) == 1 and len(tasks[0]["healthCheckResults"]) == 2
                    and all(r["alive"] for r in tasks[0]["healthCheckResults"]))
        self.wait(healthy_again, "the instance to be probed healthy by the new leader")
        [after] = self.tasks("/pair")
        self.assertEqual(after["id"], before["id"])
        # The new leader's results are its own: found after it started.
        self.assertGreater(after["healthCheckResults"][0]["firstSuccess"],
                           before["healthCheckResults"][0]["lastSuccess"])

    def test_mixed_or_several_agent_checks_get_422_at_the_offending_check(self):
        cases = [
            ([{"protocol": "HTTP"}, {"protocol": "MESOS_TCP"}], "/healthChecks(1)"),
            ([{"protocol": "MESOS_HTTP"}, {"protocol": "MESOS_TCP"}], "/healthChecks(1)"),
            ([{"protocol": "HTTP"}, {"protocol": "HTTPS"}], "/healthChecks(1)/protocol"),
        ]
        for checks, path in cases:
            app = {"id": "/bad", "cmd": "sleep 100", "cpus": 0.05, "mem": 16, "healthChecks": checks}
            status, _, body = self.api("POST", "/v2/apps", app)
            self.assertEqual(status, 422, (checks, body))
            self.assertIn(path, [d["path"] for d in body["details"]], (checks, body))


if __name__ == "__main__":
    TEPUI = tepui_binary(sys.argv)
    unittest.main(verbosity=2)
