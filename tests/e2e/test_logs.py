"""End-to-end tests of `tepui logs` against a real `tepui local`: a task's
stdout and stderr, --tail, --follow until the task ends, task-group
sandboxes, and readable errors (unknown task, ambiguous id, no master).

Tasks are launched by a Python scheduler that stays subscribed, so that the
master keeps them in /master/state for `tepui logs` to find."""

import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from tepui_harness import Cluster, Framework, tepui_binary  # noqa: E402

TEPUI = None
TERMINAL = {"TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_ERROR", "TASK_LOST", "TASK_DROPPED",
            "TASK_GONE", "TASK_GONE_BY_OPERATOR"}


def logs(*args, timeout=60):
    return subprocess.run([TEPUI, "logs", *args], capture_output=True, text=True, timeout=timeout)


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
