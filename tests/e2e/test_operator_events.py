#!/usr/bin/env python3
"""End to end: the master's operator event stream (SUBSCRIBE on /api/v1).

A client subscribes to `tepui local` and keeps a copy of the cluster from
the stream alone, while a scheduler churns tasks (short ones, one killed
by the operator with KILL_TASK, one ended by a TEARDOWN) and an agent is
marked gone. The stream must open with SUBSCRIBED and a HEARTBEAT, every
TASK_UPDATED must follow its task's TASK_ADDED, a task's state must never
move back from a terminal one, and at the end the copy must equal what
GET_STATE says: the same tasks in the same states, the same frameworks and
the same agents. A second subscriber opened mid-churn must converge to the
same copy. DEACTIVATE_AGENT and REACTIVATE_AGENT are checked through
GET_AGENTS, and KILL_TASK's errors (unknown task, ended task) by status.
"""
import http.client
import json
import sys
import threading
import time
import unittest

from tepui_harness import Cluster, Scheduler, launch, read_recordio, scalar, task, tepui_binary

TEPUI = tepui_binary(sys.argv)
TERMINAL = {"TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_ERROR", "TASK_LOST", "TASK_DROPPED",
            "TASK_GONE", "TASK_GONE_BY_OPERATOR", "TASK_UNKNOWN"}


def operator(master, call, timeout=10):
    host, port = master.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    conn.request("POST", "/api/v1", body=json.dumps(call),
                 headers={"Content-Type": "application/json", "Accept": "application/json"})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, body


class Copy:
    """The cluster as a subscriber rebuilds it from the event stream."""

    def __init__(self, master):
        host, port = master.split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=60)
        self.conn.request("POST", "/api/v1", body=json.dumps({"type": "SUBSCRIBE"}),
                          headers={"Content-Type": "application/json", "Accept": "application/json"})
        resp = self.conn.getresponse()
        assert resp.status == 200, (resp.status, resp.read())
        assert resp.getheader("Content-Type") == "application/json", resp.getheader("Content-Type")
        self.records = read_recordio(resp)
        self.lock = threading.Lock()
        self.tasks = {}        # (framework id, task id) -> state
        self.frameworks = {}   # id -> active
        self.removed_frameworks = set()
        self.agents = set()
        self.types = []
        self.errors = []
        first = json.loads(next(self.records))
        assert first["type"] == "SUBSCRIBED", first
        assert first["subscribed"]["heartbeat_interval_seconds"] == 15, first
        self.load(first["subscribed"]["get_state"])
        second = json.loads(next(self.records))
        assert second["type"] == "HEARTBEAT", second
        self.thread = threading.Thread(target=self.pump, daemon=True)
        self.thread.start()

    def load(self, state):
        tasks = state.get("get_tasks", {})
        for kind in ("tasks", "completed_tasks", "unreachable_tasks"):
            for t in tasks.get(kind, []):
                self.tasks[(t["framework_id"]["value"], t["task_id"]["value"])] = t["state"]
        for f in state.get("get_frameworks", {}).get("frameworks", []):
            self.frameworks[f["framework_info"]["id"]["value"]] = f["active"]
        for a in state.get("get_agents", {}).get("agents", []):
            self.agents.add(a["agent_info"]["id"]["value"])

    def pump(self):
        try:
            for record in self.records:
                self.apply(json.loads(record))
        except Exception:  # closed under us at the end of the test
            pass

    def apply(self, event):
        with self.lock:
            kind = event["type"]
            self.types.append(kind)
            if kind == "TASK_ADDED":
                t = event["task_added"]["task"]
                self.tasks[(t["framework_id"]["value"], t["task_id"]["value"])] = t["state"]
            elif kind == "TASK_UPDATED":
                u = event["task_updated"]
                key = (u["framework_id"]["value"], u["status"]["task_id"]["value"])
                if key not in self.tasks:
                    self.errors.append("TASK_UPDATED before TASK_ADDED for %s" % (key,))
                elif self.tasks[key] in TERMINAL and u["state"] != self.tasks[key]:
                    self.errors.append("%s moved from %s to %s" % (key, self.tasks[key], u["state"]))
                self.tasks[key] = u["state"]
            elif kind in ("FRAMEWORK_ADDED", "FRAMEWORK_UPDATED"):
                f = event[kind.lower()]["framework"]
                fid = f["framework_info"]["id"]["value"]
                if kind == "FRAMEWORK_UPDATED" and fid not in self.frameworks:
                    self.errors.append("FRAMEWORK_UPDATED before FRAMEWORK_ADDED for " + fid)
                self.frameworks[fid] = f["active"]
            elif kind == "FRAMEWORK_REMOVED":
                fid = event["framework_removed"]["framework_info"]["id"]["value"]
                self.frameworks.pop(fid, None)
                self.removed_frameworks.add(fid)
            elif kind == "AGENT_ADDED":
                self.agents.add(event["agent_added"]["agent"]["agent_info"]["id"]["value"])
            elif kind == "AGENT_REMOVED":
                self.agents.discard(event["agent_removed"]["agent_id"]["value"])
            elif kind != "HEARTBEAT":
                self.errors.append("unexpected event type " + kind)

    def snapshot(self):
        with self.lock:
            return dict(self.tasks), dict(self.frameworks), set(self.agents), list(self.errors)

    def close(self):
        self.conn.close()


def truth(master):
    code, body = operator(master, {"type": "GET_STATE"})
    assert code == 200, (code, body)
    state = json.loads(body)["get_state"]
    tasks = {}
    for kind in ("tasks", "completed_tasks", "unreachable_tasks"):
        for t in state["get_tasks"].get(kind, []):
            tasks[(t["framework_id"]["value"], t["task_id"]["value"])] = t["state"]
    frameworks = {f["framework_info"]["id"]["value"]: f["active"]
                  for f in state["get_frameworks"].get("frameworks", [])}
    agents = {a["agent_info"]["id"]["value"] for a in state["get_agents"].get("agents", [])}
    return tasks, frameworks, agents


def decline(scheduler, offer_id):
    code, body = scheduler.call({"type": "DECLINE", "decline": {
        "offer_ids": [{"value": offer_id}], "filters": {"refuse_seconds": 0}}})
    assert code == 202, (code, body)


def drive(scheduler, wanted, until, on_update=None, timeout=90):
    """Launches the `wanted` tasks ({id, cmd, agent?}) as offers come,
    acknowledges every update, and returns the tasks' states once
    until(states) holds."""
    states = {}
    deadline = time.time() + timeout
    while not until(states):
        assert time.time() < deadline, "gave up waiting; states: %s" % states
        event = scheduler.next_event(timeout=max(0.1, deadline - time.time()))
        if event["type"] == "OFFERS":
            for offer in event["offers"]["offers"]:
                agent = offer["agent_id"]["value"]
                batch = []
                for w in list(wanted):
                    if w.get("agent", agent) == agent and scalar(offer, "cpus") >= 0.1 * (len(batch) + 1) - 1e-9:
                        batch.append(task(w["id"], agent, w["cmd"]))
                        wanted.remove(w)
                if batch:
                    launch(scheduler, [offer["id"]["value"]], batch, refuse=0)
                else:
                    decline(scheduler, offer["id"]["value"])
        elif event["type"] == "UPDATE":
            status = event["update"]["status"]
            scheduler.acknowledge(status)
            states[status["task_id"]["value"]] = status["state"]
            if on_update:
                on_update(status)
    return states


class OperatorEventsTest(unittest.TestCase):
    def test_a_subscriber_keeps_an_exact_copy_while_tasks_churn(self):
        with Cluster(TEPUI, agents=2) as cluster:
            early = Copy(cluster.master)
            scheduler = Scheduler(cluster.master, name="churn", failover_timeout=120)
            scheduler.subscribe()
            long_id = "long-0"
            wanted = [{"id": long_id, "cmd": "sleep 600"}]
            wanted += [{"id": "short-%d" % i, "cmd": "echo hi; sleep 0.2"} for i in range(24)]
            late = []

            def on_update(status):
                # A second subscriber joins mid-churn.
                if not late and len(wanted) < 16:
                    late.append(Copy(cluster.master))
                if status["task_id"]["value"] == long_id and status["state"] == "TASK_RUNNING":
                    code, body = operator(cluster.master, {"type": "KILL_TASK", "kill_task": {
                        "task_id": {"value": long_id}}})
                    self.assertEqual(code, 200, body)

            states = drive(scheduler, wanted,
                           lambda st: len(st) == 25 and all(v in TERMINAL for v in st.values()), on_update)
            self.assertEqual(states[long_id], "TASK_KILLED")
            self.assertEqual(len(late), 1)
            late = late[0]

            # KILL_TASK's errors: an ended task, an unknown one.
            code, body = operator(cluster.master, {"type": "KILL_TASK", "kill_task": {"task_id": {"value": long_id}}})
            self.assertEqual(code, 409, body)
            self.assertIn(b"already ended", body)
            code, body = operator(cluster.master, {"type": "KILL_TASK", "kill_task": {"task_id": {"value": "nope"}}})
            self.assertEqual(code, 404, body)

            # DEACTIVATE_AGENT / REACTIVATE_AGENT, seen through GET_AGENTS.
            agent_ids = sorted(truth(cluster.master)[2])
            code, body = operator(cluster.master, {"type": "DEACTIVATE_AGENT",
                                                   "deactivate_agent": {"agent_id": {"value": agent_ids[0]}}})
            self.assertEqual(code, 200, body)
            agents = json.loads(operator(cluster.master, {"type": "GET_AGENTS"})[1])["get_agents"]["agents"]
            by_id = {a["agent_info"]["id"]["value"]: a for a in agents}
            self.assertTrue(by_id[agent_ids[0]]["deactivated"])
            self.assertFalse(by_id[agent_ids[0]]["active"])
            self.assertTrue(by_id[agent_ids[1]]["active"])
            code, body = operator(cluster.master, {"type": "REACTIVATE_AGENT",
                                                   "reactivate_agent": {"agent_id": {"value": agent_ids[0]}}})
            self.assertEqual(code, 200, body)
            agents = json.loads(operator(cluster.master, {"type": "GET_AGENTS"})[1])["get_agents"]["agents"]
            self.assertTrue(all(a["active"] and not a["deactivated"] for a in agents))
            code, body = operator(cluster.master, {"type": "DEACTIVATE_AGENT",
                                                   "deactivate_agent": {"agent_id": {"value": "no-such-agent"}}})
            self.assertEqual(code, 404, body)

            # A task on the second agent, then that agent marked gone: the
            # task ends TASK_LOST (the framework is not PARTITION_AWARE) and
            # the agent is removed.
            gone_task = "on-gone-agent"
            drive(scheduler, [{"id": gone_task, "cmd": "sleep 600", "agent": agent_ids[1]}],
                  lambda st: st.get(gone_task) == "TASK_RUNNING")
            code, body = operator(cluster.master, {"type": "MARK_AGENT_GONE",
                                                   "mark_agent_gone": {"agent_id": {"value": agent_ids[1]}}})
            self.assertEqual(code, 200, body)

            # The scheduler disconnects (FRAMEWORK_UPDATED: inactive) and
            # subscribes again (FRAMEWORK_UPDATED: active).
            scheduler.disconnect()
            cluster.wait_for(lambda: early.snapshot()[1].get(scheduler.framework_id) is False,
                             "the stream to show the framework inactive")
            scheduler.subscribe()

            for copy in (early, late):
                def converged():
                    tasks, frameworks, agents, errors = copy.snapshot()
                    self.assertEqual(errors, [])
                    return (tasks, frameworks, agents) == truth(cluster.master)
                cluster.wait_for(converged, "the stream's copy to match GET_STATE", timeout=30)
            tasks, frameworks, agents, _ = early.snapshot()
            self.assertEqual(len(tasks), 26)
            self.assertEqual(tasks[(scheduler.framework_id, gone_task)], "TASK_LOST")
            self.assertEqual(agents, {agent_ids[0]})
            self.assertEqual(frameworks, {scheduler.framework_id: True})

            # A TEARDOWN ends the framework with a task still running: its
            # task is killed, then the framework removed.
            drive(scheduler, [{"id": "torn", "cmd": "sleep 600"}], lambda st: st.get("torn") == "TASK_RUNNING")
            code, body = operator(cluster.master, {"type": "TEARDOWN",
                                                   "teardown": {"framework_id": {"value": scheduler.framework_id}}})
            self.assertEqual(code, 200, body)
            for copy in (early, late):
                def removed():
                    tasks, frameworks, _, errors = copy.snapshot()
                    self.assertEqual(errors, [])
                    return frameworks == {} and tasks.get((scheduler.framework_id, "torn")) == "TASK_KILLED"
                cluster.wait_for(removed, "the stream to show the teardown", timeout=30)
            # The master keeps the removed framework's tasks, ended.
            self.assertEqual(truth(cluster.master)[0][(scheduler.framework_id, "torn")], "TASK_KILLED")
            self.assertIn(scheduler.framework_id, early.removed_frameworks)
            for kind in ("TASK_ADDED", "TASK_UPDATED", "FRAMEWORK_ADDED", "FRAMEWORK_UPDATED", "FRAMEWORK_REMOVED",
                         "AGENT_REMOVED"):
                self.assertIn(kind, early.types)
            scheduler.close()
            early.close()
            late.close()


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]])
