"""End-to-end test of a network partition with the built binary: the agent
runs in its own network namespace, joined to the master's by a veth pair,
and the test takes the link down. The master, missing its pings, marks the
agent unreachable: a PARTITION_AWARE framework sees TASK_UNREACHABLE, the
other TASK_LOST. When the link comes back the agent registers again with
its tasks, which never stopped: the PARTITION_AWARE framework sees them
TASK_RUNNING again. Needs root (namespaces); skipped otherwise."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from tepui_harness import Cluster, Scheduler, free_port, get, launch, task, tepui_binary  # noqa: E402

TEPUI = None


def ip(*args):
    subprocess.run(["ip", *args], check=True, capture_output=True)


def can_make_namespaces():
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return False
    probe = "tepui-probe-%d" % os.getpid()
    try:
        ip("netns", "add", probe)
        ip("netns", "del", probe)
        return True
    except subprocess.CalledProcessError:
        return False


@unittest.skipUnless(can_make_namespaces(), "needs root and `ip netns`")
class PartitionTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tepui-e2e-partition-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        n = os.getpid() % 200 + 20
        self.ns = "tepui-part-%d" % os.getpid()
        self.host_if, self.agent_if = "tph%d" % os.getpid(), "tpa%d" % os.getpid()
        self.host_ip, self.agent_ip = "10.213.%d.1" % n, "10.213.%d.2" % n
        ip("netns", "add", self.ns)
        self.addCleanup(ip, "netns", "del", self.ns)
        ip("link", "add", self.host_if, "type", "veth", "peer", "name", self.agent_if)
        self.addCleanup(subprocess.run, ["ip", "link", "del", self.host_if], capture_output=True)
        ip("link", "set", self.agent_if, "netns", self.ns)
        ip("addr", "add", self.host_ip + "/24", "dev", self.host_if)
        ip("link", "set", self.host_if, "up")
        ip("netns", "exec", self.ns, "ip", "addr", "add", self.agent_ip + "/24", "dev", self.agent_if)
        ip("netns", "exec", self.ns, "ip", "link", "set", self.agent_if, "up")
        ip("netns", "exec", self.ns, "ip", "link", "set", "lo", "up")

        self.procs = []
        self.addCleanup(self.stop_all)
        port = free_port()
        self.master = "127.0.0.1:%d" % port
        # Pings every 0.5 s; three missed make the agent unreachable.
        self.start([TEPUI, "master", "--ip=0.0.0.0", "--port=%d" % port, "--hostname=127.0.0.1",
                    "--work_dir=" + os.path.join(self.dir, "master"),
                    "--agent_ping_timeout=500ms", "--max_agent_ping_timeouts=3"], "master")
        self.start(["ip", "netns", "exec", self.ns, TEPUI, "agent", "--master=%s:%d" % (self.host_ip, port),
                    "--ip=" + self.agent_ip, "--port=0", "--hostname=" + self.agent_ip,
                    "--work_dir=" + os.path.join(self.dir, "agent"), "--resources=cpus:2;mem:1024"], "agent")
        Cluster.wait_for(lambda: len(self.agents()) == 1, "the agent to register across the veth pair")

    def start(self, args, name):
        with open(os.path.join(self.dir, name + ".log"), "a") as log:
            self.procs.append(subprocess.Popen(args, stdout=log, stderr=log))

    def stop_all(self):
        for proc in reversed(self.procs):
            if proc.poll() is None:
                # SIGUSR1: the agent shuts down with what it runs (the master
                # stops on it as on SIGTERM).
                proc.send_signal(signal.SIGUSR1)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()

    def state(self):
        status, _, body = get(self.master, "/master/state")
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def agents(self):
        try:
            return [a for a in self.state()["slaves"] if a["active"]]
        except OSError:  # the master is not listening yet
            return []

    def running(self, name, capabilities):
        s = Scheduler(self.master, name=name, capabilities=capabilities, failover_timeout=3600)
        self.addCleanup(s.close)
        s.subscribe()
        offer = s.next_event("OFFERS")["offers"]["offers"][0]
        launch(s, [offer["id"]["value"]], [task(name + "-task", offer["agent_id"]["value"], "sleep 1000",
                                                 cpus=0.5)])
        return s, s.acknowledge_until("TASK_RUNNING")["agent_id"]["value"]

    def next_update(self, s):
        status = s.next_event("UPDATE", timeout=30)["update"]["status"]
        s.acknowledge(status)
        return status

    def test_a_partitioned_agent_becomes_unreachable_and_returns_with_its_tasks(self):
        aware, agent_id = self.running("aware", ["PARTITION_AWARE"])
        legacy, _ = self.running("legacy", [])

        ip("link", "set", self.host_if, "down")  # the partition: no RST, no FIN, silence
        unreachable = self.next_update(aware)
        self.assertEqual((unreachable["task_id"]["value"], unreachable["state"], unreachable["reason"]),
                         ("aware-task", "TASK_UNREACHABLE", "REASON_AGENT_REMOVED"))
        self.assertIn("unreachable_time", unreachable)
        lost = self.next_update(legacy)
        self.assertEqual((lost["task_id"]["value"], lost["state"]), ("legacy-task", "TASK_LOST"))
        state = self.state()
        self.assertEqual(state["unreachable_slaves"], 1)
        self.assertEqual([a["id"] for a in state["slaves"] if a["active"]], [])

        ip("link", "set", self.host_if, "up")
        back = self.next_update(aware)
        self.assertEqual((back["task_id"]["value"], back["state"], back["agent_id"]["value"]),
                         ("aware-task", "TASK_RUNNING", agent_id))
        Cluster.wait_for(lambda: [a["id"] for a in self.agents()] == [agent_id], "the agent to register again")
        tasks = {t["id"]: t["state"] for f in self.state()["frameworks"] for t in f["tasks"]}
        self.assertEqual(tasks, {"aware-task": "TASK_RUNNING", "legacy-task": "TASK_RUNNING"})
        self.assertEqual(self.state()["unreachable_slaves"], 0)


if __name__ == "__main__":
    TEPUI = tepui_binary(sys.argv)
    unittest.main(verbosity=2)
