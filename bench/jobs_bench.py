#!/usr/bin/env python3
"""Job scheduler benchmark (bench/README.md, "Job scheduler").

Starts `tepui local --jobs=false --services=false` (a master and --agents
agents) and a `tepui jobs` process of its own (so that its CPU and memory
are its own), posts --jobs scheduled jobs through the Chronos-compatible
API, each `true` with a period staggered between --min_period and
--min_period + --jobs_per_period... seconds and a first due time spread
evenly over --spread seconds, waits until every job has run once, and
reports:
  - posting: the time to POST every job (one request after the other);
  - lateness of each first run: launched (the ACCEPT sent, launchedAt)
    minus due, and started (TASK_RUNNING, startedAt) minus due: p50, p90,
    p99, max;
  - missed: jobs whose first run did not happen (none expected);
  - the jobs daemon's CPU (user + system seconds over the runs' window,
    and as a share of one core) and memory (VmRSS with every job loaded,
    VmHWM at the end).
Prints a table and one JSON line (appended to --results).

  bench/jobs_bench.py [--build build] [--jobs 10000] [--spread 200] [--agents 4]
"""

import argparse
import datetime
import os
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from bench_util import LocalCluster, private_binaries, report  # noqa: E402
from tepui_harness import free_port, http_json  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def log(*args):
    print("[jobs-bench]", *args, file=sys.stderr, flush=True)


def wait(predicate, what, timeout, poll=0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if predicate():
                return
        except OSError:
            pass
        time.sleep(poll)
    raise SystemExit("jobs-bench: timed out waiting for " + what)


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def memory_kb(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def percentiles(values):
    if not values:
        return {}
    s = sorted(values)

    def rank(q):
        return s[min(len(s) - 1, max(0, int(round(q * len(s) + 0.5)) - 1))]  # nearest rank
    return {"p50": rank(0.5), "p90": rank(0.9), "p99": rank(0.99), "max": s[-1], "n": len(s)}


def iso(epoch_seconds):
    return datetime.datetime.fromtimestamp(epoch_seconds, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--jobs", type=int, default=10000)
    parser.add_argument("--spread", type=float, default=200, help="seconds over which the first runs fall due")
    parser.add_argument("--lead", type=float, default=20, help="seconds after posting until the first due time")
    parser.add_argument("--min_period", type=int, default=3600)
    parser.add_argument("--agents", type=int, default=4)
    parser.add_argument("--results", default="")
    args = parser.parse_args()

    work, tepui = private_binaries(args.build, "tepui-jobs-bench-")
    local = LocalCluster(tepui, args.agents, work, extra=("--services=false", "--jobs=false"))
    jobs_proc = None
    results = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "jobs": args.jobs, "agents": args.agents,
               "spread_s": args.spread, "nproc": os.cpu_count()}
    try:
        master = local.master
        wait(lambda: len(http_json(master, "GET", "/master/state-summary")[2]["slaves"]) == args.agents,
             "the agents", 60)
        port = free_port()
        api = "127.0.0.1:%d" % port
        jobs_proc = subprocess.Popen(
            [tepui, "jobs", "--master", master, "--ip", "127.0.0.1", "--port", str(port), "--hostname", "127.0.0.1",
             "--work_dir", os.path.join(work, "jobs"), "--task_history_limit", "5"],
            stdout=open(os.path.join(work, "jobs.log"), "w"), stderr=subprocess.STDOUT)
        wait(lambda: http_json(api, "GET", "/metrics")[2]["jobs/framework/subscribed"] == 1, "tepui jobs", 60)
        log("master %s, tepui jobs %s (pid %d)" % (master, api, jobs_proc.pid))

        first_due = time.time() + args.lead + args.jobs / 500.0  # room for the posts
        first_due = float(int(first_due) + 1)
        t0 = time.time()
        for k in range(args.jobs):
            start = first_due + int(k * args.spread / args.jobs)
            period = args.min_period + k % 600
            job = {"name": "bench-%05d" % k, "command": "true", "cpus": 0.01, "mem": 4, "retries": 0,
                   "schedule": "R/%s/PT%dS" % (iso(start), period)}
            status, _, body = http_json(api, "POST", "/scheduler/iso8601", job, timeout=30)
            if status != 204:
                raise SystemExit("jobs-bench: POST job %d: %s %s" % (k, status, body))
        posted = time.time() - t0
        results["post_s"] = round(posted, 2)
        results["posts_per_s"] = round(args.jobs / posted, 1)
        log("posted %d jobs in %.1f s (%.0f/s)" % (args.jobs, posted, args.jobs / posted))
        if time.time() > first_due - 1:
            raise SystemExit("jobs-bench: posting took longer than --lead; raise it")
        rss_loaded = memory_kb(jobs_proc.pid, "VmRSS")
        time.sleep(max(0.0, first_due - time.time()))
        cpu0, w0 = cpu_seconds(jobs_proc.pid), time.time()

        # The window, and then time for the last runs to end.
        time.sleep(max(0.0, first_due + args.spread + 15 - time.time()))
        cpu1, w1 = cpu_seconds(jobs_proc.pid), time.time()
        results["jobs_daemon"] = {"cpu_s": round(cpu1 - cpu0, 2), "window_s": round(w1 - w0, 1),
                                  "cpu_share_of_one_core": round((cpu1 - cpu0) / (w1 - w0), 3),
                                  "rss_mb_loaded": round(rss_loaded / 1024, 1),
                                  "hwm_mb": round(memory_kb(jobs_proc.pid, "VmHWM") / 1024, 1)}
        launched, started, missed, failed = [], [], 0, 0
        for k in range(args.jobs):
            status, _, runs = http_json(api, "GET", "/scheduler/job/bench-%05d/runs" % k, timeout=30)
            ended = [r for r in runs if r["state"] in ("finished", "failed", "killed")]
            if not ended:
                missed += 1
                continue
            first = min(ended, key=lambda r: r["due"])
            if first["state"] != "finished":
                failed += 1
            if "launchedAt" in first:
                launched.append(first["launchedAt"] - first["due"])
            if "startedAt" in first:
                started.append(first["startedAt"] - first["due"])
        results["launch_lateness_ms"] = percentiles(launched)
        results["start_lateness_ms"] = percentiles(started)
        results["missed"] = missed
        results["failed"] = failed
        log("launched - due (ms): %s" % results["launch_lateness_ms"])
        log("started - due (ms): %s" % results["start_lateness_ms"])
        log("missed %d, failed %d; tepui jobs: %s" % (missed, failed, results["jobs_daemon"]))
    finally:
        if jobs_proc and jobs_proc.poll() is None:
            jobs_proc.send_signal(signal.SIGTERM)
            jobs_proc.wait(timeout=60)
        local.stop()
        shutil.rmtree(work, ignore_errors=True)
    report(results, args.results)


if __name__ == "__main__":
    main()
