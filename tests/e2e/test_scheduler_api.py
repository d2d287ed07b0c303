"""End-to-end: a scheduler written here against the v1 HTTP API drives a
real `tepui local` (master, two agents, real executors and processes)."""

import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from tepui_harness import Cluster, Scheduler, launch, scalar, task, tepui_binary  # noqa: E402

TEPUI = None


class SchedulerApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = cls.enterClassContext(Cluster(TEPUI))

    def subscribe(self, **kw):
        s = Scheduler(self.cluster.master, **kw)
        event = s.subscribe()
        self.assertEqual(event["subscribed"]["heartbeat_interval_seconds"], 15)
        self.assertEqual(s.next_event()["type"], "HEARTBEAT")  # immediately after SUBSCRIBED
        self.addCleanup(s.close)
        return s

    def offers(self, s, count=1):
        """Collects offers until `count` distinct agents have offered."""
        offers = {}
        while len(offers) < count:
            for o in s.next_event("OFFERS")["offers"]["offers"]:
                offers[o["agent_id"]["value"]] = o
        return list(offers.values())

    def test_hundred_tasks_finish_across_two_agents(self):
        s = self.subscribe(name="hundred")
        pending = [f"t{i}" for i in range(100)]
        finished, agents_used, states = set(), set(), {}
        deadline = time.time() + 120
        while len(finished) < 100:
            self.assertLess(time.time(), deadline, f"only {len(finished)} tasks finished")
            event = s.next_event("OFFERS", "UPDATE")
            if event["type"] == "OFFERS":
                for offer in event["offers"]["offers"]:
                    agent = offer["agent_id"]["value"]
                    room = int(min(scalar(offer, "cpus") / 0.1, scalar(offer, "mem") / 16))
                    # Spread: at most half of what is left goes to one offer.
                    n = min(room, max(1, (len(pending) + 1) // 2))
                    batch, pending[:] = pending[:n], pending[n:]
                    launch(s, [offer["id"]["value"]], [task(t, agent, "true") for t in batch], refuse=0)
                    if batch:
                        agents_used.add(agent)
            else:
                status = event["update"]["status"]
                tid = status["task_id"]["value"]
                states.setdefault(tid, []).append(status["state"])
                s.acknowledge(status)
                if status["state"] == "TASK_FINISHED":
                    finished.add(tid)
                self.assertNotIn(status["state"], ("TASK_FAILED", "TASK_ERROR", "TASK_LOST"), status)
        self.assertEqual(len(agents_used), 2, "tasks should run on both agents")
        for tid, seen in states.items():
            self.assertEqual(seen, ["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"], tid)
        s.call({"type": "TEARDOWN"})

    def test_kill_failure_reconcile_and_teardown(self):
        s = self.subscribe(name="lifecycle", capabilities=["TASK_KILLING_STATE"])
        offer = self.offers(s)[0]
        agent = offer["agent_id"]["value"]
        launch(s, [offer["id"]["value"]], [task("long", agent, "sleep 100"), task("bad", agent, "exit 3")])
        seen = {}
        while seen.get("long") != "TASK_RUNNING" or seen.get("bad") != "TASK_FAILED":
            status = s.next_event("UPDATE")["update"]["status"]
            seen[status["task_id"]["value"]] = status["state"]
            s.acknowledge(status)
            if status["task_id"]["value"] == "bad" and status["state"] == "TASK_FAILED":
                self.assertIn("exited with status 3", status["message"])
                self.assertEqual(status["source"], "SOURCE_EXECUTOR")

        code, _ = s.call({"type": "KILL", "kill": {"task_id": {"value": "long"}, "agent_id": {"value": agent}}})
        self.assertEqual(code, 202)
        states = []
        while not states or states[-1] != "TASK_KILLED":
            status = s.next_event("UPDATE")["update"]["status"]
            if status["task_id"]["value"] == "long":
                states.append(status["state"])
            s.acknowledge(status)
        self.assertEqual(states, ["TASK_KILLING", "TASK_KILLED"])

        # Explicit reconciliation of a task the master never heard of.
        code, _ = s.call({"type": "RECONCILE", "reconcile": {"tasks": [{"task_id": {"value": "ghost"}}]}})
        self.assertEqual(code, 202)
        status = s.next_event("UPDATE")["update"]["status"]
        self.assertEqual(status["task_id"]["value"], "ghost")
        self.assertEqual(status["state"], "TASK_LOST")  # not PARTITION_AWARE
        self.assertEqual(status["reason"], "REASON_RECONCILIATION")
        self.assertNotIn("uuid", status)

        # Implicit reconciliation of a running task.
        offer = self.offers(s)[0]
        launch(s, [offer["id"]["value"]], [task("runner", offer["agent_id"]["value"], "sleep 100")])
        while True:
            status = s.next_event("UPDATE")["update"]["status"]
            s.acknowledge(status)
            if status["task_id"]["value"] == "runner" and status["state"] == "TASK_RUNNING":
                break
        self.assertEqual(s.call({"type": "RECONCILE", "reconcile": {}})[0], 202)
        status = s.next_event("UPDATE")["update"]["status"]
        self.assertEqual((status["task_id"]["value"], status["state"], status["source"]),
                         ("runner", "TASK_RUNNING", "SOURCE_MASTER"))

        self.assertEqual(s.call({"type": "TEARDOWN"})[0], 202)
        self.cluster.wait_for(lambda: any(f["id"] == s.framework_id
                                          for f in self.cluster.state()["completed_frameworks"]),
                              "the framework to be removed")
        # Its running task is killed on the agent.
        self.cluster.wait_for(lambda: all(not f["executors"] for f in self.cluster.get_json("/master/state")
                                          ["frameworks"] if f["id"] == s.framework_id), "executors to end")

    def test_bad_input_is_refused_and_master_keeps_serving(self):
        s = self.subscribe(name="bad-input")
        c = self.cluster
        post = lambda body, ctype="application/json", extra=None: c.request(
            "POST", "/api/v1/scheduler", body, {"Content-Type": ctype, **(extra or {})})[::2]
        sid = {"Mesos-Stream-Id": s.stream_id}
        fid = {"value": s.framework_id}

        self.assertEqual(post(b"{not json")[0], 400)
        self.assertEqual(post(b"\x0a\x05ab", "application/x-protobuf")[0], 400)  # truncated protobuf
        self.assertEqual(post(b"{}", "text/plain")[0], 415)
        self.assertEqual(c.request("GET", "/api/v1/scheduler")[0], 405)
        code, body = post(json.dumps({"type": "NOT_A_CALL", "framework_id": fid}), extra=sid)
        self.assertEqual(code, 400)
        self.assertIn(b"type", body)
        self.assertEqual(post(json.dumps({"type": "UNKNOWN", "framework_id": fid}), extra=sid)[0], 501)
        self.assertEqual(post(json.dumps({"type": "REVIVE", "framework_id": fid}))[0], 400)  # no stream id
        self.assertEqual(post(json.dumps({"type": "REVIVE", "framework_id": fid}),
                              extra={"Mesos-Stream-Id": "wrong"})[0], 400)
        self.assertEqual(post(json.dumps({"type": "REVIVE", "framework_id": {"value": "nobody"}}), extra=sid)[0], 400)
        code, body = post(json.dumps({"type": "SUBSCRIBE", "subscribe": {"framework_info": {"name": "x"}}}))
        self.assertEqual(code, 400)
        self.assertIn(b"user", body)

        offers = self.offers(s, 2)
        o1, o2 = offers[0], offers[1]
        a1 = o1["agent_id"]["value"]
        huge = task("huge", a1, "true", cpus=1000)
        dup1, dup2 = task("dup", a1, "true"), task("dup", a1, "true")
        negative = task("negative", a1, "true", cpus=-1)
        nan = task("nan", a1, "true")
        nan["resources"][0]["scalar"]["value"] = "NaN"
        launch(s, [o1["id"]["value"]], [huge, dup1, dup2, negative, nan])
        results = {}
        while len(results) < 5 or results.get("dup") == "TASK_ERROR" and "dup-ok" not in results:
            status = s.next_event("UPDATE")["update"]["status"]
            s.acknowledge(status)
            tid = status["task_id"]["value"]
            if tid == "dup" and status["state"] != "TASK_ERROR":
                tid = "dup-ok"
            results.setdefault(tid, status["state"])
            if status["state"] == "TASK_ERROR":
                self.assertEqual(status["reason"], "REASON_TASK_INVALID")
                self.assertTrue(status["message"])
        self.assertEqual(results["huge"], "TASK_ERROR")
        self.assertEqual(results["negative"], "TASK_ERROR")
        self.assertEqual(results["nan"], "TASK_ERROR")
        self.assertEqual(results["dup"], "TASK_ERROR")
        self.assertIn(results["dup-ok"], ("TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"))

        # An offer used twice in one call: the launch is dropped as invalid.
        launch(s, [o2["id"]["value"], o2["id"]["value"]], [task("twice", o2["agent_id"]["value"], "true")])
        while True:
            status = s.next_event("UPDATE")["update"]["status"]
            s.acknowledge(status)
            if status["task_id"]["value"] == "twice":
                break
        self.assertEqual(status["state"], "TASK_LOST")
        self.assertEqual(status["reason"], "REASON_INVALID_OFFERS")

        self.assertEqual(c.request("GET", "/health")[0], 200)
        self.assertEqual(s.call({"type": "TEARDOWN"})[0], 202)

    def test_read_only_endpoints_have_mesos_shapes(self):
        state = self.cluster.state()
        for key in ("version", "id", "pid", "hostname", "leader_info", "flags", "slaves", "frameworks",
                    "completed_frameworks", "activated_slaves", "start_time"):
            self.assertIn(key, state)
        slave = state["slaves"][0]
        for key in ("id", "hostname", "port", "pid", "resources", "used_resources", "attributes", "active"):
            self.assertIn(key, slave)
        self.assertEqual(slave["resources"]["cpus"], 8)
        self.assertEqual(slave["resources"]["ports"], "[31000-32000]")
        metrics = self.cluster.get_json("/metrics/snapshot")
        for key in ("master/elected", "master/uptime_secs", "master/tasks_running", "master/cpus_total",
                    "master/cpus_used", "master/slaves_active", "master/frameworks_active"):
            self.assertIn(key, metrics)
        self.assertEqual(metrics["master/cpus_total"], 16)
        self.assertIn("version", self.cluster.get_json("/version"))
        self.assertIn("flags", self.cluster.get_json("/flags"))
        summary = self.cluster.get_json("/master/state-summary")
        self.assertEqual(len(summary["slaves"]), 2)
        code, headers, body = self.cluster.request("GET", "/health")
        self.assertEqual((code, body), (200, b""))


if __name__ == "__main__":
    TEPUI = tepui_binary(sys.argv)
    unittest.main(verbosity=2)
