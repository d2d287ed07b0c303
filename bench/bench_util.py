"""What the Python benchmarks share: private copies of the binaries, a
`tepui local` cluster, and writing the results."""

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

AGENT_RESOURCES = "cpus:64;mem:65536;disk:100000;ports:[31000-32000]"


def private_binaries(build, prefix):
    """A fresh work directory holding copies of tepui and tepui-fetcher from
    `build` (so that a rebuild during the run cannot change them): (work
    directory, path of its tepui)."""
    work = tempfile.mkdtemp(prefix=prefix)
    tepui = os.path.join(work, "tepui")
    shutil.copy(os.path.join(build, "src", "tepui"), tepui)
    shutil.copy(os.path.join(build, "src", "tepui-fetcher"), os.path.join(work, "tepui-fetcher"))
    return work, tepui


class LocalCluster:
    """`tepui local --agents N` on loopback under `work`, with `extra` flags;
    its addresses as `tepui local` prints them: master, and services / jobs
    when they run (None otherwise). Waits for the addresses named in
    `wait_for` ("master", "services", "jobs")."""

    def __init__(self, tepui, agents, work, extra=(), wait_for=("master",)):
        self.out = open(os.path.join(work, "local.out"), "w+")
        self.err = open(os.path.join(work, "local.err"), "w")
        self.proc = subprocess.Popen(
            [tepui, "local", "--agents", str(agents), "--ip", "127.0.0.1", "--port", "0", "--work_dir",
             os.path.join(work, "cluster"), "--resources", AGENT_RESOURCES, *extra],
            stdout=self.out, stderr=self.err, start_new_session=True)
        self.master = self.services = self.jobs = None
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit("bench: tepui local exited; see " + self.err.name)
            with open(self.out.name) as f:
                text = f.read()
            for name in ("master", "services", "jobs"):
                m = re.search(name + r": +http://([0-9.]+:[0-9]+)", text)
                setattr(self, name, m and m.group(1))
            if all(getattr(self, name) for name in wait_for):
                return
            time.sleep(0.1)
        self.stop()
        raise SystemExit("bench: no addresses from tepui local within 60 s")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def report(results, path):
    """Prints the results as one JSON line, and appends it to `path` if given."""
    line = json.dumps(results)
    print(line)
    if path:
        with open(path, "a") as f:
            f.write(line + "\n")
