"""End-to-end test of dynamic reservations and persistent volumes with the
built binary as separate `tepui master` and `tepui agent` processes: made
through the operator API, they survive the master being killed and
restarted (the agent reports them when it registers again) and the agent
being killed and restarted on the same work dir (its checkpoint)."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from tepui_harness import Cluster, Daemons, tepui_binary  # noqa: E402

TEPUI = None
RESOURCES = "cpus:2;mem:1024;disk:512;ports:[31000-31010]"


def reserved(name, value, volume=None):
    r = {"name": name, "type": "SCALAR", "scalar": {"value": value},
         "reservations": [{"type": "DYNAMIC", "role": "eng", "principal": "ops",
                           "labels": {"labels": [{"key": "team", "value": "storage"}]}}]}
    if volume:
        r["disk"] = {"persistence": {"id": volume}, "volume": {"container_path": "data", "mode": "RW"}}
    return r


class ReservationsSurviveFailuresTest(unittest.TestCase):
    def setUp(self):
        self.d = Daemons(TEPUI, RESOURCES)
        self.addCleanup(self.d.close)
        self.d.up()

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
