#!/usr/bin/env python3
"""Service scheduler benchmark (bench/README.md, "Service scheduler").

Starts `tepui local` (master, --agents agents, the service scheduler) and
measures, through the Marathon-compatible API only, as a user sees it:
  (a) one app of --instances instances (`sleep`, no ports, no health
      check): from POST /v2/apps to its deployment succeeded, and to the
      master counting every instance TASK_RUNNING;
  (b) replacing --replace of them killed through the API
      (POST /v2/tasks/delete, no scale): from the call to the app running
      --instances instances again, none of the killed ones among them;
  (c) replacing --replace of them whose processes crashed (SIGKILL of the
      task's process on the machine; the app has backoffSeconds 0 so that
      the launch backoff, which a mass crash would otherwise raise to its
      maximum, does not hide the scheduler's speed): from the kills to
      --instances running again;
  (d) --apps apps of --app_instances instances each, posted one after the
      other as fast as the API answers: from the first POST to every
      deployment succeeded.
Polls every --poll seconds. Prints a table and one JSON line (appended to
--results).

  bench/services_bench.py [--build build] [--agents 10] [--instances 1000]
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from bench_util import LocalCluster, private_binaries, report  # noqa: E402
from tepui_harness import http_json  # noqa: E402



def log(*args):
    print("[services-bench]", *args, file=sys.stderr, flush=True)


def call(address, method, path, body=None):
    status, _, parsed = http_json(address, method, path, body, timeout=30)
    return status, parsed


def wait(predicate, what, timeout, poll):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return time.time()
        time.sleep(poll)
    raise SystemExit("services-bench: timed out waiting for " + what)


def app(app_id, instances, marker):
    # `marker` makes the command line of this app's processes unique, so
    # that phase (c) finds them with pgrep.
    return {"id": app_id, "cmd": "exec sleep %d" % marker, "cpus": 0.01, "mem": 4, "disk": 0,
            "instances": instances, "portDefinitions": [], "backoffSeconds": 0}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--instances", type=int, default=1000)
    parser.add_argument("--replace", type=int, default=100)
    parser.add_argument("--apps", type=int, default=100)
    parser.add_argument("--app_instances", type=int, default=10)
    parser.add_argument("--poll", type=float, default=0.05)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--results", default="")
    args = parser.parse_args()

    work, tepui = private_binaries(args.build, "tepui-services-bench-")
    cluster = LocalCluster(tepui, args.agents, work, wait_for=("master", "services"))
    svc, poll = cluster.services, args.poll
    results = {"date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "agents": args.agents,
               "nproc": os.cpu_count()}
    try:
        wait(lambda: call(svc, "GET", "/v2/info")[1]["frameworkId"] is not None, "the services to subscribe",
             60, poll)
        wait(lambda: len(call(cluster.master, "GET", "/master/state-summary")[1]["slaves"]) == args.agents,
             "the agents to register", 60, poll)
        log("cluster up: master %s, services %s" % (cluster.master, svc))

        def deployment_done(deployment_id):
            status, body = call(svc, "GET", "/v2/deployments/" + deployment_id)
            if status != 200:
                raise SystemExit("services-bench: GET deployment %s: %s %s" % (deployment_id, status, body))
            if body["status"] == "failed":
                raise SystemExit("services-bench: deployment failed: %s" % body)
            return body["status"] == "succeeded"

        def running(app_id):
            status, body = call(svc, "GET", "/v2/apps" + app_id)
            return body["app"]["tasksRunning"] if status == 200 else -1

        # (a) one big app.
        big, n = "/bench/big", args.instances
        t0 = time.time()
        status, body = call(svc, "POST", "/v2/apps", app(big, n, 100001))
        if status != 201:
            raise SystemExit("services-bench: POST %s: %s %s" % (big, status, body))
        deployment = body["deployments"][0]["id"]
        t_running = wait(lambda: running(big) == n, "%d instances running" % n, args.timeout, poll)
        t_done = wait(lambda: deployment_done(deployment), "the deployment", args.timeout, poll)
        results["big_app"] = {"instances": n, "all_running_s": round(t_running - t0, 2),
                              "deployment_s": round(t_done - t0, 2),
                              "instances_per_s": round(n / (t_running - t0), 1)}
        log("(a) %d instances: all running after %.2f s, deployment succeeded after %.2f s"
            % (n, t_running - t0, t_done - t0))

        def task_ids(app_id):
            return {t["id"] for t in call(svc, "GET", "/v2/apps%s/tasks" % app_id)[1]["tasks"]}

        def replaced(app_id, gone):
            def check():
                ids = task_ids(app_id)
                return len(ids) == n and not ids & gone and running(app_id) == n
            return check

        # (b) kill some through the API.
        victims = sorted(task_ids(big))[:args.replace]
        t0 = time.time()
        status, body = call(svc, "POST", "/v2/tasks/delete", {"ids": victims})
        if status != 200:
            raise SystemExit("services-bench: POST /v2/tasks/delete: %s %s" % (status, body))
        t1 = wait(replaced(big, set(victims)), "killed instances to be replaced", args.timeout, poll)
        results["replace_killed"] = {"killed": len(victims), "replaced_s": round(t1 - t0, 2)}
        log("(b) %d killed through the API: replaced after %.2f s" % (len(victims), t1 - t0))

        # (c) crash some: SIGKILL their processes.
        before = task_ids(big)
        pids = subprocess.run(["pgrep", "-f", "^sleep 100001$"], capture_output=True, text=True).stdout.split()
        if len(pids) < args.replace:
            raise SystemExit("services-bench: found %d task processes, expected %d" % (len(pids), n))
        t0 = time.time()
        for pid in pids[:args.replace]:
            os.kill(int(pid), signal.SIGKILL)

        def crashed_replaced():
            ids = task_ids(big)
            return len(ids) == n and len(before - ids) == args.replace and running(big) == n
        t1 = wait(crashed_replaced, "crashed instances to be replaced", args.timeout, poll)
        results["replace_crashed"] = {"crashed": args.replace, "replaced_s": round(t1 - t0, 2)}
        log("(c) %d crashed: replaced after %.2f s" % (args.replace, t1 - t0))

        status, body = call(svc, "DELETE", "/v2/apps" + big)
        wait(lambda: deployment_done(body["deploymentId"]), "the big app to go", args.timeout, poll)
        wait(lambda: not subprocess.run(["pgrep", "-f", "^sleep 100001$"], capture_output=True).stdout,
             "the big app's processes to end", 120, 0.5)

        # (d) many small apps.
        t0 = time.time()
        deployments = []
        for k in range(args.apps):
            status, body = call(svc, "POST", "/v2/apps", app("/bench/small-%03d" % k, args.app_instances, 100002))
            if status != 201:
                raise SystemExit("services-bench: POST small app %d: %s %s" % (k, status, body))
            deployments.append(body["deployments"][0]["id"])
        t_posted = time.time()
        pending = list(deployments)

        def all_done():
            pending[:] = [d for d in pending if not deployment_done(d)]
            return not pending
        t1 = wait(all_done, "the small apps' deployments", args.timeout, poll)
        results["many_apps"] = {"apps": args.apps, "instances_each": args.app_instances,
                                "posted_s": round(t_posted - t0, 2), "all_succeeded_s": round(t1 - t0, 2)}
        log("(d) %d apps x %d: posted in %.2f s, all deployments succeeded after %.2f s"
            % (args.apps, args.app_instances, t_posted - t0, t1 - t0))
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)

    report(results, args.results)


if __name__ == "__main__":
    main()
