"""End-to-end tests of agent recovery with the built binary as separate
`tepui master` and `tepui agent` processes: an agent killed with SIGKILL, or
stopped with SIGTERM, and started again on the same work dir keeps its id and
re-attaches to the executor that outlived it (SIGUSR1 shuts it down with its
tasks); the task's process runs on untouched, the
framework sees no failure, and the task's updates, including one made while
the agent was down, arrive exactly once; an executor that does not
subscribe again in time is killed and its task lost. --recover=cleanup kills what the
old agent ran and starts a new agent; changed resources are refused; an
agent the master shuts down starts as a new one next time."""

import http.client
import json
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from tepui_harness import Cluster, Daemons, Scheduler, launch, task, tepui_binary  # noqa: E402

TEPUI = None
RESOURCES = "cpus:2;mem:1024;disk:512;ports:[31000-31010]"


def alive(pid):
    """True while `pid` runs (a zombie has exited)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


class RecoveryHarness(unittest.TestCase):
    """A master, an agent started with `agent_flags`, and a checkpointing
    framework; helpers to launch a task, restart the agent and watch."""
    agent_flags = ()

    def setUp(self):
        self.d = Daemons(TEPUI, RESOURCES, self.agent_flags)
        self.addCleanup(self.d.close)
        self.agent_id = self.d.up()
        self.pids = []
        self.addCleanup(self.kill_leftovers)
        self.s = Scheduler("127.0.0.1:%d" % self.d.port, name="recovery")
        self.s.info["checkpoint"] = True
        self.addCleanup(self.s.close)
        self.s.subscribe()
        self.updates = []

    def kill_leftovers(self):
        for pid in self.pids:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)

    def launch_waiting_task(self, task_id):
        """A task that writes its pid and runs until its 'done' file appears;
        returns (pid, done file) once it is TASK_RUNNING."""
        pid_file = os.path.join(self.d.dir, task_id + ".pid")
        done = os.path.join(self.d.dir, task_id + ".done")
        offer = self.s.next_event("OFFERS")["offers"]["offers"][0]
        cmd = "echo $$ > %s.new && mv %s.new %s; while [ ! -e %s ]; do sleep 0.05; done" % (
            pid_file, pid_file, pid_file, done)
        launch(self.s, [offer["id"]["value"]], [task(task_id, self.agent_id, cmd)], refuse=3600)
        self.await_state(task_id, "TASK_RUNNING")
        Cluster.wait_for(lambda: os.path.exists(pid_file), "the task to write its pid")
        with open(pid_file) as f:
            pid = int(f.read())
        self.pids.append(pid)
        self.assertTrue(alive(pid))
        # Updates are at least once: one whose acknowledgement has not
        # reached the agent's checkpoint yet is sent again after the restart.
        Cluster.wait_for(lambda: self.agent_metrics()["slave/status_updates_pending"] == 0 and
                         self.agent_metrics()["slave/checkpoint_changes_pending"] == 0,
                         "the agent to have the acknowledgements on disk")
        return pid, done

    def await_state(self, task_id, state, timeout=30):
        """Acknowledges every update until `task_id` reaches `state`."""
        deadline = time.time() + timeout
        while True:
            event = self.s.next_event("UPDATE", timeout=max(0.1, deadline - time.time()))
            status = event["update"]["status"]
            self.updates.append((status["task_id"]["value"], status["state"]))
            self.s.acknowledge(status)
            if status["task_id"]["value"] == task_id and status["state"] == state:
                return status

    def more_updates(self, within):
        """The updates that arrive within `within` seconds (acknowledged)."""
        got = []
        deadline = time.time() + within
        while time.time() < deadline:
            try:
                event = self.s.next_event("UPDATE", timeout=deadline - time.time())
            except Exception:  # the queue's Empty: nothing more came
                break
            status = event["update"]["status"]
            got.append((status["task_id"]["value"], status["state"]))
            self.s.acknowledge(status)
        return got

    def agent_address(self):
        agents = self.d.connected_agents()
        return agents[0]["pid"].split("@")[1] if agents else None

    def agent_metrics(self):
        host, port = self.agent_address().split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=5)
        try:
            conn.request("GET", "/metrics/snapshot")
            return json.loads(conn.getresponse().read())
        finally:
            conn.close()

    def restart_agent(self, *extra, sig=signal.SIGKILL):
        """Stops the agent with `sig` and starts it again on its work dir."""
        self.d.kill("agent", sig)
        self.d.start("agent", *extra)

    def await_reattached(self):
        Cluster.wait_for(lambda: [a["id"] for a in self.d.connected_agents()] == [self.agent_id],
                         "the agent to register again with its id")
        Cluster.wait_for(lambda: self.agent_metrics()["slave/executors_running"] == 1,
                         "the executor to subscribe again")

    def master_task(self, task_id):
        state = self.d.state()
        for framework in state["frameworks"]:
            for t in framework["tasks"]:
                if t["id"] == task_id:
                    return t
        return None


class AgentRecoveryTest(RecoveryHarness):

    def test_a_task_survives_its_agent_being_killed(self):
        self.check_task_survives_agent_restart("t1", signal.SIGKILL)

    def test_a_task_survives_its_agent_being_stopped_with_sigterm(self):
        """SIGTERM stops the agent alone (an upgrade, a supervisor's
        restart): the checkpointed executor and its task keep running."""
        self.check_task_survives_agent_restart("t1t", signal.SIGTERM)

    def test_sigusr1_shuts_the_agent_down_with_its_tasks(self):
        pid, _ = self.launch_waiting_task("t1u")
        self.d.kill("agent", signal.SIGUSR1)
        Cluster.wait_for(lambda: not alive(pid), "the task to be killed with its agent")

    def check_task_survives_agent_restart(self, task_id, sig):
        pid, done = self.launch_waiting_task(task_id)
        self.restart_agent(sig=sig)
        self.assertTrue(alive(pid), "the task died with its agent")
        self.await_reattached()
        # Past the re-registration timeout (2 s): nothing was lost or failed.
        self.assertEqual(self.more_updates(3), [])
        self.assertTrue(alive(pid))
        self.assertEqual(self.master_task(task_id)["state"], "TASK_RUNNING")
        self.assertEqual(self.agent_metrics()["slave/tasks_running"], 1)

        open(done, "w").close()
        self.await_state(task_id, "TASK_FINISHED")
        self.assertEqual(self.more_updates(2), [], "an update came twice")
        self.assertEqual([u for u in self.updates if u[1] in ("TASK_LOST", "TASK_FAILED", "TASK_GONE")], [])
        self.assertEqual([u for u in self.updates if u[1] == "TASK_FINISHED"], [(task_id, "TASK_FINISHED")])
        Cluster.wait_for(lambda: not alive(pid), "the task's process to end")

    def test_an_update_made_while_the_agent_was_down_is_delivered(self):
        pid, done = self.launch_waiting_task("t2")
        self.d.kill("agent")
        open(done, "w").close()
        Cluster.wait_for(lambda: not alive(pid), "the task to end while its agent is down")
        self.d.start("agent")
        Cluster.wait_for(lambda: [a["id"] for a in self.d.connected_agents()] == [self.agent_id],
                         "the agent to register again with its id")
        self.await_state("t2", "TASK_FINISHED")
        self.assertEqual(self.more_updates(2), [], "an update came twice")
        self.assertEqual([u for u in self.updates if u[1] != "TASK_RUNNING" and u[1] != "TASK_STARTING"],
                         [("t2", "TASK_FINISHED")])

    def test_an_executor_that_does_not_come_back_in_time_is_killed_and_its_task_lost(self):
        pid, _ = self.launch_waiting_task("t4")
        with open("/proc/%d/stat" % pid) as f:
            executor = int(f.read().rsplit(")", 1)[1].split()[1])  # the task's parent
        self.pids.append(executor)
        self.d.kill("agent")
        os.kill(executor, signal.SIGSTOP)  # it cannot subscribe again
        started = time.time()
        self.d.start("agent")
        status = self.await_state("t4", "TASK_LOST")
        self.assertGreaterEqual(time.time() - started, 2)  # --executor_reregistration_timeout
        self.assertEqual(status["reason"], "REASON_EXECUTOR_REREGISTRATION_TIMEOUT")
        self.assertEqual(status["source"], "SOURCE_AGENT")
        Cluster.wait_for(lambda: not alive(executor) and not alive(pid), "the executor and its task to be killed")
        self.assertEqual(self.d.connected_agents()[0]["id"], self.agent_id)

    def test_cleanup_kills_what_the_old_agent_ran_and_starts_a_new_agent(self):
        pid, _ = self.launch_waiting_task("t3")
        self.restart_agent("--recover=cleanup")
        Cluster.wait_for(lambda: not alive(pid), "the old task to be killed")
        Cluster.wait_for(lambda: any(a["id"] != self.agent_id for a in self.d.connected_agents()),
                         "the agent to register as a new one")
        agent_dir = os.path.join(self.d.dir, "agent", "meta", "agents")
        self.assertFalse(os.path.exists(os.path.join(agent_dir, self.agent_id)))

    def test_changed_resources_are_refused_with_the_remedy(self):
        self.d.kill("agent")
        self.d.resources = "cpus:3;mem:1024;disk:512;ports:[31000-31010]"
        self.d.start("agent")
        self.assertNotEqual(self.d.agent.wait(timeout=20), 0)
        with open(os.path.join(self.d.dir, "agent.log")) as f:
            log = f.read()
        self.assertIn("Incompatible agent info detected", log)
        self.assertIn("resources were 'cpus:2", log)
        self.assertIn("now 'cpus:3", log)
        latest = os.path.join(self.d.dir, "agent", "meta", "agents", "latest")
        self.assertIn("rm -f " + latest, log)
        # Doing as told registers a new agent.
        os.remove(latest)
        self.d.start("agent")
        Cluster.wait_for(lambda: any(a["id"] != self.agent_id for a in self.d.connected_agents()),
                         "the agent to register as a new one")

    def test_an_agent_marked_gone_drops_its_checkpoint(self):
        status, data = self.d.request("POST", "/api/v1", {
            "type": "MARK_AGENT_GONE", "mark_agent_gone": {"agent_id": {"value": self.agent_id}}})
        self.assertEqual(status, 200, data)
        self.assertNotEqual(self.d.agent.wait(timeout=20), 0)
        latest = os.path.join(self.d.dir, "agent", "meta", "agents", "latest")
        self.assertFalse(os.path.lexists(latest))
        self.d.start("agent")
        Cluster.wait_for(lambda: any(a["id"] != self.agent_id for a in self.d.connected_agents()),
                         "the agent to register as a new one")


CGROUPS_ROOT = "tepui-e2e-%d" % os.getpid()


def contained_unsupported():
    """Why the Linux containerizer cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (cgroups)"
    for hierarchy in ("cpu", "cpuacct", "memory", "freezer"):
        if not os.path.isdir("/sys/fs/cgroup/%s" % hierarchy):
            return "needs the cgroups v1 '%s' hierarchy" % hierarchy
    return None


@unittest.skipIf(contained_unsupported(), contained_unsupported())
class ContainedAgentRecoveryTest(RecoveryHarness):
    """The same recovery with the Linux containerizer: a container's cgroups
    outlive the agent, the restarted agent takes them back, and they go when
    the task ends; --recover=cleanup destroys them."""
    agent_flags = ("--isolation=cgroups/cpu,cgroups/mem", "--cgroups_root=" + CGROUPS_ROOT)

    def tearDown(self):
        for hierarchy in ("cpu", "cpuacct", "memory", "freezer"):
            try:
                os.rmdir("/sys/fs/cgroup/%s/%s" % (hierarchy, CGROUPS_ROOT))
            except OSError:
                pass

    def containers(self):
        """container id -> the pids in its freezer cgroup."""
        root = "/sys/fs/cgroup/freezer/" + CGROUPS_ROOT
        found = {}
        for name in os.listdir(root) if os.path.isdir(root) else []:
            if not os.path.isdir(os.path.join(root, name)):
                continue
            with open(os.path.join(root, name, "cgroup.procs")) as f:
                found[name] = {int(p) for p in f.read().split()}
        return found

    def test_a_contained_task_survives_its_agent_being_killed_and_its_cgroups_go_with_it(self):
        pid, done = self.launch_waiting_task("c1")
        before = self.containers()
        self.assertEqual(len(before), 1)
        container, procs = next(iter(before.items()))
        self.assertIn(pid, procs)
        self.restart_agent()
        self.await_reattached()
        after = self.containers()
        self.assertEqual(list(after), [container])  # the same container, untouched
        self.assertIn(pid, after[container])
        open(done, "w").close()
        self.await_state("c1", "TASK_FINISHED")
        Cluster.wait_for(lambda: self.containers() == {}, "the container's cgroups to be removed")

    def test_cleanup_destroys_the_old_agents_containers(self):
        pid, _ = self.launch_waiting_task("c2")
        self.assertEqual(len(self.containers()), 1)
        self.restart_agent("--recover=cleanup")
        Cluster.wait_for(lambda: not alive(pid), "the old task to be killed")
        Cluster.wait_for(lambda: self.containers() == {}, "the old container's cgroups to be removed")


if __name__ == "__main__":
    TEPUI = tepui_binary(sys.argv)
    unittest.main(verbosity=2)
