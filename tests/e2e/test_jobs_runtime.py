"""End-to-end test of the `tepui jobs` runtime as processes of their own
beside a real master (and a real ZooKeeper): its help and flag errors; a
lone instance answering /ping, /metrics and the leader at both API
prefixes; the framework registered with the master as tepui-jobs; two
instances electing a leader through ZooKeeper, the follower redirecting to
it, and the other taking over when the leader is killed. `tepui local`
starting it on request."""

import json
import os
import signal
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from tepui_harness import Cluster, Fleet, ZooKeeperServer, get, http_json, tepui_binary  # noqa: E402

TEPUI = None


def run(*args):
    """Runs `tepui jobs ARGS` to its end: (exit code, stdout, stderr)."""
    p = subprocess.run([TEPUI, "jobs", *args], capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


def leader_of(address):
    """What `address` says of the leader at /scheduler/leader: its
    host:port, or None (404, or the instance is down)."""
    try:
        status, _, body = http_json(address, "GET", "/scheduler/leader")
    except OSError:
        return None
    return body["leader"] if status == 200 else None


class JobsFlagsTest(unittest.TestCase):
    def test_help_and_bad_flags(self):
        code, out, _ = run("--help")
        self.assertEqual(code, 0)
        for flag in ("--zk", "--failure_retry", "--disable_after_failures", "--task_history_limit",
                     "--http_notification_url", "--mail_server"):
            self.assertIn(flag, out)
        code, _, err = run("--master", "127.0.0.1:5050")
        self.assertEqual(code, 1)
        self.assertIn("either --zk or --work_dir is required: the jobs state", err)
        code, _, err = run("--work_dir", "/tmp", "--task_history_limit", "0")
        self.assertEqual(code, 1)
        self.assertIn("--task_history_limit must be at least 1", err)
        code, _, err = run("--work_dir", "/tmp", "--notification_attempts", "0")
        self.assertEqual(code, 1)
        self.assertIn("--notification_attempts", err)
        code, _, err = run("--bogus")
        self.assertEqual(code, 2)
        self.assertIn("bogus", err)


class JobsRuntimeTest(unittest.TestCase):
    def test_a_lone_instance_leads_and_registers(self):
        with Fleet(TEPUI) as fleet:
            try:
                jobs = fleet.start_daemon("jobs", "jobs", "--work_dir", os.path.join(fleet.dir, "jobs"))
                self.assertEqual(get(jobs, "/ping")[2], b"pong")
                Cluster.wait_for(lambda: leader_of(jobs) == jobs, "the lone instance to lead")
                status, _, body = http_json(jobs, "GET", "/v1/scheduler/leader")
                self.assertEqual((status, body), (200, {"leader": jobs}))
                # The API's paths belong to the leader; nothing routes this one yet.
                status, _, body = http_json(jobs, "GET", "/v1/scheduler/nothing")
                self.assertEqual(status, 404)
                self.assertIn("no such endpoint", body["message"])

                def registered():
                    frameworks = (fleet.master_state() or {}).get("frameworks", [])
                    return [f for f in frameworks if f["name"] == "tepui-jobs" and f["active"]]
                Cluster.wait_for(registered, "tepui jobs to register with the master")
                metrics = http_json(jobs, "GET", "/metrics")[2]
                self.assertEqual(metrics["jobs/elected"], 1)
                self.assertEqual(metrics["jobs/elections"], 1)
                self.assertEqual(metrics["jobs/framework/subscribed"], 1)
                self.assertGreaterEqual(metrics["jobs/state/commits"], 2)  # the claim, the framework id
            except AssertionError:
                print(fleet.log_tails(), file=sys.stderr)
                raise

    def test_two_instances_elect_redirect_and_fail_over(self):
        with ZooKeeperServer() as zk, Fleet(TEPUI) as fleet:
            try:
                flags = ("--zk", zk.url("/tepui-jobs"), "--zk_session_timeout", "2secs")
                first = fleet.start_daemon("first", "jobs", *flags)
                Cluster.wait_for(lambda: leader_of(first) == first, "the first instance to lead")
                second = fleet.start_daemon("second", "jobs", *flags)
                Cluster.wait_for(lambda: leader_of(second) == first, "the second instance to see the leader")

                status, headers, _ = http_json(second, "GET", "/v1/scheduler/jobs?x=1")
                self.assertEqual(status, 307)
                self.assertEqual(headers["Location"], "http://%s/v1/scheduler/jobs?x=1" % first)
                status, headers, _ = http_json(second, "POST", "/scheduler/iso8601", {"name": "j"})
                self.assertEqual(status, 307)
                self.assertEqual(headers["Location"], "http://%s/scheduler/iso8601" % first)
                self.assertEqual(http_json(second, "GET", "/metrics")[2]["jobs/elected"], 0)
                Cluster.wait_for(lambda: [f for f in fleet.master_state()["frameworks"]
                                          if f["name"] == "tepui-jobs" and f["active"]],
                                 "the leader's framework to register")
                framework_id = [f["id"] for f in fleet.master_state()["frameworks"] if f["name"] == "tepui-jobs"]

                fleet.kill("first", signal.SIGKILL)
                Cluster.wait_for(lambda: leader_of(second) == second, "the second instance to take over")
                status, _, body = http_json(second, "GET", "/v1/scheduler/leader")
                self.assertEqual((status, body), (200, {"leader": second}))
                self.assertEqual(http_json(second, "GET", "/metrics")[2]["jobs/elected"], 1)
                # The new leader goes on with the framework id the first one stored.
                Cluster.wait_for(lambda: [f for f in fleet.master_state()["frameworks"]
                                          if f["name"] == "tepui-jobs" and f["active"]],
                                 "the framework to be subscribed again")
                self.assertEqual([f["id"] for f in fleet.master_state()["frameworks"]
                                  if f["name"] == "tepui-jobs"], framework_id)
            except AssertionError:
                print(fleet.log_tails(), file=sys.stderr)
                raise

    def test_tepui_local_runs_it_when_asked(self):
        with Cluster(TEPUI, agents=1, jobs=True) as cluster:
            self.assertIsNotNone(cluster.jobs)
            self.assertEqual(get(cluster.jobs, "/ping")[2], b"pong")
            Cluster.wait_for(lambda: leader_of(cluster.jobs) == cluster.jobs, "tepui jobs to lead")
            Cluster.wait_for(lambda: [f for f in cluster.state()["frameworks"] if f["name"] == "tepui-jobs"],
                             "tepui jobs to register")
        with Cluster(TEPUI, agents=0) as cluster:
            self.assertIsNone(cluster.jobs)
            self.assertEqual([f for f in cluster.state()["frameworks"] if f["name"] == "tepui-jobs"], [])


if __name__ == "__main__":
    TEPUI = tepui_binary(sys.argv)
    unittest.main(verbosity=2)
