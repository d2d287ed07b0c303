"""End-to-end tests of `tepui jobs` (the Chronos-compatible job scheduler)
with the built binary: a master, agents and the jobs daemon, each its own
process, a webhook receiver in the test. Jobs are posted as users post
them to Chronos; the tests read what ran from the daemon's run history and
from the master."""

import datetime
import json
import os
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(__file__))
from tepui_harness import Cluster, Fleet, ZooKeeperServer, free_port, http_json, tepui_binary  # noqa: E402

TEPUI = None


def iso(seconds_from_now):
    """An ISO 8601 UTC instant `seconds_from_now` away, whole seconds."""
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds_from_now)
    return t.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def job(name, command, **fields):
    j = {"name": name, "command": command, "cpus": 0.05, "mem": 16, "owner": "ops@example.com"}
    j.update(fields)
    return j


class Webhooks:
    """An HTTP server on loopback that keeps every JSON body POSTed to it."""

    def __init__(self):
        self.received = []
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                hooks.received.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass
        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = "http://127.0.0.1:%d/hook" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Mailbox:
    """A minimal SMTP server on loopback (EHLO/HELO, MAIL, RCPT, DATA, QUIT)
    that keeps each message: (sender, recipients, text)."""

    def __init__(self):
        self.messages = []
        box = self

        class Session(socketserver.StreamRequestHandler):
            def reply(self, line):
                self.wfile.write((line + "\r\n").encode())

            def handle(self):
                self.reply("220 tepui-e2e mailbox")
                sender, recipients = "", []
                while True:
                    line = self.rfile.readline().decode(errors="replace").rstrip("\r\n")
                    if not line:
                        return
                    verb = line.split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250 tepui-e2e")
                    elif verb == "MAIL":
                        sender = line.split(":", 1)[1].strip()
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        recipients.append(line.split(":", 1)[1].strip())
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 go on")
                        text = []
                        while True:
                            data = self.rfile.readline().decode(errors="replace")
                            if data in (".\r\n", ".\n", ""):
                                break
                            text.append(data)
                        box.messages.append((sender, recipients, "".join(text)))
                        self.reply("250 queued")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("250 OK")
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", free_port()), Session)
        self.server.daemon_threads = True
        self.address = "127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class JobsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.hooks = Webhooks()
        cls.mail = Mailbox()
        cls.fleet = Fleet(TEPUI, agents=[("agent-a", "rack:r1"), ("agent-b", "rack:r2")]).__enter__()
        cls.jobs = cls.fleet.start_daemon(
            "jobs", "jobs", "--work_dir", os.path.join(cls.fleet.dir, "jobs"), "--failure_retry", "1secs",
            "--task_history_limit", "200", "--http_notification_url", cls.hooks.url,
            "--notification_backoff", "100ms", "--mail_server", cls.mail.address, "--mail_from", "jobs@example.com", "--cluster_name", "e2e")
        Cluster.wait_for(lambda: http_json(cls.jobs, "GET", "/scheduler/jobs")[0] == 200, "tepui jobs to lead")
        Cluster.wait_for(lambda: [f for f in cls.fleet.master_state()["frameworks"]
                                  if f["name"] == "tepui-jobs" and f["active"]], "tepui jobs to register")

    @classmethod
    def tearDownClass(cls):
        cls.fleet.__exit__(None, None, None)
        cls.hooks.close()
        cls.mail.close()

    def api(self, method, path, body=None):
        return http_json(self.jobs, method, path, body)

    def post(self, kind, body):
        status, _, answer = self.api("POST", "/scheduler/" + kind, body)
        self.assertEqual(status, 204, answer)

    def job(self, name):
        status, _, jobs = self.api("GET", "/scheduler/jobs")
        self.assertEqual(status, 200, jobs)
        found = [j for j in jobs if j["name"] == name]
        return found[0] if found else None

    def runs(self, name):
        status, _, runs = self.api("GET", "/v1/scheduler/job/%s/runs" % name)
        self.assertEqual(status, 200, runs)
        return runs

    def ended_runs(self, name):
        return [r for r in self.runs(name) if r["state"] in ("finished", "failed", "killed")]

    def wait_runs(self, name, count, timeout=60):
        try:
            Cluster.wait_for(lambda: len(self.ended_runs(name)) >= count, "%d runs of %s to end" % (count, name),
                             timeout=timeout)
        except AssertionError as e:
            raise AssertionError("%s: %s\n%s" % (e, self.runs(name), self.fleet.log_tails())) from None
        return sorted(self.ended_runs(name), key=lambda r: (r["due"], r["attempt"]))

    def test_chronos_json_round_trips_and_bad_jobs_are_refused(self):
        full = job("etl-nightly", "echo $CHRONOS_JOB_NAME", schedule="R/2030-01-01T02:00:00Z/P1D",
                   scheduleTimeZone="Europe/Paris", ownerName="Ops", description="nightly ETL", disk=64,
                   retries=3, shell=True, concurrent=False, softError=False, disabled=False, runAsUser="root",
                   environmentVariables=[{"name": "STAGE", "value": "prod"}],
                   fetch=[{"uri": "http://example.com/etl.tgz", "extract": True, "executable": False,
                           "cache": False}],
                   constraints=[["rack", "EQUALS", "r1"]], maxCompletionTime=3600,
                   labels=[{"key": "team", "value": "data"}])
        self.post("iso8601", full)
        stored = self.job("etl-nightly")
        for field, value in full.items():
            if field != "schedule":
                self.assertEqual(stored[field], value, field)
        # As Chronos reads a start beside a scheduleTimeZone: its local
        # fields in that zone (the "Z" gives way to Paris's offset).
        self.assertEqual(stored["schedule"], "R/2030-01-01T02:00:00.000+01:00/P1D")
        for counter in ("successCount", "errorCount", "errorsSinceLastSuccess"):
            self.assertEqual(stored[counter], 0)
        self.assertEqual(stored["lastSuccess"], "")
        # Both prefixes serve the same jobs.
        status, _, v1 = self.api("GET", "/v1/scheduler/jobs")
        self.assertEqual(status, 200)
        self.assertIn("etl-nightly", [j["name"] for j in v1])
        status, _, found = self.api("GET", "/scheduler/jobs/search?name=etl")
        self.assertEqual([j["name"] for j in found], ["etl-nightly"])

        # A dependent job; the graph shows the edge.
        self.post("dependency", job("etl-report", "true", parents=["etl-nightly"]))
        status, _, dot = self.api("GET", "/scheduler/graph/dot")
        self.assertEqual(status, 200)
        self.assertIn("etl-nightly", dot)
        self.assertIn("etl-report", dot)
        # A cycle is refused, and so are bad jobs, each naming the field.
        status, _, body = self.api("POST", "/scheduler/dependency", job("etl-nightly", "true", parents=["etl-report"]))
        self.assertEqual(status, 400, body)
        self.assertIn("cycle", json.dumps(body))
        for bad, field in [(job("bad", "true", schedule="every day"), "schedule"),
                           (job("bad", "true", schedule="R/2030-01-01T00:00:00Z/P1D", cpus=-1), "cpus"),
                           (job("bad", "true", schedule="R/2030-01-01T00:00:00Z/P1D", scheduleTimeZone="Mars/Base"),
                            "scheduleTimeZone"),
                           ({"command": "true", "schedule": "R/2030-01-01T00:00:00Z/P1D"}, "name")]:
            status, _, body = self.api("POST", "/scheduler/iso8601", bad)
            self.assertEqual(status, 400, (bad, body))
            self.assertIn(field, json.dumps(body), (bad, body))
        status, _, body = self.api("POST", "/scheduler/iso8601", None)
        self.assertEqual(status, 400, body)
        self.assertIsNone(self.job("bad"))

        # Deleting the parent re-parents as Chronos does: a child of a
        # scheduled job left without parents takes over its schedule.
        schedule = self.job("etl-nightly")["schedule"]
        status, _, _ = self.api("DELETE", "/scheduler/job/etl-nightly")
        self.assertEqual(status, 204)
        self.assertIsNone(self.job("etl-nightly"))
        child = self.job("etl-report")
        self.assertEqual(child.get("parents", []), [])
        self.assertEqual((child["schedule"], child["scheduleTimeZone"]), (schedule, "Europe/Paris"))

    def test_a_one_second_period_runs_every_second_for_a_minute(self):
        start = iso(3)
        self.post("iso8601", job("tick", "true", schedule="R/%s/PT1S" % start))
        runs = self.wait_runs("tick", 60, timeout=120)
        self.api("DELETE", "/scheduler/job/tick")
        first = datetime.datetime.strptime(start, "%Y-%m-%dT%H:%M:%SZ").replace(
            tzinfo=datetime.timezone.utc).timestamp() * 1000
        dues = [r["due"] for r in runs[:60]]
        # One run per second from the start, none missed, none twice, no
        # drift: the n-th run was due exactly n seconds after the start.
        self.assertEqual(dues, [int(first) + 1000 * k for k in range(60)])
        self.assertEqual(len({r["taskId"] for r in runs}), len(runs))
        self.assertTrue(all(r["state"] == "finished" for r in runs[:60]), runs[:60])
        self.assertTrue(all(r["taskId"].startswith("ct:%d:0:tick" % r["due"]) for r in runs))

    def test_retries_then_success(self):
        counter = os.path.join(tempfile.mkdtemp(prefix="tepui-e2e-jobs-"), "attempts")
        script = "n=$(cat %s 2>/dev/null || echo 0); echo $((n+1)) > %s; [ $n -ge 2 ]" % (counter, counter)
        self.post("iso8601", job("flaky", script, schedule="R1/%s/PT1H" % iso(1), retries=2))
        runs = self.wait_runs("flaky", 3)
        self.assertEqual([r["attempt"] for r in runs], [0, 1, 2])
        self.assertEqual(len({r["due"] for r in runs}), 1)
        self.assertEqual([r["state"] for r in runs], ["failed", "failed", "finished"])
        self.assertEqual(runs[1]["taskId"].split(":")[:4], ["ct", str(runs[0]["due"]), "1", "flaky"])
        stored = self.job("flaky")
        self.assertEqual((stored["successCount"], stored["errorCount"]), (1, 0))
        # The same history from the command line.
        out = subprocess.run([TEPUI, "jobs", "runs", "flaky", "--jobs", self.jobs], capture_output=True, text=True,
                             timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        lines = out.stdout.splitlines()
        self.assertTrue(lines[0].startswith("DUE"), out.stdout)
        self.assertEqual([line.split()[3] for line in lines[1:]], ["finished", "failed", "failed"])
        out = subprocess.run([TEPUI, "jobs", "runs", "flaky", "--jobs", self.jobs, "--json"], capture_output=True,
                             text=True, timeout=30)
        self.assertEqual([r["attempt"] for r in json.loads(out.stdout)], [2, 1, 0])
        out = subprocess.run([TEPUI, "jobs", "runs", "nope", "--jobs", self.jobs], capture_output=True, text=True,
                             timeout=30)
        self.assertEqual(out.returncode, 1)
        self.assertIn("nope", out.stderr)
        self.assertNotEqual(stored["lastSuccess"], "")

    def test_a_three_level_dag_with_a_failing_middle_job(self):
        self.post("iso8601", job("dag-root", "true", schedule="R1/%s/PT1H" % iso(1)))
        self.post("dependency", job("dag-middle", "exit 3", parents=["dag-root"], retries=0))
        self.post("dependency", job("dag-leaf", "true", parents=["dag-middle"]))
        self.wait_runs("dag-middle", 1)
        time.sleep(3)  # the leaf would have started by now
        self.assertEqual(self.ended_runs("dag-leaf"), [])
        middle = self.job("dag-middle")
        self.assertEqual((middle["errorCount"], middle["successCount"]), (1, 0))
        self.assertNotEqual(middle["lastError"], "")
        # The run history says why it failed and where it ran.
        failed = self.ended_runs("dag-middle")[0]
        self.assertEqual((failed["state"], failed["taskState"]), ("failed", "TASK_FAILED"))
        self.assertIn("status 3", failed["message"])
        self.assertIn(failed["hostname"], ("agent-a", "agent-b"))
        # The sandbox link opens the run's sandbox on its agent.
        status, _, listing = http_json(failed["sandbox"].split("/")[2], "GET", "/" + failed["sandbox"].split("/", 3)[3])
        self.assertEqual(status, 200, (failed["sandbox"], listing))
        self.assertIn("stderr", [os.path.basename(f["path"]) for f in listing])
        # The failure was notified through the webhook.
        Cluster.wait_for(lambda: [h for h in self.hooks.received
                                  if h["job"] == "dag-middle" and h["kind"] == "failed"], "the failure's webhook")
        hook = [h for h in self.hooks.received if h["job"] == "dag-middle"][0]
        self.assertEqual(hook["owner"], "ops@example.com")
        self.assertTrue(hook["taskId"].startswith("ct:"))
        # And mailed to the owner through the SMTP server.
        Cluster.wait_for(lambda: [m for m in self.mail.messages if "dag-middle" in m[2]], "the failure's mail")
        sender, recipients, text = [m for m in self.mail.messages if "dag-middle" in m[2]][0]
        self.assertEqual(sender, "<jobs@example.com>")
        self.assertEqual(recipients, ["<ops@example.com>"])
        self.assertIn("Subject: [e2e] job dag-middle failed", text)
        self.assertEqual(hook["cluster"], "e2e")

        # With softError the children run after the middle job failed.
        self.post("dependency", job("dag-middle", "exit 3", parents=["dag-root"], retries=0, softError=True))
        status, _, _ = self.api("PUT", "/scheduler/job/dag-root")
        self.assertEqual(status, 204)
        leaf = self.wait_runs("dag-leaf", 1)
        self.assertEqual(leaf[0]["state"], "finished")
        self.assertEqual(len(self.ended_runs("dag-middle")), 2)
        self.assertEqual(len(self.ended_runs("dag-root")), 2)

    def test_run_now_with_arguments_and_kill(self):
        # The arguments are appended to the command: here to the last echo.
        self.post("iso8601", job("manual", "sleep 300; echo", schedule="R/2030-01-01T00:00:00Z/P1D"))
        status, _, _ = self.api("PUT", "/scheduler/job/manual?arguments=--full")
        self.assertEqual(status, 204)
        Cluster.wait_for(lambda: [r for r in self.runs("manual") if r["state"] == "running"], "the run to start")
        run = self.runs("manual")[0]
        self.assertTrue(run["taskId"].endswith(":manual:--full"), run)
        status, _, _ = self.api("DELETE", "/scheduler/task/kill/manual")
        self.assertEqual(status, 204)
        runs = self.wait_runs("manual", 1)
        self.assertEqual(runs[0]["state"], "killed")
        self.api("DELETE", "/scheduler/job/manual")


class JobsFailoverTest(unittest.TestCase):
    def test_a_run_due_across_a_leader_failover_runs_exactly_once(self):
        with ZooKeeperServer() as zk, Fleet(TEPUI, agents=[("agent-a", "pool:early")]) as fleet:
            try:
                flags = ("--zk", zk.url("/tepui-jobs"), "--zk_session_timeout", "2secs")
                daemons = {"jobs-1": fleet.start_daemon("jobs-1", "jobs", *flags),
                           "jobs-2": fleet.start_daemon("jobs-2", "jobs", *flags)}

                def leader():
                    for name, address in daemons.items():
                        try:
                            status, _, body = http_json(address, "GET", "/scheduler/leader")
                        except OSError:
                            continue
                        if status == 200 and body["leader"] == address:
                            return name
                    return None
                Cluster.wait_for(leader, "a jobs leader")
                first = leader()
                address = daemons[first]
                # Due in two seconds, but only an agent that is not there yet
                # can run it: the run waits, due, while the leader dies.
                status, _, body = http_json(address, "POST", "/scheduler/iso8601", job(
                    "late", "true", schedule="R1/%s/PT1H" % iso(2), constraints=[["pool", "EQUALS", "late"]]))
                self.assertEqual(status, 204, body)
                Cluster.wait_for(lambda: [r for r in http_json(address, "GET", "/scheduler/job/late/runs")[2]
                                          if r["state"] == "queued"], "the run to be due and wait")
                fleet.kill(first)
                Cluster.wait_for(lambda: leader() not in (None, first), "the other instance to lead")
                second = daemons[leader()]
                fleet.start("agent-late", ["agent", "--master", fleet.master, "--ip", "127.0.0.1", "--port", "0",
                                           "--hostname", "agent-late", "--attributes", "pool:late",
                                           "--work_dir", os.path.join(fleet.dir, "agent-late"),
                                           "--resources", fleet.resources])

                def ended():
                    runs = http_json(second, "GET", "/scheduler/job/late/runs")[2]
                    return [r for r in runs if r["state"] == "finished"]
                Cluster.wait_for(ended, "the run to finish on the new agent", timeout=60)
                time.sleep(2)  # a second launch would show by now
                runs = http_json(second, "GET", "/scheduler/job/late/runs")[2]
                self.assertEqual(len(runs), 1, runs)
                self.assertEqual(runs[0]["hostname"], "agent-late")
                launched = [t for f in fleet.master_state()["frameworks"] if f["name"] == "tepui-jobs"
                            for t in f["tasks"] + f["completed_tasks"] if ":late:" in t["id"]]
                self.assertEqual(len(launched), 1, launched)
            except AssertionError:
                print(fleet.log_tails(), file=sys.stderr)
                raise


if __name__ == "__main__":
    TEPUI = tepui_binary(sys.argv)
    unittest.main(verbosity=2)
