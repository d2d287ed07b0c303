"""End-to-end test of the metrics of the built binary (`tepui local`): after
a task ran to the end, /metrics/prometheus on the master and on the agent is
read by the Prometheus project's own parser (python3-prometheus-client), and
every sample, mapped back to its Tepui key through its HELP line and labels,
has the value /metrics/snapshot gives that key, and the other way round."""

import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from tepui_harness import Cluster, Scheduler, get, launch, task, tepui_binary  # noqa: E402

from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

TEPUI = None
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def scrape(address):
    """The Prometheus samples of `address` as {Tepui key: value}, and the
    kinds of their families as {Tepui key: "counter" | "gauge"}."""
    status, headers, body = get(address, "/metrics/prometheus")
    assert status == 200, (status, body)
    assert headers["Content-Type"] == CONTENT_TYPE, headers
    values, kinds = {}, {}
    for family in text_string_to_metric_families(body.decode()):
        pattern = re.fullmatch(r"Tepui metric (\S+)", family.documentation)
        assert pattern, family.documentation
        for sample in family.samples:
            if family.type == "counter":
                assert sample.name.endswith("_total"), sample.name
            # Each <label> segment of the pattern takes the label's value.
            key = re.sub(r"<(\w+)>", lambda m: sample.labels[m.group(1)], pattern.group(1))
            assert key not in values, key
            values[key] = sample.value
            kinds[key] = family.type
    return values, kinds


def snapshot(address):
    status, _, body = get(address, "/metrics/snapshot")
    assert status == 200, (status, body)
    return json.loads(body)


class MetricsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = Cluster(TEPUI, agents=1, resources="cpus:2;mem:1024;disk:1024;ports:[31000-31010]").__enter__()
        slave = cls.cluster.state()["slaves"][0]
        cls.agent = slave["pid"].split("@")[1]
        scheduler = Scheduler(cls.cluster.master, name="metered")
        scheduler.info["role"] = "web"
        scheduler.subscribe()
        offer = scheduler.next_event("OFFERS")["offers"]["offers"][0]
        launch(scheduler, [offer["id"]["value"]], [task("short", offer["agent_id"]["value"], "true")])
        scheduler.acknowledge_until("TASK_FINISHED")
        cls.scheduler = scheduler
        Cluster.wait_for(lambda: snapshot(cls.cluster.master)["master/tasks_finished"] == 1
                         and snapshot(cls.agent)["slave/executors_terminated"] == 1
                         and snapshot(cls.agent)["slave/status_updates_pending"] == 0,
                         "the finished task to be counted")

    @classmethod
    def tearDownClass(cls):
        cls.scheduler.close()
        cls.cluster.__exit__(None, None, None)

    def assert_same_values(self, address):
        """Prometheus and /metrics/snapshot agree on every key. A key such
        as uptime or free memory moves between two reads, so the Prometheus
        value must lie between a snapshot read before and one read after;
        a read that straddles a fluctuation is tried again."""
        for attempt in range(20):
            before = snapshot(address)
            values, kinds = scrape(address)
            after = snapshot(address)
            self.assertEqual(set(values), set(before), "keys differ")
            wrong = {k: (before[k], v, after[k]) for k, v in values.items()
                     if not min(before[k], after[k]) <= v <= max(before[k], after[k])}
            if not wrong:
                return values, kinds
        self.fail("values differ from /metrics/snapshot: %s" % wrong)

    def test_master_prometheus_values_are_the_snapshot_values(self):
        values, kinds = self.assert_same_values(self.cluster.master)
        self.assertEqual(values["master/tasks_finished"], 1)
        self.assertEqual(kinds["master/tasks_finished"], "counter")
        self.assertEqual(kinds["master/cpus_total"], "gauge")
        self.assertEqual(values["master/cpus_total"], 2)
        self.assertIn("allocator/mesos/roles/web/shares/dominant", values)
        self.assertEqual(values["allocator/mesos/resources/mem/total"], 1024)
        for key in ("system/cpus_total", "system/load_1min", "system/mem_total_bytes", "system/mem_free_bytes"):
            self.assertIn(key, values)

    def test_agent_prometheus_values_are_the_snapshot_values(self):
        values, kinds = self.assert_same_values(self.agent)
        self.assertEqual(values["slave/tasks_finished"], 1)
        self.assertEqual(kinds["slave/tasks_finished"], "counter")
        self.assertEqual(values["slave/registered"], 1)
        self.assertEqual(values["slave/mem_total"], 1024)
        self.assertIn("system/load_15min", values)


if __name__ == "__main__":
    TEPUI = tepui_binary(sys.argv)
    unittest.main(verbosity=2)
