"""End-to-end test of a `tepui services` leader failover in the middle of a
rolling upgrade: a real ZooKeeper, a master, three agents and two services
daemons electing a leader through ZooKeeper, each its own process. The
leader is killed with SIGKILL once the upgrade has replaced some instances;
the other daemon must take over, finish the same deployment, and leave
exactly the app's instances running: none launched twice, none forgotten."""

import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from tepui_harness import Cluster, Fleet, ZooKeeperServer, http_json, tepui_binary  # noqa: E402

TEPUI = None
SERVER = "exec python3 -m http.server $PORT0 --bind 127.0.0.1"
CHECK = [{"protocol": "HTTP", "portIndex": 0, "gracePeriodSeconds": 10, "intervalSeconds": 1, "delaySeconds": 0,
          "timeoutSeconds": 1, "maxConsecutiveFailures": 3}]


class ServicesFailoverTest(unittest.TestCase):
    def elected(self, addresses):
        """The address of the daemon that leads and has subscribed, or None."""
        for address in addresses:
            try:
                status, _, info = http_json(address, "GET", "/v2/info")
            except OSError:
                continue
            if status == 200 and info["elected"] and info["frameworkId"]:
                return address
        return None

    def wait_leader(self, addresses):
        found = []
        Cluster.wait_for(lambda: found.append(self.elected(addresses)) or found[-1], "a services leader", timeout=60)
        return found[-1]

    def framework_tasks(self, fleet, framework_id):
        """(running task ids, every task id the master knows) of the framework."""
        for f in fleet.master_state()["frameworks"]:
            if f["id"] == framework_id:
                running = {t["id"] for t in f["tasks"] if t["state"] == "TASK_RUNNING"}
                known = {t["id"] for t in f["tasks"] + f["completed_tasks"]}
                return running, known
        return set(), set()

    def test_a_leader_killed_mid_deployment_leaves_the_deployment_to_the_next(self):
        agents = [("agent-a", "rack_id:r1"), ("agent-b", "rack_id:r2"), ("agent-c", "rack_id:r3")]
        with ZooKeeperServer() as zk, Fleet(TEPUI, agents=agents) as fleet:
            flags = ("--zk", zk.url("/tepui/services"), "--zk_session_timeout", "2secs")
            daemons = {"svc-a": fleet.start_daemon("svc-a", "services", *flags),
                       "svc-b": fleet.start_daemon("svc-b", "services", *flags)}
            leader = self.wait_leader(daemons.values())
            follower = next(a for a in daemons.values() if a != leader)
            # The follower sends API calls to the leader.
            status, headers, _ = http_json(follower, "GET", "/v2/apps")
            self.assertEqual(status, 307)
            self.assertEqual(headers["Location"], "http://%s/v2/apps" % leader)

            app = {"id": "/ha/web", "cmd": SERVER, "cpus": 0.05, "mem": 16, "instances": 4,
                   "portDefinitions": [{"port": 0}], "healthChecks": CHECK,
                   "upgradeStrategy": {"minimumHealthCapacity": 1, "maximumOverCapacity": 0.25}}
            status, _, body = http_json(leader, "POST", "/v2/apps", app)
            self.assertEqual(status, 201, body)
            self.wait_status(leader, body["deployments"][0]["id"], "succeeded")
            _, _, info = http_json(leader, "GET", "/v2/info")
            framework_id = info["frameworkId"]
            old_running, _ = self.framework_tasks(fleet, framework_id)
            self.assertEqual(len(old_running), 4)

            # A new version whose instances take two seconds to serve: with
            # room for one extra instance, the upgrade replaces them one at
            # a time, for several seconds.
            status, _, body = http_json(leader, "PUT", "/v2/apps/ha/web", {"cmd": "sleep 2; " + SERVER})
            self.assertEqual(status, 200, body)
            deployment, version = body["deploymentId"], body["version"]

            def replaced_some():
                _, _, tasks = http_json(leader, "GET", "/v2/apps/ha/web/tasks")
                healthy_new = [t for t in tasks["tasks"] if t["version"] == version
                               and t.get("healthCheckResults") and t["healthCheckResults"][0]["alive"]]
                return len(healthy_new) >= 1
            Cluster.wait_for(replaced_some, "the upgrade to replace an instance", timeout=60)
            _, _, d = http_json(leader, "GET", "/v2/deployments/" + deployment)
            self.assertEqual(d["status"], "running", d)

            killed = next(name for name, a in daemons.items() if a == leader)
            fleet.kill(killed)
            killed_at = time.time()
            new_leader = self.wait_leader([follower])
            took = time.time() - killed_at

            result = self.wait_status(new_leader, deployment, "succeeded", fleet)
            self.assertEqual(result["id"], deployment)
            _, _, tasks = http_json(new_leader, "GET", "/v2/apps/ha/web/tasks")
            self.assertEqual(len(tasks["tasks"]), 4, tasks)
            for t in tasks["tasks"]:
                self.assertEqual(t["version"], version)
                self.assertTrue(t["healthCheckResults"][0]["alive"], t)

            # What the master saw: the four old instances and exactly four
            # new ones (none launched twice), and only the new ones running
            # (none forgotten).
            def settled():
                running, known = self.framework_tasks(fleet, framework_id)
                return running == {t["id"] for t in tasks["tasks"]} and len(known) == 8
            try:
                Cluster.wait_for(settled, "the master to run exactly the app's new instances", timeout=20)
            except AssertionError:
                raise AssertionError("master: %s\n%s" % (self.framework_tasks(fleet, framework_id),
                                                         fleet.log_tails())) from None
            self.assertTrue(old_running.isdisjoint(self.framework_tasks(fleet, framework_id)[0]))

            # The killed daemon comes back as a follower of the new leader.
            daemons[killed] = fleet.start_daemon(killed, "services", *flags, port=fleet.ports[killed])
            status, headers, _ = http_json(daemons[killed], "GET", "/v2/deployments")
            self.assertEqual(status, 307)
            self.assertEqual(headers["Location"], "http://%s/v2/deployments" % new_leader)
            print("services leader failover: new leader serving %.2f s after the kill" % took, file=sys.stderr)

    def wait_status(self, address, deployment, want, fleet=None):
        result = {}

        def ended():
            status, _, body = http_json(address, "GET", "/v2/deployments/" + deployment)
            if status != 200:
                return False
            result.update(body)
            return body["status"] != "running"
        try:
            Cluster.wait_for(ended, "deployment %s to end" % deployment, timeout=90)
        except AssertionError as e:
            raise AssertionError("%s: %s\n%s" % (e, result, fleet.log_tails() if fleet else "")) from None
        self.assertEqual(result["status"], want, result)
        return result


if __name__ == "__main__":
    TEPUI = tepui_binary(sys.argv)
    unittest.main()
