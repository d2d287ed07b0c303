"""End-to-end: a custom executor written here against the v1 executor HTTP
API (custom_executor.py, standard library only) runs under a real
`tepui local`: its environment, tasks sharing it, messages both ways, kill,
bad calls it makes, a dropped and resumed event stream, its crash, and a
task group given to it."""

import base64
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from tepui_harness import Cluster, Scheduler, scalar, task, tepui_binary  # noqa: E402

TEPUI = None
EXECUTOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "custom_executor.py")


def data(word):
    return base64.b64encode(word.encode()).decode()


def executor_task(task_id, executor, word):
    t = task(task_id, "", "", executor=executor, data=data(word))
    del t["command"]
    return t


def executor_info(executor_id):
    return {"executor_id": {"value": executor_id}, "type": "CUSTOM", "name": "e2e custom executor",
            "command": {"value": "/usr/bin/python3 " + EXECUTOR},
            "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}},
                          {"name": "mem", "type": "SCALAR", "scalar": {"value": 32}}]}


class ExecutorApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = cls.enterClassContext(Cluster(TEPUI, agents=1))

    def subscribe(self, checkpoint=False, **kw):
        s = Scheduler(self.cluster.master, **kw)
        s.info["checkpoint"] = checkpoint
        s.subscribe()
        s.held = []  # offers that arrived while a test waited for something else
        self.addCleanup(s.close)
        # Held offers would keep the agent from the next test's framework.
        self.addCleanup(lambda: s.call({"type": "TEARDOWN"}))
        return s

    def accept(self, s, operations):
        offer = None
        while offer is None:  # small leftovers of finished tasks are declined
            offers, s.held = s.held or s.next_event("OFFERS")["offers"]["offers"], []
            for o in offers:
                if offer is None and scalar(o, "cpus") >= 1:
                    offer = o
                else:
                    s.call({"type": "DECLINE", "decline": {"offer_ids": [o["id"]], "filters": {"refuse_seconds": 0}}})
        for op in operations:
            for t in op.get("launch", {}).get("task_infos", []) + \
                    op.get("launch_group", {}).get("task_group", {}).get("tasks", []):
                t["agent_id"] = offer["agent_id"]
        code, body = s.call({"type": "ACCEPT", "accept": {"offer_ids": [offer["id"]], "operations": operations,
                                                          "filters": {"refuse_seconds": 0}}})
        self.assertEqual(code, 202, body)
        return offer

    def launch(self, s, tasks):
        return self.accept(s, [{"type": "LAUNCH", "launch": {"task_infos": tasks}}])

    def until(self, s, predicate, what, timeout=30):
        """Events (acknowledging updates) until predicate(event) is true."""
        deadline = time.time() + timeout
        seen = []
        while True:
            self.assertLess(time.time(), deadline, "no %s; saw %s" % (what, [e["type"] for e in seen]))
            event = s.next_event(timeout=max(0.1, deadline - time.time()))
            seen.append(event)
            if event["type"] == "UPDATE":
                s.acknowledge(event["update"]["status"])
            elif event["type"] == "OFFERS":
                s.held += event["offers"]["offers"]
            if predicate(event):
                return event

    def update_of(self, task_id, state):
        return lambda e: e["type"] == "UPDATE" and e["update"]["status"]["task_id"]["value"] == task_id \
            and e["update"]["status"]["state"] == state

    @staticmethod
    def executor_message(e):
        return e["type"] == "MESSAGE" and json.loads(base64.b64decode(e["message"]["data"]) or b"null") is not None

    def test_environment_shared_executor_messages_and_kill(self):
        s = self.subscribe(name="custom")
        ex = executor_info("custom-1")
        offer = self.launch(s, [executor_task("finish", ex, "finish"),
                                executor_task("hold", ex, "hold")])
        # The environment the executor got, and the agent's answers to bad calls.
        hello = self.until(s, lambda e: e["type"] == "MESSAGE", "the executor's first message")
        self.assertEqual(hello["message"]["executor_id"]["value"], "custom-1")
        self.assertEqual(hello["message"]["agent_id"], offer["agent_id"])
        report = json.loads(base64.b64decode(hello["message"]["data"]))
        env = report["env"]
        for name in ("MESOS_FRAMEWORK_ID", "MESOS_EXECUTOR_ID", "MESOS_DIRECTORY", "MESOS_SANDBOX",
                     "MESOS_AGENT_ENDPOINT", "MESOS_SLAVE_ID", "MESOS_SLAVE_PID", "MESOS_CHECKPOINT",
                     "MESOS_HTTP_COMMAND_EXECUTOR", "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD", "MESOS_CONTAINER_ID"):
            self.assertIn(name, env)
        self.assertEqual(env["MESOS_FRAMEWORK_ID"], s.framework_id)
        self.assertEqual(env["MESOS_EXECUTOR_ID"], "custom-1")
        self.assertEqual(env["MESOS_SANDBOX"], env["MESOS_DIRECTORY"])
        self.assertTrue(env["MESOS_SANDBOX"].endswith("/executors/custom-1/runs/" + report["container_id"]))
        self.assertEqual(env["MESOS_CHECKPOINT"], "0")
        self.assertEqual(env["MESOS_HTTP_COMMAND_EXECUTOR"], "0")
        self.assertEqual(env["MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"], "5secs")
        self.assertEqual(env["LIBPROCESS_PORT"], "0")
        self.assertNotIn("MESOS_RECOVERY_TIMEOUT", env)  # only when checkpointing
        self.assertEqual(report["refused"], {"garbage": 400, "truncated_protobuf": 400, "wrong_content_type": 415,
                                             "bad_uuid": 400, "staging": 400, "heartbeat": 202,
                                             "unknown_executor": 400})

        # Both tasks run in the one executor; its updates name it.
        finished = self.until(s, self.update_of("finish", "TASK_FINISHED"), "finish FINISHED")
        self.assertEqual(finished["update"]["status"]["executor_id"]["value"], "custom-1")
        self.assertEqual(finished["update"]["status"]["source"], "SOURCE_EXECUTOR")
        self.assertEqual(finished["update"]["status"]["message"], "finished by the custom executor")

        # Framework -> executor -> framework.
        code, body = s.call({"type": "MESSAGE", "message": {
            "agent_id": offer["agent_id"], "executor_id": {"value": "custom-1"}, "data": data("ping")}})
        self.assertEqual(code, 202, body)
        echo = self.until(s, lambda e: e["type"] == "MESSAGE" and base64.b64decode(e["message"]["data"]) == b"echo:ping",
                          "the echo")
        self.assertEqual(echo["message"]["executor_id"]["value"], "custom-1")

        # KILL reaches the executor, which decides how the task ends.
        code, body = s.call({"type": "KILL", "kill": {"task_id": {"value": "hold"}, "agent_id": offer["agent_id"]}})
        self.assertEqual(code, 202, body)
        killed = self.until(s, self.update_of("hold", "TASK_KILLED"), "hold KILLED")
        self.assertEqual(killed["update"]["status"]["message"], "killed by the custom executor")

        # With no task left, the running executor still holds its resources.
        self.cluster.wait_for(lambda: self.used(s) == (0.1, 32), "only the executor's resources to be held")

        # The executor still runs (no task left): a crash fails the new task
        # it was given with REASON_EXECUTOR_TERMINATED and tells the framework.
        self.launch(s, [executor_task("crash", ex, "crash")])
        failed = self.until(s, self.update_of("crash", "TASK_FAILED"), "crash FAILED")
        self.assertEqual(failed["update"]["status"]["reason"], "REASON_EXECUTOR_TERMINATED")
        self.assertEqual(failed["update"]["status"]["source"], "SOURCE_AGENT")
        failure = self.until(s, lambda e: e["type"] == "FAILURE", "the FAILURE event")
        self.assertEqual(failure["failure"]["executor_id"]["value"], "custom-1")
        self.assertEqual(failure["failure"]["status"], 3 << 8)
        self.cluster.wait_for(lambda: self.used(s) == (0, 0), "the executor's resources to be given back")

    def used(self, s):
        """(cpus, mem) the master holds for the framework, and checks the agent agrees."""
        state = self.cluster.state()
        f = next(f for f in state["frameworks"] if f["id"] == s.framework_id)
        agent = state["slaves"][0]["used_resources"]
        self.assertEqual((agent["cpus"], agent["mem"]), (f["used_resources"]["cpus"], f["used_resources"]["mem"]))
        return round(f["used_resources"]["cpus"], 3), f["used_resources"]["mem"]

    def test_dropped_event_stream_loses_no_update(self):
        s = self.subscribe(name="reconnect", failover_timeout=0)
        self.launch(s, [executor_task("again", executor_info("custom-2"), "reconnect")])
        running = self.until(s, self.update_of("again", "TASK_RUNNING"), "RUNNING")
        self.assertEqual(running["update"]["status"]["executor_id"]["value"], "custom-2")
        self.until(s, lambda e: e["type"] == "MESSAGE" and base64.b64decode(e["message"]["data"]) == b"resubscribed",
                   "the executor to resubscribe")
        finished = self.until(s, self.update_of("again", "TASK_FINISHED"), "FINISHED")
        self.assertEqual(finished["update"]["status"]["message"], "finished after resubscribing")
        # The agent kept serving through the garbage and the reconnect.
        state = self.cluster.get_json("/master/state")
        self.assertEqual(len(state["slaves"]), 1)

    def test_checkpointing_framework_gets_recovery_environment(self):
        s = self.subscribe(name="checkpointing", checkpoint=True)
        self.launch(s, [executor_task("cp", executor_info("custom-3"), "finish")])
        hello = self.until(s, lambda e: e["type"] == "MESSAGE", "the executor's first message")
        env = json.loads(base64.b64decode(hello["message"]["data"]))["env"]
        self.assertEqual(env["MESOS_CHECKPOINT"], "1")
        self.assertIn("MESOS_RECOVERY_TIMEOUT", env)
        self.assertIn("MESOS_SUBSCRIPTION_BACKOFF_MAX", env)
        self.until(s, self.update_of("cp", "TASK_FINISHED"), "FINISHED")

    def test_task_group_to_a_custom_executor(self):
        s = self.subscribe(name="custom-group")
        group = {"tasks": [task("g1", "", "true"), task("g2", "", "true")]}
        self.accept(s, [{"type": "LAUNCH_GROUP", "launch_group": {"executor": executor_info("custom-4"),
                                                                  "task_group": group}}])
        for tid in ("g1", "g2"):
            done = self.until(s, self.update_of(tid, "TASK_FINISHED"), tid + " FINISHED")
            self.assertEqual(done["update"]["status"]["executor_id"]["value"], "custom-4")

    def test_shutdown_of_the_framework_reaches_the_executor(self):
        s = self.subscribe(name="teardown")
        self.launch(s, [executor_task("held", executor_info("custom-5"), "hold")])
        self.until(s, self.update_of("held", "TASK_RUNNING"), "RUNNING")
        code, body = s.call({"type": "TEARDOWN"})
        self.assertEqual(code, 202, body)
        # The executor gets SHUTDOWN and exits; nothing of it is left.
        self.cluster.wait_for(lambda: not any(f["id"] == s.framework_id for f in self.cluster.state()["frameworks"]),
                              "the framework to go")
        self.cluster.wait_for(lambda: not [p for p in os.listdir("/proc") if p.isdigit() and is_executor(p, "custom-5")],
                              "the executor process to exit", timeout=15)


def is_executor(pid, executor_id):
    try:
        with open("/proc/%s/environ" % pid, "rb") as f:
            return ("MESOS_EXECUTOR_ID=" + executor_id).encode() in f.read().split(b"\0")
    except OSError:
        return False


if __name__ == "__main__":
    TEPUI = tepui_binary(sys.argv)
    unittest.main(verbosity=2)
