"""End-to-end tests of the operator commands (`tepui agents`, `frameworks`,
`tasks`, `task`, `kill`, `top`, `state`) against a real `tepui local`:
their tables, their --json, their exit codes (0 ok, 1 cluster error or
unknown name, 2 bad usage), readable errors, and `tepui top` live in a
pseudo-terminal, quit with q or Ctrl-C.

Tasks are launched by Python schedulers that stay subscribed, one task
each, so that the master keeps them and their frameworks."""

import fcntl
import json
import os
import pty
import re
import select
import subprocess
import sys
import termios
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from tepui_harness import Cluster, Framework, tepui_binary  # noqa: E402

TEPUI = None
TERMINAL = {"TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_ERROR", "TASK_LOST", "TASK_DROPPED",
            "TASK_GONE", "TASK_GONE_BY_OPERATOR"}
OPERATOR_COMMANDS = ("agents", "frameworks", "tasks", "task", "kill", "top", "state")


def tepui(*args, timeout=30):
    return subprocess.run([TEPUI, *args], capture_output=True, text=True, timeout=timeout)


def rows(table):
    """A table's rows below its header, each split on runs of 2+ spaces."""
    lines = table.rstrip("\n").split("\n")
    return [re.split(r"\s{2,}", line.strip()) for line in lines[1:]]


class OperatorCommandsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(TEPUI, agents=2).__enter__()
        cls.frameworks = []
        cls.web = cls.framework("cli-web")
        cls.web.launch("web-1", "sleep 600")
        cls.batch = cls.framework("cli-batch")
        cls.batch.launch("batch-1", "echo working; exit 3")
        cls.web.wait_state("web-1", {"TASK_RUNNING"})
        cls.batch.wait_state("batch-1", TERMINAL)
        # Once acknowledged, the master moves the failed task to its completed list.
        Cluster.wait_for(lambda: any(t["id"] == "batch-1" for f in cls.cluster.state()["frameworks"]
                                     for t in f.get("completed_tasks", [])), "batch-1 to be completed")

    @classmethod
    def tearDownClass(cls):
        for f in cls.frameworks:
            f.close()
        cls.cluster.__exit__(None, None, None)

    @classmethod
    def framework(cls, name):
        f = Framework(cls.cluster.master, name)
        cls.frameworks.append(f)
        return f

    def ok(self, *args):
        r = tepui(*args, "--master", self.cluster.master)
        self.assertEqual(r.returncode, 0, (args, r.stderr))
        self.assertEqual(r.stderr, "")
        return r.stdout

    def fails(self, code, text, *args):
        r = tepui(*args)
        self.assertEqual(r.returncode, code, (args, r.stdout, r.stderr))
        self.assertIn(text, r.stderr, args)
        self.assertEqual(r.stderr.count("\n"), 1, r.stderr)  # one line
        return r

    def test_agents_table_and_json(self):
        state = self.cluster.state()
        out = self.ok("agents")
        self.assertEqual(out.split("\n")[0].split(), ["ID", "HOSTNAME", "STATE", "CPUS", "MEM", "DISK", "TASKS"])
        table = {row[0]: row for row in rows(out)}
        self.assertEqual(set(table), {a["id"] for a in state["slaves"]})
        for agent in state["slaves"]:
            row = table[agent["id"]]
            self.assertEqual(row[1:3], [agent["hostname"], "active"])
            self.assertTrue(row[3].endswith("/ 8"), row)
            self.assertTrue(row[4].endswith("/ 4 GB"), row)
        web_agent = self.task_json("web-1")["agent_id"]["value"]
        self.assertGreaterEqual(int(table[web_agent][6]), 1)
        self.assertEqual(sum(int(r[6]) for r in table.values()),
                         sum(len(f["tasks"]) for f in state["frameworks"]))
        agents = json.loads(self.ok("agents", "--json"))["agents"]
        self.assertEqual({a["agent_info"]["id"]["value"] for a in agents}, set(table))
        self.assertTrue(all(a["active"] for a in agents))

    def operator_call(self, call):
        status, _, data = self.cluster.request("POST", "/api/v1", body=json.dumps(call),
                                               headers={"Content-Type": "application/json"})
        self.assertEqual(status, 200, data)

    def test_a_deactivated_agent_shows_so(self):
        agent = self.cluster.state()["slaves"][0]["id"]
        self.operator_call({"type": "DEACTIVATE_AGENT", "deactivate_agent": {"agent_id": {"value": agent}}})
        try:
            table = {row[0]: row for row in rows(self.ok("agents"))}
            self.assertEqual(table[agent][2], "deactivated")
            self.assertEqual(json.loads(self.ok("top", "--once", "--json"))["active_agents"], 1)
        finally:
            self.operator_call({"type": "REACTIVATE_AGENT", "reactivate_agent": {"agent_id": {"value": agent}}})
        table = {row[0]: row for row in rows(self.ok("agents"))}
        self.assertEqual(table[agent][2], "active")

    def test_frameworks_table_json_and_completed_ones(self):
        gone = Framework(self.cluster.master, "cli-gone")
        code, body = gone.scheduler.call({"type": "TEARDOWN"})
        self.assertIn(code, (200, 202), body)
        gone.close()
        out = self.ok("frameworks")
        table = {row[0]: row for row in rows(out)}
        self.assertEqual(table[self.web.id][1:5], ["cli-web", "*", "active", "1"])
        self.assertEqual(table[self.batch.id][1:5], ["cli-batch", "*", "active", "0"])
        self.assertNotIn(gone.id, table)
        Cluster.wait_for(lambda: gone.id in self.ok("frameworks", "--all"), "the torn-down framework to complete")
        table = {row[0]: row for row in rows(self.ok("frameworks", "--all"))}
        self.assertEqual(table[gone.id][1:4], ["cli-gone", "*", "completed"])
        listed = json.loads(self.ok("frameworks", "--json"))
        self.assertIn(self.web.id, [f["framework_info"]["id"]["value"] for f in listed["frameworks"]])
        self.assertNotIn("completed_frameworks", listed)

    def test_tasks_live_by_default_all_and_filters(self):
        ids = lambda out: [row[0] for row in rows(out)]  # noqa: E731
        live = self.ok("tasks")
        self.assertIn("web-1", ids(live))
        self.assertNotIn("batch-1", ids(live))
        row = [r for r in rows(live) if r[0] == "web-1"][0]
        self.assertEqual(row[1:4], ["web-1", "TASK_RUNNING", "cli-web"])
        self.assertEqual(row[5:], ["0.1", "16 MB"])
        self.assertIn("batch-1", ids(self.ok("tasks", "--all")))
        self.assertEqual(ids(self.ok("tasks", "--all", "--state", "failed")), ["batch-1"])
        self.assertEqual(ids(self.ok("tasks", "--all", "--state", "TASK_FAILED", "--framework", "cli-batch")),
                         ["batch-1"])
        self.assertEqual(ids(self.ok("tasks", "--state", "running", "--framework", self.web.id)), ["web-1"])
        self.assertEqual(ids(self.ok("tasks", "--framework", "cli-batch")), [])
        self.assertEqual(ids(self.ok("tasks", "--all", "--name", "batch-1")), ["batch-1"])
        web = self.task_json("web-1")
        host = [a for a in self.cluster.state()["slaves"] if a["id"] == web["agent_id"]["value"]][0]["hostname"]
        self.assertIn("web-1", ids(self.ok("tasks", "--agent", web["agent_id"]["value"])))
        self.assertIn("web-1", ids(self.ok("tasks", "--agent", host)))
        listed = json.loads(self.ok("tasks", "--all", "--framework", "cli-batch", "--json"))
        self.assertEqual([t["task_id"]["value"] for t in listed["completed_tasks"]], ["batch-1"])
        self.assertNotIn("tasks", listed)

    def test_tasks_errors(self):
        m = ["--master", self.cluster.master]
        self.fails(1, "no framework 'nope'", "tasks", "--framework", "nope", *m)
        self.fails(1, "no agent 'nowhere'", "tasks", "--agent", "nowhere", *m)
        self.fails(2, "unknown task state 'sleepy'", "tasks", "--state", "sleepy", *m)
        self.fails(2, "unknown flag '--bogus'", "tasks", "--bogus", *m)
        self.fails(2, "unexpected argument 'extra'", "tasks", "extra", *m)

    def task_json(self, task_id, *extra):
        return json.loads(self.ok("task", task_id, "--json", *extra))

    def test_task_details_history_and_why_it_failed(self):
        out = self.ok("task", "batch-1")
        self.assertIn("State:      TASK_FAILED (completed)", out)
        self.assertIn("Framework:  %s (cli-batch)" % self.batch.id, out)
        self.assertRegex(out, r"Resources:\s+cpus:0\.1;mem:16")
        self.assertRegex(out, r"Sandbox:\s+/slaves/\S+/frameworks/%s/executors/batch-1/runs/latest" % self.batch.id)
        self.assertRegex(out, r"Why:\s+TASK_FAILED, REASON_COMMAND_EXECUTOR_FAILED: Command exited with status 3")
        history = out.split("Status history:\n")[1]
        self.assertEqual(history.split("\n")[0].split(), ["TIME", "STATE", "SOURCE", "REASON", "MESSAGE"])
        states = [r[1] for r in rows(history)]
        self.assertEqual(states[-2:], ["TASK_RUNNING", "TASK_FAILED"])
        self.assertRegex(history, r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\s+TASK_FAILED\s+executor")
        running = self.ok("task", "web-1")
        self.assertIn("TASK_RUNNING (live)", running)
        self.assertNotIn("Why:", running)
        t = self.task_json("batch-1")
        self.assertEqual((t["task_id"]["value"], t["state"]), ("batch-1", "TASK_FAILED"))
        self.assertEqual(t["statuses"][-1]["message"], "Command exited with status 3")

    def test_task_errors(self):
        m = ["--master", self.cluster.master]
        self.fails(1, "no task 'nope'", "task", "nope", *m)
        self.fails(1, "no framework 'nope'", "task", "web-1", "--framework", "nope", *m)
        self.fails(2, "expected one task id", "task", *m)
        self.fails(2, "expected one task id", "task", "a", "b", *m)

    def test_kill_turns_a_running_task_into_killed(self):
        victim = self.framework("cli-victim")
        victim.launch("victim", "sleep 600")
        victim.wait_state("victim", {"TASK_RUNNING"})
        out = self.ok("kill", "victim")
        self.assertIn("victim", out)
        self.assertEqual(victim.wait_state("victim", TERMINAL), "TASK_KILLED")
        Cluster.wait_for(lambda: self.task_json("victim")["state"] == "TASK_KILLED", "the master to see it killed")
        self.fails(1, "task 'victim' has already ended (TASK_KILLED)", "kill", "victim",
                   "--master", self.cluster.master)
        self.fails(1, "no task 'nope'", "kill", "nope", "--master", self.cluster.master)
        self.fails(2, "expected one task id", "kill", "--master", self.cluster.master)

    def test_kill_of_an_id_in_two_frameworks_needs_framework(self):
        first, second = self.framework("cli-twin-1"), self.framework("cli-twin-2")
        for f in (first, second):
            f.launch("twin", "sleep 600")
            f.wait_state("twin", {"TASK_RUNNING"})
        self.fails(1, "choose one with --framework", "kill", "twin", "--master", self.cluster.master)
        killed = json.loads(self.ok("kill", "twin", "--framework", second.id, "--json"))
        self.assertEqual(killed, {"task_id": {"value": "twin"}, "framework_id": {"value": second.id}})
        self.assertEqual(second.wait_state("twin", TERMINAL), "TASK_KILLED")
        self.assertEqual(first.states["twin"], "TASK_RUNNING")

    def test_top_once_prints_one_plain_frame(self):
        out = self.ok("top", "--once")
        self.assertNotIn("\x1b", out)
        self.assertIn("master %s" % self.cluster.master, out)
        self.assertRegex(out, r"Agents:\s+2 \(2 active\)")
        self.assertRegex(out, r"Tasks:\s+.*TASK_RUNNING")
        self.assertRegex(out, r"CPUs:\s+[\d.]+ / 16 \(\d+%\)")
        self.assertIn("Busiest agents\nID", out)
        busiest = out.split("Busiest tasks\n")[1]
        self.assertIn("web-1", [r[0] for r in rows(busiest)])
        summary = json.loads(self.ok("top", "--once", "--json"))
        self.assertEqual((summary["agents"], summary["active_agents"]), (2, 2))
        self.assertGreaterEqual(summary["tasks"]["TASK_RUNNING"], 1)
        self.assertEqual(summary["cpus"]["total"], 16)
        self.fails(2, "--json prints one summary", "top", "--json", "--master", self.cluster.master)
        self.fails(2, "--interval", "top", "--interval", "0", "--master", self.cluster.master)

    def run_top_in_a_terminal(self, quit_key):
        """Runs `tepui top` on a pseudo-terminal until a frame is drawn, then
        types `quit_key`; returns (exit code, everything it wrote, the
        terminal's local modes before and after)."""
        master_fd, slave_fd = pty.openpty()
        before = termios.tcgetattr(slave_fd)[3]
        proc = subprocess.Popen([TEPUI, "top", "--master", self.cluster.master, "--interval", "0.2"],
                                stdin=slave_fd, stdout=slave_fd, stderr=slave_fd, start_new_session=True,
                                preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
        output = b""
        try:
            deadline = time.time() + 30
            while output.count(b"Busiest tasks") < 2 and time.time() < deadline:
                if select.select([master_fd], [], [], 0.5)[0]:
                    output += os.read(master_fd, 65536)
            self.assertGreaterEqual(output.count(b"Busiest tasks"), 2, output[-2000:])  # it redraws
            os.write(master_fd, quit_key)
            code = proc.wait(timeout=20)
            while select.select([master_fd], [], [], 0.2)[0]:
                try:
                    chunk = os.read(master_fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                output += chunk
            after = termios.tcgetattr(slave_fd)[3]
        finally:
            if proc.poll() is None:
                proc.kill()
            os.close(master_fd)
            os.close(slave_fd)
        return code, output, before, after

    def test_top_redraws_live_and_quits_on_q_restoring_the_terminal(self):
        code, output, before, after = self.run_top_in_a_terminal(b"q")
        self.assertEqual(code, 0, output[-2000:])
        self.assertIn(b"\x1b[?1049h", output)  # the alternate screen
        self.assertIn(b"\x1b[H\x1b[2J", output)  # clear and redraw
        self.assertIn(b"web-1", output)
        self.assertTrue(output.rstrip(b"\r\n").endswith(b"\x1b[?25h\x1b[?1049l"), output[-200:])
        self.assertEqual(after, before)  # echo and line mode are back

    def test_top_quits_on_ctrl_c(self):
        code, output, before, after = self.run_top_in_a_terminal(b"\x03")
        self.assertEqual(code, 0, output[-2000:])
        self.assertTrue(output.rstrip(b"\r\n").endswith(b"\x1b[?25h\x1b[?1049l"), output[-200:])
        self.assertEqual(after, before)

    def test_state_is_the_raw_get_state_json(self):
        state = json.loads(self.ok("state"))
        self.assertEqual(state["type"], "GET_STATE")
        self.assertEqual(len(state["get_state"]["get_agents"]["agents"]), 2)
        self.assertIn("web-1", [t["task_id"]["value"] for t in state["get_state"]["get_tasks"]["tasks"]])

    def test_every_command_explains_its_flags(self):
        usage = tepui("--help")
        for command in OPERATOR_COMMANDS:
            self.assertIn("\n  %s " % command, usage.stdout)
            r = tepui(command, "--help")
            self.assertEqual(r.returncode, 0, command)
            for flag in ("--master", "--json"):
                self.assertIn(flag, r.stdout, command)


class LeaderFollowingTest(unittest.TestCase):
    def test_a_follower_or_the_zookeeper_url_leads_to_the_leader(self):
        with Cluster(TEPUI, agents=1, extra=["--masters", "3"]) as cluster:
            state = cluster.state()
            agent = state["slaves"][0]["id"]
            zk = state["flags"]["zk"]
            followers = [m for m in cluster.masters if m != cluster.master]
            for master in (followers[0], zk):
                r = tepui("agents", "--json", "--master", master)
                self.assertEqual(r.returncode, 0, (master, r.stderr))
                self.assertEqual([a["agent_info"]["id"]["value"] for a in json.loads(r.stdout)["agents"]], [agent])
                r = tepui("top", "--once", "--master", master)
                self.assertEqual(r.returncode, 0, (master, r.stderr))
                self.assertIn("master %s " % cluster.master, r.stdout)  # the leader's address


class MasterDownTest(unittest.TestCase):
    def test_every_command_reports_an_unreachable_master(self):
        for command in OPERATOR_COMMANDS:
            args = [command] + (["some-task"] if command in ("task", "kill") else []) + \
                (["--once"] if command == "top" else [])
            r = tepui(*args, "--master", "127.0.0.1:1")
            self.assertEqual(r.returncode, 1, (command, r.stderr))
            self.assertEqual(r.stderr, "tepui %s: cannot reach the master at 127.0.0.1:1: connection refused\n"
                             % command)
            self.assertEqual(r.stdout, "")

    def test_a_malformed_master_is_bad_usage(self):
        for command in OPERATOR_COMMANDS:
            r = tepui(command, "--master", "nonsense", *(["x"] if command in ("task", "kill") else []))
            self.assertEqual(r.returncode, 2, (command, r.stderr))
            self.assertIn("invalid --master 'nonsense'", r.stderr)


if __name__ == "__main__":
    TEPUI = tepui_binary(sys.argv)
    unittest.main(verbosity=2)
