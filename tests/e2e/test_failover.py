"""End-to-end test of high availability with the built binary: three
`tepui master --zk` processes and a real ZooKeeper. One leads, the others
redirect to it; an agent and a framework follow it; when the leader is
killed with SIGKILL another takes over, the agent registers again with its
running task, the framework resubscribes with its id, and nothing is lost."""

import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from tepui_harness import Cluster, Scheduler, ZooKeeperServer, free_port, launch, task, tepui_binary  # noqa: E402

TEPUI = None


def get(address, path):
    host, port = address.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


class FailoverTest(unittest.TestCase):
    def setUp(self):
        self.zk = self.enterContext(ZooKeeperServer())
        self.dir = tempfile.mkdtemp(prefix="tepui-e2e-failover-")
        self.procs = {}
        self.addCleanup(self.stop_all)
        self.url = self.zk.url("/tepui")
        self.masters = []
        for i in range(3):
            address = "127.0.0.1:%d" % free_port()
            self.masters.append(address)
            self.start_master(address)

    def start(self, name, args):
        log = open(os.path.join(self.dir, name + ".log"), "a")
        self.procs[name] = subprocess.Popen([TEPUI, *args], stdout=log, stderr=log)
        log.close()

    def start_master(self, address):
        self.start(address, ["master", "--zk=" + self.url, "--quorum=2", "--zk_session_timeout=2secs",
                             "--ip=127.0.0.1", "--port=" + address.split(":")[1], "--hostname=127.0.0.1"])

    def stop_all(self):
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()

    def elected(self, address):
        try:
            status, _, body = get(address, "/metrics/snapshot")
        except OSError:
            return False
        return status == 200 and json.loads(body).get("master/elected") == 1

    def leader(self, among):
        Cluster.wait_for(lambda: sum(self.elected(m) for m in among) == 1, "exactly one leader", timeout=30)
        return next(m for m in among if self.elected(m))

    def test_the_leader_dies_and_nothing_is_lost(self):
        leader = self.leader(self.masters)
        followers = [m for m in self.masters if m != leader]
        # Followers redirect API and state calls to the leader.
        status, headers, _ = get(followers[0], "/master/state")
        self.assertEqual(status, 307)
        self.assertEqual(headers["Location"], "http://%s/master/state" % leader)
        status, headers, _ = get(followers[1], "/master/redirect")
        self.assertEqual((status, headers["Location"]), (307, "//" + leader))

        self.start("agent", ["agent", "--master=" + self.url, "--ip=127.0.0.1", "--port=0",
                             "--hostname=127.0.0.1", "--work_dir=" + os.path.join(self.dir, "agent"),
                             "--resources=cpus:2;mem:1024"])
        Cluster.wait_for(lambda: len(json.loads(get(leader, "/master/state")[2])["slaves"]) == 1,
                         "the agent to register with the leader")

        s = Scheduler(leader, name="failover", failover_timeout=3600)
        self.addCleanup(s.close)
        s.subscribe()
        offer = s.next_event("OFFERS")["offers"]["offers"][0]
        agent_id = offer["agent_id"]["value"]
        launch(s, [offer["id"]["value"]], [task("survivor", agent_id, "sleep 1000")])
        while True:
            status = s.next_event("UPDATE")["update"]["status"]
            s.acknowledge(status)
            if status["state"] == "TASK_RUNNING":
                break

        # SIGKILL the leader: another master takes over.
        killed = time.time()
        self.procs[leader].send_signal(signal.SIGKILL)
        self.procs[leader].wait(timeout=10)
        new_leader = self.leader(followers)
        elected_after = time.time() - killed

        def agent_back():
            state = json.loads(get(new_leader, "/master/state")[2])
            return [a["id"] for a in state["slaves"] if a["active"]] == [agent_id]
        Cluster.wait_for(agent_back, "the agent to register with the new leader")

        # The framework resubscribes with its id and finds its task running.
        s.close()
        s.master = new_leader
        s.subscribe()
        self.assertEqual(s.framework_id, offer["framework_id"]["value"])
        code, body = s.call({"type": "RECONCILE", "reconcile": {"tasks": []}})
        self.assertEqual(code, 202, body)
        while True:
            update = s.next_event("UPDATE")["update"]["status"]
            if update["task_id"]["value"] == "survivor":
                break
        self.assertEqual(update["state"], "TASK_RUNNING")
        state = json.loads(get(new_leader, "/master/state")[2])
        tasks = [t for f in state["frameworks"] for t in f["tasks"]]
        self.assertEqual([(t["id"], t["state"]) for t in tasks], [("survivor", "TASK_RUNNING")])
        print("\n  new leader elected %.2fs after the SIGKILL (session timeout 2s)" % elected_after, file=sys.stderr)


if __name__ == "__main__":
    TEPUI = tepui_binary(sys.argv)
    unittest.main(verbosity=2)
