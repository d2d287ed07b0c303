#!/usr/bin/env python3
"""The master's own latency while operator clients poll its state
(bench/README.md, "Operator API under polling").

Starts a real ZooKeeper on loopback (only because the simulated fleet and
the scheduler find the master through it), one `tepui master --zk`,
bench_failover_fleet simulating --agents agents and
bench_failover_scheduler launching --tasks_per_agent tasks on each. Once
every task runs, a probe sends GET_HEALTH (`POST /api/v1`, answered on the
master's loop) every --probe_interval seconds over a kept-alive connection
for --seconds, and records each round trip, in phases:
  idle:        no one polls;
  get_state:   --pollers clients call GET_STATE (JSON) back to back;
  state_json:  --pollers clients GET /master/state back to back (the legacy
               endpoint, which the master builds on its loop: the contrast).
For each phase it prints the probe's p50/p99/max in ms, the answers the
pollers got per second and their size, and the master's CPU use.

  bench/operator_poll_bench.py --agents 1000 --tasks_per_agent 10 --pollers 10
"""

import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from tepui_harness import ZooKeeperServer, free_port  # noqa: E402
from failover_bench import cpu_seconds, events, first, metrics, raise_nofile  # noqa: E402

AGENT_RESOURCES = "cpus:16;mem:16384;disk:100000;ports:[31000-32000]"


def log(*args):
    print("[poll-bench]", *args, file=sys.stderr, flush=True)


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


class Poller(threading.Thread):
    """Calls one state endpoint back to back on a kept-alive connection."""

    def __init__(self, master, kind, stop):
        super().__init__(daemon=True)
        self.master, self.kind, self.stop = master, kind, stop
        self.answers = 0
        self.bytes = 0

    def run(self):
        host, port = self.master.split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=120)
        while not self.stop.is_set():
            if self.kind == "get_state":
                conn.request("POST", "/api/v1", body='{"type":"GET_STATE"}',
                             headers={"Content-Type": "application/json", "Accept": "application/json"})
            else:
                conn.request("GET", "/master/state")
            resp = conn.getresponse()
            body = resp.read()
            if resp.status != 200:
                raise RuntimeError("%s answered %d" % (self.kind, resp.status))
            self.answers += 1
            self.bytes = len(body)
        conn.close()


def probe(master, seconds, interval):
    host, port = master.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    samples = []
    end = time.time() + seconds
    while time.time() < end:
        t0 = time.perf_counter()
        conn.request("POST", "/api/v1", body='{"type":"GET_HEALTH"}',
                     headers={"Content-Type": "application/json", "Accept": "application/json"})
        resp = conn.getresponse()
        resp.read()
        samples.append((time.perf_counter() - t0) * 1000)
        time.sleep(max(0.0, interval - (time.perf_counter() - t0)))
    conn.close()
    return samples


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tepui", default=os.path.join(ROOT, "build/src/tepui"))
    p.add_argument("--fleet", default=os.path.join(ROOT, "build/bench/bench_failover_fleet"))
    p.add_argument("--scheduler", default=os.path.join(ROOT, "build/bench/bench_failover_scheduler"))
    p.add_argument("--agents", type=int, default=1000)
    p.add_argument("--tasks_per_agent", type=int, default=10)
    p.add_argument("--pollers", type=int, default=10)
    p.add_argument("--seconds", type=float, default=20)
    p.add_argument("--probe_interval", type=float, default=0.05)
    p.add_argument("--phases", default="idle,get_state,state_json")
    a = p.parse_args()

    work = tempfile.mkdtemp(prefix="tepui-poll-bench-")
    procs = []

    def start(name, argv):
        out = open(os.path.join(work, name + ".out"), "a")
        err = open(os.path.join(work, name + ".log"), "a")
        proc = subprocess.Popen(argv, stdout=out, stderr=err, preexec_fn=raise_nofile)
        procs.append(proc)
        return proc

    def wait(predicate, what, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if predicate():
                return
            time.sleep(0.2)
        raise RuntimeError("timed out waiting for %s; logs in %s" % (what, work))

    results = []
    log("logs in " + work)
    with ZooKeeperServer() as zk:
        try:
            url = zk.url("/tepui")
            master = "127.0.0.1:%d" % free_port()
            proc = start("master", [a.tepui, "master", "--zk=" + url, "--quorum=1", "--ip=127.0.0.1",
                                    "--port=" + master.split(":")[1], "--hostname=127.0.0.1"])
            wait(lambda: (metrics(master) or {}).get("master/elected") == 1, "the master to lead", 60)
            start("fleet", [a.fleet, "--zk=" + url, "--agents=%d" % a.agents, "--resources=" + AGENT_RESOURCES,
                            "--source_addresses=8"])
            wait(lambda: (metrics(master) or {}).get("master/slaves_active") == a.agents, "the agents", 600)
            start("scheduler", [a.scheduler, "--zk=" + url, "--agents=%d" % a.agents,
                                "--tasks_per_agent=%d" % a.tasks_per_agent])
            tasks = a.agents * a.tasks_per_agent
            wait(lambda: first(events(os.path.join(work, "scheduler.out")), "ready", 0), "all tasks RUNNING", 900)
            wait(lambda: (metrics(master) or {}).get("master/tasks_running") == tasks, "tasks_running", 120)
            log("%d agents, %d tasks running" % (a.agents, tasks))
            time.sleep(3)
            for phase in a.phases.split(","):
                stop = threading.Event()
                pollers = [] if phase == "idle" else [Poller(master, phase, stop) for _ in range(a.pollers)]
                for t in pollers:
                    t.start()
                time.sleep(1 if pollers else 0)
                cpu0 = cpu_seconds(proc.pid)
                counts0 = [t.answers for t in pollers]
                t0 = time.time()
                samples = probe(master, a.seconds, a.probe_interval)
                elapsed = time.time() - t0
                cpu = (cpu_seconds(proc.pid) - cpu0) / elapsed
                answers = sum(t.answers for t in pollers) - sum(counts0)
                stop.set()
                for t in pollers:
                    t.join(timeout=120)
                r = {"phase": phase, "agents": a.agents, "tasks": tasks, "pollers": len(pollers),
                     "probe_p50_ms": round(percentile(samples, 50), 2),
                     "probe_p99_ms": round(percentile(samples, 99), 2),
                     "probe_max_ms": round(max(samples), 2), "probes": len(samples),
                     "answers_per_s": round(answers / elapsed, 1),
                     "answer_mb": round(max((t.bytes for t in pollers), default=0) / 1e6, 2),
                     "master_cpu": round(cpu, 2)}
                results.append(r)
                print(json.dumps(r), flush=True)
                time.sleep(2)
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
    print("%-11s %7s %7s %8s %8s %9s %7s" % ("phase", "p50 ms", "p99 ms", "max ms", "ans/s", "answer MB", "cpu"))
    for r in results:
        print("%-11s %7.2f %7.2f %8.2f %8.1f %9.2f %7.2f" % (r["phase"], r["probe_p50_ms"], r["probe_p99_ms"],
                                                          r["probe_max_ms"], r["answers_per_s"], r["answer_mb"],
                                                          r["master_cpu"]))


if __name__ == "__main__":
    main()
