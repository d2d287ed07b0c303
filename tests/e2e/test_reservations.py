"""End-to-end test of dynamic reservations and persistent volumes with the
built binary as separate `tepui master` and `tepui agent` processes: made
through the operator API, they survive the master being killed and
restarted (the agent reports them when it registers again) and the agent
being killed and restarted on the same work dir (its checkpoint)."""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from tepui_harness import Cluster, tepui_binary  # noqa: E402

TEPUI = None
RESOURCES = "cpus:2;mem:1024;disk:512;ports:[31000-31010]"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def reserved(name, value, volume=None):
    r = {"name": name, "type": "SCALAR", "scalar": {"value": value},
         "reservations": [{"type": "DYNAMIC", "role": "eng", "principal": "ops",
                           "labels": {"labels": [{"key": "team", "value": "storage"}]}}]}
    if volume:
        r["disk"] = {"persistence": {"id": volume}, "volume": {"container_path": "data", "mode": "RW"}}
    return r


class Daemons:
    """A master and one agent, each its own process, restartable."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="tepui-e2e-reservations-")
        self.port = free_port()
        self.master = None
        self.agent = None
        self.logs = {}

    def start(self, which):
        if which not in self.logs:
            self.logs[which] = open(os.path.join(self.dir, which + ".log"), "a")
        log = self.logs[which]
        if which == "master":
            args = [TEPUI, "master", "--ip", "127.0.0.1", "--port", str(self.port), "--hostname", "127.0.0.1",
                    "--work_dir", os.path.join(self.dir, "master")]
        else:
            args = [TEPUI, "agent", "--master", "127.0.0.1:%d" % self.port, "--ip", "127.0.0.1", "--port", "0",
                    "--hostname", "127.0.0.1", "--work_dir", os.path.join(self.dir, "agent"),
                    "--resources", RESOURCES]
        proc = subprocess.Popen(args, stdout=log, stderr=log)
        setattr(self, which, proc)

    def kill(self, which):
        proc = getattr(self, which)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def request(self, method, path, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, data

    def state(self):
        try:
            status, data = self.request("GET", "/master/state")
        except OSError:
            return None
        return json.loads(data) if status == 200 else None

    def connected_agents(self):
        state = self.state()
        return [] if state is None else [a for a in state["slaves"] if a["active"]]

    def close(self):
        for proc in (self.agent, self.master):
            if proc and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
        for log in self.logs.values():
            log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class ReservationsSurviveFailuresTest(unittest.TestCase):
    def setUp(self):
        self.d = Daemons()
        self.addCleanup(self.d.close)
        self.d.start("master")
        self.d.start("agent")
        Cluster.wait_for(lambda: len(self.d.connected_agents()) == 1, "the agent to register")

    def eng_reservations(self):
        """The active agent's resources reserved to eng, in full."""
        agents = self.d.connected_agents()
        if len(agents) != 1:
            return None
        return agents[0].get("reserved_resources_full", {}).get("eng", [])

    def volume_ids(self):
        return sorted(r["disk"]["persistence"]["id"] for r in self.eng_reservations() or [] if "disk" in r)

    def test_reservation_and_volume_survive_master_and_agent_restarts(self):
        agent_id = self.d.connected_agents()[0]["id"]
        status, data = self.d.request("POST", "/api/v1", {
            "type": "RESERVE_RESOURCES",
            "reserve_resources": {"agent_id": {"value": agent_id},
                                  "resources": [reserved("cpus", 1), reserved("disk", 128)]}})
        self.assertEqual(status, 202, data)
        status, data = self.d.request("POST", "/api/v1", {
            "type": "CREATE_VOLUMES",
            "create_volumes": {"agent_id": {"value": agent_id}, "volumes": [reserved("disk", 64, "db")]}})
        self.assertEqual(status, 202, data)
        self.assertEqual(self.volume_ids(), ["db"])
        # The agent made the volume's directory under its work dir.
        volume_dir = os.path.join(self.d.dir, "agent", "volumes", "roles", "eng", "db")
        Cluster.wait_for(lambda: os.path.isdir(volume_dir), "the volume directory")
        with open(os.path.join(volume_dir, "kept"), "w") as f:
            f.write("data")

        # The master dies and comes back with nothing in memory: the agent
        # registers again and reports the reservation, labels and volume.
        self.d.kill("master")
        self.d.start("master")
        Cluster.wait_for(lambda: self.volume_ids() == ["db"], "the reservation to be back after the master restart")
        cpus = [r for r in self.eng_reservations() if r["name"] == "cpus"]
        self.assertEqual(cpus[0]["reservations"][0]["labels"]["labels"][0]["value"], "storage")
        self.assertEqual(cpus[0]["reservations"][0]["principal"], "ops")

        # The agent dies and restarts on the same work dir: its checkpoint
        # brings the reservation and the volume back, data included.
        self.d.kill("agent")
        self.d.start("agent")
        Cluster.wait_for(lambda: len(self.d.connected_agents()) == 1 and self.volume_ids() == ["db"],
                         "the restarted agent to register with its reservation")
        with open(os.path.join(volume_dir, "kept")) as f:
            self.assertEqual(f.read(), "data")
        agent = self.d.connected_agents()[0]
        self.assertEqual(agent["unreserved_resources"]["cpus"], 1)

        # DESTROY removes the directory; UNRESERVE gives everything back.
        new_id = agent["id"]
        status, data = self.d.request("POST", "/api/v1", {
            "type": "DESTROY_VOLUMES",
            "destroy_volumes": {"agent_id": {"value": new_id}, "volumes": [reserved("disk", 64, "db")]}})
        self.assertEqual(status, 202, data)
        Cluster.wait_for(lambda: not os.path.exists(volume_dir), "the volume directory to go")
        status, data = self.d.request("POST", "/api/v1", {
            "type": "UNRESERVE_RESOURCES",
            "unreserve_resources": {"agent_id": {"value": new_id},
                                    "resources": [reserved("cpus", 1), reserved("disk", 128)]}})
        self.assertEqual(status, 202, data)
        self.assertEqual(self.eng_reservations(), [])


if __name__ == "__main__":
    TEPUI = tepui_binary(sys.argv)
    unittest.main(verbosity=2)
