"""End-to-end tests of the master's registry with the built binary as
separate `tepui master` and `tepui agent` processes: a master killed and
restarted on the same work dir knows which agents it had admitted and
waits for them; one that does not come back within
--agent_reregister_timeout becomes unreachable, durably; weights survive,
and so does an agent's deactivation (DEACTIVATE_AGENT) until it is
reactivated."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from tepui_harness import Cluster, Daemons, tepui_binary  # noqa: E402

TEPUI = None
RESOURCES = "cpus:2;mem:1024;disk:512;ports:[31000-31010]"


class RegistryTest(unittest.TestCase):
    def setUp(self):
        self.d = Daemons(TEPUI, RESOURCES)
        self.addCleanup(self.d.close)
        self.agent_id = self.d.up()

    def restart_master(self, *extra):
        self.d.kill("master")
        self.d.start("master", *extra)
        Cluster.wait_for(lambda: self.d.state() is not None, "the master to serve again")

    def test_an_admitted_agent_registers_again_after_a_master_restart(self):
        status, data = self.d.request("POST", "/api/v1", {
            "type": "UPDATE_WEIGHTS", "update_weights": {"weight_infos": [{"role": "eng", "weight": 2.0}]}})
        self.assertEqual(status, 200, data)
        self.restart_master()
        Cluster.wait_for(lambda: [a["id"] for a in self.d.connected_agents()] == [self.agent_id],
                         "the agent to register again with its id")
        state = self.d.state()
        self.assertEqual(state["recovered_slaves"], [])
        self.assertEqual(state["unreachable_slaves"], 0)
        status, data = self.d.request("GET", "/weights")
        self.assertEqual(json.loads(data), [{"role": "eng", "weight": 2.0}])

    def test_an_agent_that_does_not_come_back_becomes_unreachable_for_good(self):
        self.d.kill("agent")
        self.restart_master("--agent_reregister_timeout=1secs")
        # Until the timeout, the master knows it as admitted but not back.
        recovered = self.d.state()["recovered_slaves"]
        self.assertEqual([a["id"] for a in recovered], [self.agent_id])
        Cluster.wait_for(lambda: self.d.state()["unreachable_slaves"] == 1, "the agent to become unreachable")
        self.assertEqual(self.d.state()["recovered_slaves"], [])
        # Durably: another restart still has it unreachable, not admitted.
        self.restart_master("--agent_reregister_timeout=1secs")
        state = self.d.state()
        self.assertEqual(state["unreachable_slaves"], 1)
        self.assertEqual(state["recovered_slaves"], [])

    def test_a_deactivated_agent_stays_deactivated_across_a_master_restart(self):
        def deactivated():
            status, data = self.d.request("POST", "/api/v1", {"type": "GET_AGENTS"})
            self.assertEqual(status, 200, data)
            agents = json.loads(data)["get_agents"].get("agents", [])
            return [(a["agent_info"]["id"]["value"], a["deactivated"], a["active"]) for a in agents]

        status, data = self.d.request("POST", "/api/v1", {
            "type": "DEACTIVATE_AGENT", "deactivate_agent": {"agent_id": {"value": self.agent_id}}})
        self.assertEqual(status, 200, data)
        self.assertEqual(deactivated(), [(self.agent_id, True, False)])
        self.restart_master()
        Cluster.wait_for(lambda: deactivated() == [(self.agent_id, True, False)],
                         "the agent to come back deactivated")
        status, data = self.d.request("POST", "/api/v1", {
            "type": "REACTIVATE_AGENT", "reactivate_agent": {"agent_id": {"value": self.agent_id}}})
        self.assertEqual(status, 200, data)
        self.restart_master()
        Cluster.wait_for(lambda: deactivated() == [(self.agent_id, False, True)],
                         "the agent to come back active")


if __name__ == "__main__":
    TEPUI = tepui_binary(sys.argv)
    unittest.main(verbosity=2)
