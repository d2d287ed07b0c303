"""End-to-end tests of the command line for people: `tepui run` against a
real `tepui local`, readable errors, and Ctrl-C leaving nothing behind."""

import json
import os
import signal
import subprocess
import sys
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from tepui_harness import Cluster, Scheduler, launch, tepui_binary  # noqa: E402

TEPUI = None


def run(*args, timeout=60):
    return subprocess.run([TEPUI, *args], capture_output=True, text=True, timeout=timeout)


class RunCommandTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = cls.enterClassContext(Cluster(TEPUI, agents=1))

    def test_output_and_exit_code_of_a_shell_command(self):
        r = run("run", "--master", self.cluster.master, "--", "echo out; echo err >&2; exit 7")
        self.assertEqual(r.returncode, 7, r.stderr)
        self.assertEqual(r.stdout, "out\n")
        self.assertIn("err\n", r.stderr)
        self.assertIn("TASK_RUNNING", r.stderr)
        self.assertIn("TASK_FAILED: Command exited with status 7", r.stderr)

    def test_operator_api_lists_the_masters_flags(self):
        status, headers, data = self.cluster.request("POST", "/api/v1", body=json.dumps({"type": "GET_FLAGS"}),
                                                     headers={"Content-Type": "application/json"})
        self.assertEqual(status, 200, data)
        flags = {f["name"]: f.get("value") for f in json.loads(data)["get_flags"]["flags"]}
        self.assertEqual(flags["port"], "0")  # as given to tepui local (it picks a free port)

    def test_argv_form_runs_without_a_shell(self):
        r = run("run", "--master", self.cluster.master, "--", "/bin/echo", "$NOT_EXPANDED", "two words")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "$NOT_EXPANDED two words\n")

    def test_task_runs_as_its_user_when_the_agent_is_root(self):
        if os.geteuid() != 0:
            self.skipTest("the agent switches users only when it runs as root")
        r = run("run", "--master", self.cluster.master, "--user", "nobody", "--", "id -un")
        self.assertEqual((r.returncode, r.stdout), (0, "nobody\n"), r.stderr)

    def test_unknown_user_fails_the_task_with_a_reason(self):
        r = run("run", "--master", self.cluster.master, "--user", "no-such-user-here", "--", "true")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("TASK_FAILED", r.stderr)
        self.assertIn("no-such-user-here", r.stderr)

    def test_a_signal_gives_128_plus_its_number(self):
        r = run("run", "--master", self.cluster.master, "--", "kill -TERM $$")
        self.assertEqual(r.returncode, 128 + signal.SIGTERM, r.stderr)

    def test_unreachable_master_is_a_readable_error(self):
        r = run("run", "--master", "127.0.0.1:1", "--", "true")
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot reach the master at 127.0.0.1:1", r.stderr)
        self.assertNotIn("terminate called", r.stderr)

    def test_bad_flags_are_readable_errors(self):
        for args, text in [(["run", "--bogus", "--", "true"], "unknown flag '--bogus'"),
                           (["run", "--cpus", "abc", "--", "true"], "invalid value 'abc' for --cpus"),
                           (["run", "--master", "nonsense", "--", "true"], "invalid --master"),
                           (["run"], "no command given"),
                           (["master", "--port", "99999"], "expected a port number"),
                           (["agent"], "--master is required"),
                           (["frobnicate"], "unknown command 'frobnicate'")]:
            r = run(*args, timeout=10)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
            self.assertIn(text, r.stderr, args)

    def test_help_explains_every_command(self):
        r = run("--help")
        self.assertEqual(r.returncode, 0)
        for command in ("local", "master", "agent", "run"):
            self.assertIn(command, r.stdout)
            h = run(command, "--help")
            self.assertEqual(h.returncode, 0, command)
            self.assertIn("--", h.stdout)


class LocalClusterTest(unittest.TestCase):
    def test_ctrl_c_stops_everything_and_leaves_no_process(self):
        marker = str(900000 + uuid.uuid4().int % 99999)
        with Cluster(TEPUI, agents=2) as cluster:
            s = Scheduler(cluster.master, name="leftovers")
            s.subscribe()
            launched = 0
            while launched < 2:
                event = s.next_event("OFFERS")
                for offer in event["offers"]["offers"]:
                    if launched < 2:
                        tid = "sleeper-%d" % launched
                        launch(s, [offer["id"]["value"]], [{
                            "name": tid, "task_id": {"value": tid}, "agent_id": offer["agent_id"],
                            "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}}],
                            "command": {"value": "sleep " + marker + " & sleep " + marker + "; wait"}}])
                        launched += 1
            running = 0
            while running < 2:
                status = s.next_event("UPDATE")["update"]["status"]
                s.acknowledge(status)
                running += status["state"] == "TASK_RUNNING"
            Cluster.wait_for(lambda: pgrep(marker) >= 4, "the tasks' processes to start")
            cluster.proc.send_signal(signal.SIGINT)
            self.assertEqual(cluster.proc.wait(timeout=30), 0)
        Cluster.wait_for(lambda: pgrep(marker) == 0, "every task process to be gone", timeout=10)


def pgrep(pattern):
    r = subprocess.run(["pgrep", "-f", "sleep " + pattern], capture_output=True, text=True)
    return len(r.stdout.split())


if __name__ == "__main__":
    TEPUI = tepui_binary(sys.argv)
    unittest.main(verbosity=2)
