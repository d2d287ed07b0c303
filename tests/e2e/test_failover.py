"""End-to-end tests of high availability with the built binary: three
`tepui master --zk` processes and a real ZooKeeper. One leads, the others
redirect to it; an agent and a framework follow it; when the leader is
killed with SIGKILL another takes over, the agent registers again with its
running tasks, the framework resubscribes with its id, and nothing is lost:
not a task, not a status update (each delivered until acknowledged, none
after), even while the framework is launching tasks through the failover."""

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
from tepui_harness import (Cluster, Scheduler, ZooKeeperServer, free_port, get, launch, log_tails, scalar,  # noqa: E402
                           task, tepui_binary)

TEPUI = None


class FailoverTest(unittest.TestCase):
    def setUp(self):
        self.zk = self.enterContext(ZooKeeperServer())
        self.dir = tempfile.mkdtemp(prefix="tepui-e2e-failover-")
        self.procs = {}
        self.addCleanup(self.stop_all)
        self.url = self.zk.url("/tepui")
        self.masters = ["127.0.0.1:%d" % free_port() for _ in range(3)]

    def start(self, name, args):
        log = open(os.path.join(self.dir, name + ".log"), "a")
        self.procs[name] = subprocess.Popen([TEPUI, *args], stdout=log, stderr=log)
        log.close()

    def start_masters(self, session_timeout="2secs"):
        for address in self.masters:
            self.start(address, ["master", "--zk=" + self.url, "--quorum=2", "--zk_session_timeout=" + session_timeout,
                                 "--ip=127.0.0.1", "--port=" + address.split(":")[1], "--hostname=127.0.0.1"])

    def stop_all(self):
        for name, proc in self.procs.items():
            if proc.poll() is None:
                # An agent shuts down with what it runs on SIGUSR1 (SIGTERM
                # leaves checkpointed executors for a restarted agent).
                proc.send_signal(signal.SIGUSR1 if name == "agent" else signal.SIGTERM)
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

    def start_agent(self, resources="cpus:2;mem:1024"):
        self.start("agent", ["agent", "--master=" + self.url, "--ip=127.0.0.1", "--port=0",
                             "--hostname=127.0.0.1", "--work_dir=" + os.path.join(self.dir, "agent"),
                             "--resources=" + resources, "--status_update_retry_interval=1secs"])

    def active_agents(self, master):
        try:
            status, _, body = get(master, "/master/state")
        except OSError:
            return []
        return [a["id"] for a in json.loads(body)["slaves"] if a["active"]] if status == 200 else []

    def running_task(self, leader, name):
        """Starts the agent, and a framework that runs task `name` on it:
        the framework and the offer the task was launched from."""
        self.start_agent()
        Cluster.wait_for(lambda: len(self.active_agents(leader)) == 1, "the agent to register with the leader")
        s = Scheduler(leader, name=name, failover_timeout=3600)
        self.addCleanup(s.close)
        s.subscribe()
        offer = s.next_event("OFFERS")["offers"]["offers"][0]
        launch(s, [offer["id"]["value"]], [task(name, offer["agent_id"]["value"], "sleep 1000")])
        s.acknowledge_until("TASK_RUNNING")
        return s, offer

    def test_the_leader_dies_and_nothing_is_lost(self):
        self.start_masters()
        leader = self.leader(self.masters)
        followers = [m for m in self.masters if m != leader]
        # Followers redirect API and state calls to the leader (once their
        # own watch of the election has seen it: 503 until then).
        Cluster.wait_for(lambda: get(followers[0], "/master/state")[0] == 307, "a follower to know the leader")
        Cluster.wait_for(lambda: get(followers[1], "/master/redirect")[0] == 307, "a follower to know the leader")
        for path in ["/master/state", "/master/frameworks?framework_id=x", "/slaves",
                     "/master/tasks?limit=5&order=asc"]:
            status, headers, _ = get(followers[0], path)
            self.assertEqual((status, headers["Location"]), (307, "http://%s%s" % (leader, path)))
        status, headers, _ = get(followers[1], "/master/redirect")
        self.assertEqual((status, headers["Location"]), (307, "//" + leader))

        s, offer = self.running_task(leader, "survivor")
        agent_id = offer["agent_id"]["value"]

        # SIGKILL the leader: another master takes over.
        killed = time.time()
        self.procs[leader].send_signal(signal.SIGKILL)
        self.procs[leader].wait(timeout=10)
        new_leader = self.leader(followers)
        elected_after = time.time() - killed

        Cluster.wait_for(lambda: self.active_agents(new_leader) == [agent_id],
                         "the agent to register with the new leader")

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

    def test_launches_through_a_failover_lose_no_task_and_no_update(self):
        """The framework launches short tasks while the leader is killed.
        Tasks finish while no master leads; their updates wait on the agent
        and reach the framework through the new leader. Every task the
        framework launched ends TASK_FINISHED, each update with a uuid
        arrives until it is acknowledged and never after, and a launch that
        was in flight when the leader died is answered by reconciliation
        (the framework relaunches it), never silently dropped."""
        self.start_masters()
        leader = self.leader(self.masters)
        self.start_agent("cpus:4;mem:2048")
        Cluster.wait_for(lambda: len(self.active_agents(leader)) == 1, "the agent to register with the leader")
        s = Scheduler(leader, name="launcher", failover_timeout=3600, capabilities=["PARTITION_AWARE"])
        self.addCleanup(s.close)
        s.subscribe()

        wanted, serial = 12, 0
        launched = {}        # task id ("<name>.<serial>") -> name: tasks we wait on
        finished = set()     # names of tasks that ended TASK_FINISHED
        acked = set()        # uuids we acknowledged
        relaunched = []      # names to launch again: the launch died with the old leader
        killed = None

        def fail_over():
            """The stream closed: find the new leader, resubscribe, and once
            the agent is back, ask about every task still outstanding."""
            nonlocal leader
            leader = self.leader([m for m in self.masters if self.procs[m].poll() is None])
            Cluster.wait_for(lambda: len(self.active_agents(leader)) == 1, "the agent to register with the new leader")
            s.master = leader
            s.subscribe()
            code, body = s.call({"type": "RECONCILE", "reconcile": {"tasks": [
                {"task_id": {"value": t}} for t in launched]}})
            self.assertEqual(code, 202, body)

        deadline = time.time() + 90
        while len(finished) < wanted:
            self.assertLess(time.time(), deadline, "tasks still outstanding: %s" % sorted(launched))
            try:
                event = s.events.get(timeout=30)
            except Exception:
                self.fail("no event for 30s; outstanding: %s" % sorted(launched))
            if event is None:
                fail_over()
                continue
            if event["type"] == "OFFERS":
                for offer in event["offers"]["offers"]:
                    free = wanted - len(finished) - len(launched)
                    # As many as the offer holds (an offer may be only what
                    # one finished task gave back), at most 3.
                    fits = int(min(scalar(offer, "cpus") / 0.1, scalar(offer, "mem") / 16) + 1e-9)
                    tasks = []
                    for _ in range(min(free, 3, fits)):
                        serial += 1
                        name = relaunched.pop() if relaunched else "job-%d" % serial
                        tasks.append(task("%s.%d" % (name, serial), offer["agent_id"]["value"], "sleep 2"))
                    try:
                        code, body = s.call({"type": "ACCEPT", "accept": {
                            "offer_ids": [offer["id"]],
                            "operations": [{"type": "LAUNCH", "launch": {"task_infos": tasks}}] if tasks else [],
                            "filters": {"refuse_seconds": 0.2}}})
                    except OSError:
                        code, body = None, b"connection failed"
                    if code == 202:
                        for t in tasks:
                            launched[t["task_id"]["value"]] = t["task_id"]["value"].split(".")[0]
                    else:  # the leader is gone: these were never launched
                        relaunched.extend(t["task_id"]["value"].split(".")[0] for t in tasks)
                if killed is None and len(launched) >= 3:
                    killed = time.time()  # a launch is in flight; tasks are running
                    self.procs[leader].send_signal(signal.SIGKILL)
                    self.procs[leader].wait(timeout=10)
            elif event["type"] == "UPDATE":
                status = event["update"]["status"]
                task_id, state = status["task_id"]["value"], status["state"]
                if "uuid" in status:
                    self.assertNotIn(status["uuid"], acked, "an acknowledged update came again: %s" % status)
                    try:
                        s.acknowledge(status)
                        acked.add(status["uuid"])
                    except (OSError, AssertionError):
                        pass  # the leader is gone: it comes again through the next one
                if task_id not in launched:
                    continue
                if state == "TASK_FINISHED":
                    finished.add(launched.pop(task_id))
                elif state in ("TASK_UNKNOWN", "TASK_DROPPED") and "uuid" not in status:
                    # Reconciliation: the launch died with the old leader.
                    relaunched.append(launched.pop(task_id))
                elif state not in ("TASK_STARTING", "TASK_RUNNING"):
                    self.fail("task %s ended %s: %s" % (task_id, state, status))

        self.assertIsNotNone(killed)
        self.assertEqual(len(finished), wanted)
        print("\n  %d tasks finished through the failover, %d relaunched after reconciliation, "
              "%d updates acknowledged" % (wanted, serial - wanted, len(acked)), file=sys.stderr)

    def test_a_zookeeper_restart_within_the_session_timeout_changes_nothing(self):
        """ZooKeeper is killed and started again on its data: the sessions
        survive, so the leader still leads, no master gives up, the agent
        and the task are untouched, and the registry takes writes again."""
        self.start_masters("30secs")
        leader = self.leader(self.masters)
        self.running_task(leader, "steady")

        self.zk.kill()
        time.sleep(1)
        self.zk.start()
        time.sleep(2)  # past the client's reconnection

        self.assertTrue(all(self.procs[m].poll() is None for m in self.masters), "a master gave up")
        self.assertEqual(self.leader(self.masters), leader)
        self.assertEqual(len(self.active_agents(leader)), 1)
        # The write is held until the leader's session is connected again.
        host, port = leader.split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            conn.request("POST", "/api/v1", body=json.dumps({"type": "UPDATE_WEIGHTS", "update_weights": {
                "weight_infos": [{"role": "after-restart", "weight": 2.0}]}}),
                headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            self.assertEqual(response.status, 200, response.read())
        except OSError as e:
            self.fail("the registry write after the restart: %s\n%s" % (e, log_tails(
                [os.path.join(self.dir, name + ".log") for name in self.procs])))
        finally:
            conn.close()
        state = json.loads(get(leader, "/master/state")[2])
        tasks = [(t["id"], t["state"]) for f in state["frameworks"] for t in f["tasks"]]
        self.assertEqual(tasks, [("steady", "TASK_RUNNING")])

    def test_tepui_run_follows_the_leader_through_a_failover(self):
        """`tepui run --master=zk://...` loses its leader mid-task, finds
        the new one, resubscribes, and still exits with the task's status
        and output."""
        self.start_masters()
        leader = self.leader(self.masters)
        self.start_agent()
        Cluster.wait_for(lambda: len(self.active_agents(leader)) == 1, "the agent to register with the leader")
        run = subprocess.Popen([TEPUI, "run", "--master", self.url, "--name", "follower", "--",
                                "sleep 3; echo survived"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(run.kill)

        def task_running():
            state = json.loads(get(leader, "/master/state")[2])
            return any(t["state"] == "TASK_RUNNING" for f in state["frameworks"] for t in f["tasks"])
        Cluster.wait_for(task_running, "the task to run")
        self.procs[leader].send_signal(signal.SIGKILL)
        out, err = run.communicate(timeout=60)
        self.assertEqual((run.returncode, out), (0, "survived\n"), err)
        self.assertIn("looking for the leader", err)
        self.assertIn("Resubscribed with the leading master", err)
        self.assertIn("TASK_FINISHED", err)

    def test_tepui_logs_follow_rides_a_failover(self):
        """`tepui logs --follow --master=zk://...` loses the leader while the
        task writes, finds the new one, waits for it to hear of the task
        again, and carries on from where it was: every line once, in
        order, and it ends when the task does."""
        self.start_masters()
        leader = self.leader(self.masters)
        self.start_agent()
        Cluster.wait_for(lambda: len(self.active_agents(leader)) == 1, "the agent to register with the leader")
        run = subprocess.Popen([TEPUI, "run", "--master", self.url, "--name", "printer", "--",
                                "for i in $(seq 1 40); do echo line $i; sleep 0.15; done"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.addCleanup(run.kill)

        def running_task_id():
            state = json.loads(get(leader, "/master/state")[2])
            ids = [t["id"] for f in state["frameworks"] for t in f["tasks"] if t["state"] == "TASK_RUNNING"]
            return ids[0] if ids else None
        Cluster.wait_for(running_task_id, "the task to run")
        logs = subprocess.Popen([TEPUI, "logs", running_task_id(), "--follow", "--master", self.url],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(logs.kill)
        time.sleep(1)
        self.procs[leader].send_signal(signal.SIGKILL)
        out, err = logs.communicate(timeout=90)
        self.assertEqual(logs.returncode, 0, err)
        self.assertEqual(out.splitlines(), ["line %d" % i for i in range(1, 41)], err)
        self.assertIn("looking for the leader", err)
        run.communicate(timeout=60)
        self.assertEqual(run.returncode, 0)


class LocalHighAvailabilityTest(unittest.TestCase):
    """`tepui local --masters 3` starts ZooKeeper and three masters that
    elect a leader; the agents and the command line follow it, whichever
    master or ZooKeeper URL they are given."""

    def test_three_local_masters_and_the_command_line_follows_the_leader(self):
        with Cluster(TEPUI, agents=1, extra=["--masters", "3"]) as cluster:
            self.assertEqual(len(cluster.masters), 3)
            followers = [m for m in cluster.masters if m != cluster.master]
            self.assertEqual(len(followers), 2)
            state = cluster.state()
            self.assertEqual(len([a for a in state["slaves"] if a["active"]]), 1)
            zk = state["flags"]["zk"]
            self.assertTrue(zk.startswith("zk://127.0.0.1:"), zk)
            for master in (followers[0], zk):
                r = subprocess.run([TEPUI, "run", "--master", master, "--", "echo ran"],
                                   capture_output=True, text=True, timeout=60)
                self.assertEqual((r.returncode, r.stdout), (0, "ran\n"), (master, r.stderr))


if __name__ == "__main__":
    TEPUI = tepui_binary(sys.argv)
    unittest.main(verbosity=2)
