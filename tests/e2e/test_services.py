"""End-to-end test of `tepui services` as a process of its own beside
`tepui local`: its help and flag errors, its endpoints, the event stream read
by a plain HTTP client, and its framework id kept across a restart (SIGTERM,
then a new process on the same work dir)."""

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from tepui_harness import Cluster, free_port, get, tepui_binary  # noqa: E402

TEPUI = None


def run(*args):
    """Runs `tepui services ARGS` to its end: (exit code, stdout, stderr)."""
    p = subprocess.run([TEPUI, "services", *args], capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


class Services:
    """A `tepui services` process; a context manager."""

    def __init__(self, master, work_dir):
        self.port = free_port()
        self.address = "127.0.0.1:%d" % self.port
        self.log = open(os.path.join(work_dir, "services-%d.log" % self.port), "w+")
        self.proc = subprocess.Popen(
            [TEPUI, "services", "--master", master, "--work_dir", work_dir, "--ip", "127.0.0.1",
             "--hostname", "127.0.0.1", "--port", str(self.port)], stdout=self.log, stderr=self.log)

    def __enter__(self):
        Cluster.wait_for(self.framework_id, "tepui services to subscribe")
        return self

    def __exit__(self, *exc):
        self.stop()
        self.log.close()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            return self.proc.wait(timeout=30)
        return self.proc.returncode

    def info(self):
        status, _, body = get(self.address, "/v2/info")
        assert status == 200, (status, body)
        return json.loads(body)

    def framework_id(self):
        try:
            return self.info()["frameworkId"]
        except OSError:
            return None


class ServicesTest(unittest.TestCase):
    def test_help_and_bad_flags(self):
        code, out, _ = run("--help")
        self.assertEqual(code, 0)
        self.assertIn("--zk", out)
        self.assertIn("--event_stream_ring_size", out)
        code, _, err = run("--master", "127.0.0.1:5050")
        self.assertEqual(code, 1)
        self.assertIn("either --zk or --work_dir is required", err)
        code, _, err = run("--master", "nowhere", "--work_dir", "/tmp")
        self.assertEqual(code, 1)
        self.assertIn("invalid --master 'nowhere'", err)
        code, _, err = run("--work_dir", "/tmp", "--max_versions", "0")
        self.assertEqual(code, 1)
        self.assertIn("--max_versions must be at least 1", err)
        code, _, err = run("--bogus")
        self.assertEqual(code, 2)
        self.assertIn("bogus", err)

    def test_endpoints_events_and_restart(self):
        work_dir = tempfile.mkdtemp(prefix="tepui-e2e-services-")
        try:
            with Cluster(TEPUI, agents=1) as cluster:
                with Services(cluster.master, work_dir) as services:
                    framework_id = services.framework_id()
                    self.assertEqual(get(services.address, "/ping")[2], b"pong")
                    info = services.info()
                    self.assertTrue(info["elected"])
                    self.assertEqual(info["leader"], services.address)
                    status, _, body = get(services.address, "/v2/leader")
                    self.assertEqual((status, json.loads(body)), (200, {"leader": services.address}))

                    conn = http.client.HTTPConnection("127.0.0.1", services.port, timeout=10)
                    conn.request("GET", "/v2/events", headers={"Accept": "text/event-stream"})
                    resp = conn.getresponse()
                    self.assertEqual(resp.status, 200)
                    self.assertEqual(resp.getheader("Content-Type"), "text/event-stream")
                    frame = {}
                    while True:
                        line = resp.fp.readline().decode().rstrip("\n")
                        if not line:
                            break
                        key, _, value = line.partition(": ")
                        frame[key] = value
                    conn.close()
                    self.assertEqual(frame["event"], "event_stream_attached")
                    self.assertRegex(frame["id"], r"^\w+\.1$")
                    self.assertEqual(json.loads(frame["data"])["eventType"], "event_stream_attached")
                    self.assertEqual(services.stop(), 0)

                frameworks = cluster.state()["frameworks"]
                self.assertEqual([f["id"] for f in frameworks], [framework_id])
                self.assertEqual(frameworks[0]["name"], "tepui-services")

                with Services(cluster.master, work_dir) as again:
                    self.assertEqual(again.framework_id(), framework_id)
        finally:
            shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    TEPUI = tepui_binary(sys.argv)
    unittest.main(verbosity=2)
