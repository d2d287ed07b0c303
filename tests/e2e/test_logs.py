"""End-to-end tests of `tepui logs` against a real `tepui local`: a task's
stdout and stderr, --tail, --follow until the task ends, task-group
sandboxes, and readable errors (unknown task, ambiguous id, no master).

Tasks are launched by a Python scheduler that stays subscribed, so that the
master keeps them in /master/state for `tepui logs` to find."""

import os
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from tepui_harness import Cluster, Scheduler, launch, task, tepui_binary  # noqa: E402

TEPUI = None
TERMINAL = {"TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_ERROR", "TASK_LOST", "TASK_DROPPED",
            "TASK_GONE", "TASK_GONE_BY_OPERATOR"}


def logs(*args, timeout=60):
    return subprocess.run([TEPUI, "logs", *args], capture_output=True, text=True, timeout=timeout)


class Framework:
    """A subscribed scheduler for one launch: it keeps the first offer,
    declines every other for an hour (so that other frameworks get the
    agent's resources), acknowledges every update and records each task's
    latest state."""

    def __init__(self, master, name):
        self.scheduler = Scheduler(master, name=name)
        self.scheduler.subscribe()
        self.states = {}
        self.changed = threading.Condition()
        self.offer = None
        self.used = False
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        while True:
            try:
                event = self.scheduler.next_event(timeout=3600)
            except AssertionError:
                return
            with self.changed:
                if event["type"] == "OFFERS":
                    for offer in event["offers"]["offers"]:
                        if self.offer is None and not self.used:
                            self.offer = offer
                        else:
                            self.scheduler.call({"type": "DECLINE", "decline": {
                                "offer_ids": [offer["id"]], "filters": {"refuse_seconds": 3600}}})
                elif event["type"] == "UPDATE":
                    status = event["update"]["status"]
                    self.scheduler.acknowledge(status)
                    self.states[status["task_id"]["value"]] = status["state"]
                self.changed.notify_all()

    def _offer(self):
        with self.changed:
            assert self.changed.wait_for(lambda: self.offer is not None, timeout=30), "no offer"
            offer, self.offer, self.used = self.offer, None, True
            return offer

    def launch(self, task_id, cmd):
        offer = self._offer()
        launch(self.scheduler, [offer["id"]["value"]], [task(task_id, offer["agent_id"]["value"], cmd)],
               refuse=3600)

    def launch_group(self, executor_id, tasks):
        offer = self._offer()
        agent = offer["agent_id"]["value"]
        executor = {"executor_id": {"value": executor_id}, "type": "DEFAULT",
                    "framework_id": {"value": self.scheduler.framework_id},
                    "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}},
                                  {"name": "mem", "type": "SCALAR", "scalar": {"value": 32}}]}
        code, body = self.scheduler.call({"type": "ACCEPT", "accept": {
            "offer_ids": [offer["id"]], "filters": {"refuse_seconds": 3600},
            "operations": [{"type": "LAUNCH_GROUP", "launch_group": {
                "executor": executor,
                "task_group": {"tasks": [task(tid, agent, cmd) for tid, cmd in tasks]}}}]}})
        assert code == 202, (code, body)

    def wait_state(self, task_id, states, timeout=30):
        with self.changed:
            assert self.changed.wait_for(lambda: self.states.get(task_id) in states, timeout=timeout), \
                (task_id, self.states.get(task_id))
            return self.states[task_id]

    @property
    def id(self):
        return self.scheduler.framework_id

    def close(self):
        self.scheduler.close()


class LogsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(TEPUI, agents=1).__enter__()
        cls.frameworks = []

    @classmethod
    def tearDownClass(cls):
        for f in cls.frameworks:
            f.close()
        cls.cluster.__exit__(None, None, None)

    def framework(self, name="logs"):
        f = Framework(self.cluster.master, name)
        self.frameworks.append(f)
        return f

    def finished_task(self, task_id, cmd):
        f = self.framework()
        f.launch(task_id, cmd)
        self.assertEqual(f.wait_state(task_id, TERMINAL), "TASK_FINISHED")
        return f

    def test_prints_stdout_stderr_and_the_tail(self):
        self.finished_task("printer", "echo line-1; echo line-2; echo err-1 >&2")
        r = logs("printer", "--master", self.cluster.master)
        self.assertEqual((r.returncode, r.stdout), (0, "line-1\nline-2\n"), r.stderr)
        r = logs("printer", "--master", self.cluster.master, "--stderr")
        self.assertEqual((r.returncode, r.stdout), (0, "err-1\n"), r.stderr)
        r = logs("printer", "--master", self.cluster.master, "--tail", "7")
        self.assertEqual((r.returncode, r.stdout), (0, "line-2\n"), r.stderr)

    def test_output_larger_than_one_read_comes_whole(self):
        self.finished_task("verbose", "seq 1 50000")
        r = logs("verbose", "--master", self.cluster.master)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "".join("%d\n" % i for i in range(1, 50001)))

    def test_follow_prints_everything_and_ends_with_the_task(self):
        f = self.framework()
        f.launch("ticker", "for i in 1 2 3 4 5; do echo tick-$i; echo tock-$i >&2; sleep 0.25; done")
        started = time.time()
        # Started before the task runs: it waits for the sandbox to appear.
        out = subprocess.Popen([TEPUI, "logs", "ticker", "--master", self.cluster.master, "--follow"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        err = subprocess.Popen([TEPUI, "logs", "ticker", "--master", self.cluster.master, "--follow", "--stderr"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        stdout, stderr = out.communicate(timeout=60)
        self.assertEqual(out.returncode, 0, stderr)
        self.assertEqual(stdout, "".join("tick-%d\n" % i for i in range(1, 6)))
        self.assertGreater(time.time() - started, 1.0)
        self.assertEqual(f.wait_state("ticker", TERMINAL, timeout=5), "TASK_FINISHED")
        stdout, stderr = err.communicate(timeout=60)
        self.assertEqual((err.returncode, stdout), (0, "".join("tock-%d\n" % i for i in range(1, 6))), stderr)

    def test_follow_of_a_finished_task_prints_and_exits(self):
        self.finished_task("done-already", "echo over")
        r = logs("done-already", "--master", self.cluster.master, "--follow", timeout=20)
        self.assertEqual((r.returncode, r.stdout), (0, "over\n"), r.stderr)

    def test_a_task_of_a_group_is_read_from_its_own_sandbox(self):
        f = self.framework()
        f.launch_group("pod-exec", [("member-a", "echo from-a"), ("member-b", "echo from-b >&2")])
        if f.wait_state("member-a", TERMINAL | {"TASK_RUNNING", "TASK_STARTING"}) == "TASK_ERROR":
            self.skipTest("this build refuses LAUNCH_GROUP")
        f.wait_state("member-a", TERMINAL)
        f.wait_state("member-b", TERMINAL)
        r = logs("member-a", "--master", self.cluster.master)
        self.assertEqual((r.returncode, r.stdout), (0, "from-a\n"), r.stderr)
        r = logs("member-b", "--master", self.cluster.master, "--stderr")
        self.assertEqual((r.returncode, r.stdout), (0, "from-b\n"), r.stderr)

    def test_unknown_task_is_a_readable_error(self):
        r = logs("no-such-task", "--master", self.cluster.master, timeout=20)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no task 'no-such-task'", r.stderr)
        self.assertNotIn("terminate called", r.stderr)

    def test_a_task_id_in_two_frameworks_needs_framework(self):
        first = self.finished_task("twice", "echo first")
        self.finished_task("twice", "echo second")
        r = logs("twice", "--master", self.cluster.master, timeout=20)
        self.assertEqual(r.returncode, 1)
        self.assertIn("several frameworks", r.stderr)
        self.assertIn("--framework", r.stderr)
        r = logs("twice", "--master", self.cluster.master, "--framework", first.id, timeout=20)
        self.assertEqual((r.returncode, r.stdout), (0, "first\n"), r.stderr)

    def test_unreachable_master_and_bad_arguments_are_readable_errors(self):
        r = logs("anything", "--master", "127.0.0.1:1", timeout=20)
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot reach the master at 127.0.0.1:1", r.stderr)
        for args, text in [([], "expected one task id"), (["a", "b"], "expected one task id"),
                           (["a", "--master", "nonsense"], "invalid --master"),
                           (["a", "--tail", "-5"], "--tail"), (["a", "--bogus"], "unknown flag '--bogus'")]:
            r = logs(*args, timeout=10)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertIn(text, r.stderr, args)


if __name__ == "__main__":
    TEPUI = tepui_binary(sys.argv)
    unittest.main(verbosity=2)
