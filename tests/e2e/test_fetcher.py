"""End-to-end: CommandInfo.uris under a real `tepui local`. Its agents find
tepui-fetcher next to tepui and keep their caches under their own work
directories; a task of another user owns what was fetched for it; a failed
fetch reaches the framework with its reason. The files come from an HTTP
server of the test's own (standard library) that counts its requests."""

import collections
import functools
import http.server
import os
import shutil
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from tepui_harness import Cluster, Scheduler, launch, task, tepui_binary  # noqa: E402

TEPUI = None


class CountingHandler(http.server.SimpleHTTPRequestHandler):
    counts = collections.Counter()

    def do_GET(self):
        CountingHandler.counts[self.path] += 1
        super().do_GET()

    def log_message(self, *args):
        pass


class FetcherTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.files = tempfile.mkdtemp(prefix="tepui-e2e-files-")
        with open(os.path.join(cls.files, "tool.sh"), "w") as f:
            f.write("#!/bin/sh\necho fetched tool\n")
        for name in ("data.txt", "mine.txt"):
            with open(os.path.join(cls.files, name), "w") as f:
                f.write("data")
        handler = functools.partial(CountingHandler, directory=cls.files)
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.cluster = Cluster(TEPUI, agents=1).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.cluster.__exit__(None, None, None)
        cls.server.shutdown()
        shutil.rmtree(cls.files, ignore_errors=True)

    def url(self, name):
        return "http://127.0.0.1:%d/%s" % (self.server.server_address[1], name)

    def run_task(self, task_id, cmd, uris, user=None):
        """Runs one command task with `uris` in a framework of its own, torn
        down afterwards; returns the task's terminal status."""
        s = Scheduler(self.cluster.master, name="fetcher-" + task_id)
        s.subscribe()
        try:
            offer = s.next_event("OFFERS")["offers"]["offers"][0]
            t = task(task_id, offer["agent_id"]["value"], cmd)
            t["command"]["uris"] = uris
            if user:
                t["command"]["user"] = user
            launch(s, [offer["id"]["value"]], [t])
            while True:
                status = s.next_event("UPDATE")["update"]["status"]
                s.acknowledge(status)
                if status["state"] not in ("TASK_STAGING", "TASK_STARTING", "TASK_RUNNING"):
                    return status
        finally:
            s.call({"type": "TEARDOWN"})
            s.close()

    def test_uris_are_fetched_and_a_cached_one_downloaded_once(self):
        cached = {"value": self.url("data.txt"), "cache": True}
        status = self.run_task("first", "./tool.sh && test \"$(cat data.txt)\" = data",
                               [{"value": self.url("tool.sh"), "executable": True}, cached])
        self.assertEqual(status["state"], "TASK_FINISHED", status.get("message"))
        status = self.run_task("second", "test \"$(cat data.txt)\" = data", [cached])
        self.assertEqual(status["state"], "TASK_FINISHED", status.get("message"))
        self.assertEqual(CountingHandler.counts["/data.txt"], 1)
        self.assertTrue(os.path.exists(os.path.join(self.cluster.work_dir, "agent-0", "fetch", "index.json")))

    def test_a_task_of_another_user_owns_what_was_fetched_for_it(self):
        if os.geteuid() != 0:
            self.skipTest("the agent switches users only when it runs as root")
        status = self.run_task("nobody", "test \"$(id -un)\" = nobody && test -O mine.txt && test -O .",
                               [{"value": self.url("mine.txt")}], user="nobody")
        self.assertEqual(status["state"], "TASK_FINISHED", status.get("message"))

    def test_a_failed_fetch_fails_the_task_with_its_reason(self):
        missing = self.url("missing.tgz")
        status = self.run_task("missing", "true", [{"value": missing}])
        self.assertEqual(status["state"], "TASK_FAILED")
        self.assertEqual(status["reason"], "REASON_CONTAINER_LAUNCH_FAILED")
        self.assertEqual(status["source"], "SOURCE_AGENT")
        self.assertEqual(status["message"],
                         "Failed to launch container: Failed to fetch '%s': HTTP status 404" % missing)


if __name__ == "__main__":
    TEPUI = tepui_binary(sys.argv)
    unittest.main(verbosity=2)
