#!/usr/bin/env python3
"""Master failover benchmark (bench/README.md, "Master failover").

For each size and ZooKeeper session timeout: starts a real ZooKeeper on
loopback (the e2e tests' ZooKeeperServer), three `tepui master --zk --quorum=2`
processes, N agents (real `tepui agent --master=zk://` processes up to
--real_agents, else one bench_failover_fleet process simulating them) and
bench_failover_scheduler, which launches --tasks_per_agent tasks on every
agent. Once every task is RUNNING it kills the leader with SIGKILL and
measures, from the kill:
  (a) elected:    a new leader is named in ZooKeeper (first of: a surviving
                  master's /master/redirect naming a survivor, the fleet's or
                  the scheduler's detector naming it);
  (b) serving:    the new leader's /metrics/snapshot says master/elected=1
                  (it recovered the registry and serves);
  (c) offer:      the scheduler, resubscribed with its framework id, gets its
                  first OFFERS (also: its SUBSCRIBED, and every task reported
                  back to it);
  (d) agents:     all N agents re-registered with all their tasks: the new
                  leader's master/slaves_active = N and master/tasks_running
                  = N x tasks (polled every --poll_interval s), and for the
                  fleet the moment its last agent got REGISTERED.
Prints one JSON line per run (and appends it to --results) and a table.

  bench/failover_bench.py --sizes 10,1000,10000 --timeouts 2secs,default
"""

import argparse
import http.client
import json
import os
import resource
import re
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from tepui_harness import ZooKeeperServer, free_port  # noqa: E402

AGENT_RESOURCES = "cpus:16;mem:16384;disk:100000;ports:[31000-32000]"
NOFILE = 65536  # a master holds a socket per agent (two with --own_call_pool)


def log(*args):
    print("[failover-bench]", *args, file=sys.stderr, flush=True)


def get(address, path, timeout=5):
    host, port = address.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.getheader("Location"), resp.read()
    finally:
        conn.close()


def metrics(address, timeout=5):
    try:
        status, _, body = get(address, "/metrics/snapshot", timeout)
        return json.loads(body) if status == 200 else None
    except (OSError, ValueError):
        return None


def raise_nofile():
    """The soft limit up to NOFILE, or to the hard limit when that is lower
    (raising the hard limit needs CAP_SYS_RESOURCE)."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    soft = NOFILE if hard == resource.RLIM_INFINITY else min(NOFILE, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def events(path):
    """EVENT lines of a bench program: [(name, unix seconds, details)]."""
    out = []
    try:
        with open(path) as f:
            for line in f:
                m = re.match(r"EVENT (\S+) ([0-9.]+) ?(.*)", line)
                if m:
                    out.append((m.group(1), float(m.group(2)), m.group(3)))
    except OSError:
        pass
    return out


def log_time(line):
    """The local time of a Tepui log line ("I1202 00:12:42.123456 ..."), as
    unix seconds (the year is this one)."""
    m = re.match(r"[DIWE](\d\d)(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{6}) ", line)
    if not m:
        return None
    mon, day, h, mi, sec, us = (int(g) for g in m.groups())
    year = time.localtime().tm_year
    return time.mktime((year, mon, day, h, mi, sec, 0, 0, -1)) + us / 1e6


def cpu_seconds(pid):
    """User + system CPU seconds a live process has used so far, or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def first(evs, name, after, details=""):
    return next((t for n, t, d in evs if n == name and t >= after and details in d), None)


class Run:
    def __init__(self, args, size, timeout):
        self.args, self.size, self.timeout = args, size, timeout
        self.tasks = size * args.tasks_per_agent
        self.real = size <= args.real_agents
        self.dir = tempfile.mkdtemp(prefix="tepui-failover-bench-")
        self.procs = {}
        self.masters = []

    def start(self, name, argv, **kw):
        out = open(os.path.join(self.dir, name + ".out"), "a")
        err = open(os.path.join(self.dir, name + ".log"), "a")
        self.procs[name] = subprocess.Popen(argv, stdout=out, stderr=err, preexec_fn=raise_nofile, **kw)
        out.close()
        err.close()
        return self.procs[name]

    def stop_all(self):
        for p in self.procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs.values():
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def start_master(self, m):
        argv = [self.args.tepui, "master", "--zk=" + self.url, "--quorum=2", "--ip=127.0.0.1",
                "--port=" + m.split(":")[1], "--hostname=127.0.0.1"]
        if self.timeout != "default":
            argv.append("--zk_session_timeout=" + self.timeout)
        env = dict(os.environ, **dict(kv.split("=", 1) for kv in self.args.master_env))
        self.start(m, argv, env=env)

    def wait(self, predicate, what, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            v = predicate()
            if v:
                return v
            for name, p in list(self.procs.items()):
                if p.poll() is not None and name in self.masters and self.killed is None:
                    # A master that gave up before the kill is restarted, as
                    # its supervisor would (before the election fix in this
                    # series, a check racing the contender's join could find
                    # "its znode gone" and stop the master).
                    log("master %s exited (%s) before the kill; restarting it" % (name, p.returncode))
                    self.start_master(name)
                elif p.poll() is not None and name != self.killed:
                    raise RuntimeError("%s exited (%s) while waiting for %s; see %s" % (name, p.returncode, what,
                                                                                       self.dir))
            time.sleep(0.2)
        raise RuntimeError("timed out after %ss waiting for %s; logs in %s" % (timeout, what, self.dir))

    def execute(self):
        a = self.args
        self.killed = None
        with ZooKeeperServer() as zk:
            try:
                return self._execute(zk)
            finally:
                self.stop_all()

    def _execute(self, zk):
        a = self.args
        url = zk.url("/tepui")
        masters = ["127.0.0.1:%d" % free_port() for _ in range(3)]
        self.masters = masters
        self.url = url
        for m in masters:
            self.start_master(m)

        def elected():
            return next((m for m in masters if (metrics(m) or {}).get("master/elected") == 1), None)
        leader = self.wait(elected, "a leader", 60)
        log("leader %s; starting %d %s agents" % (leader, self.size, "real" if self.real else "simulated"))
        if self.real:
            for i in range(self.size):
                self.start("agent-%d" % i, [a.tepui, "agent", "--master=" + url, "--ip=127.0.0.1", "--port=0",
                                            "--hostname=127.0.0.1", "--work_dir=" + os.path.join(self.dir, "a%d" % i),
                                            "--resources=" + AGENT_RESOURCES])
        else:
            self.start("fleet", [a.fleet, "--zk=" + url, "--agents=%d" % self.size, "--resources=" + AGENT_RESOURCES] +
                       ["--register_rate=%g" % a.register_rate, "--source_addresses=%d" % a.source_addresses] +
                       (["--own_call_pool"] if a.own_call_pool else []))
        self.wait(lambda: (metrics(leader) or {}).get("master/slaves_active") == self.size, "the agents", 600)
        log("%d agents registered; starting the scheduler (%d tasks)" % (self.size, self.tasks))
        self.start("scheduler", [a.scheduler, "--zk=" + url, "--agents=%d" % self.size,
                                 "--tasks_per_agent=%d" % a.tasks_per_agent])
        sched_out = os.path.join(self.dir, "scheduler.out")
        self.wait(lambda: first(events(sched_out), "ready", 0), "all tasks RUNNING", 900)
        self.wait(lambda: (metrics(leader) or {}).get("master/tasks_running") == self.tasks, "tasks_running", 120)
        time.sleep(a.settle)
        survivors = [m for m in masters if m != leader]
        load = open("/proc/loadavg").read().split()[:3]

        log("SIGKILL to the leader %s" % leader)
        self.killed = leader
        watched = {name: p for name, p in self.procs.items() if name != leader and not name.startswith("agent-")}
        cpu_at_kill = {name: cpu_seconds(p.pid) for name, p in watched.items()}
        profiler = None
        if a.profile_seconds > 0:
            # The survivors, the fleet and the scheduler, from just before
            # the kill; `perf report -i DIR/perf.data --pid=...` per process.
            profiler = subprocess.Popen(
                ["perf", "record", "-q", "-F", "250", "--call-graph", "dwarf,16384", "-o",
                 os.path.join(self.dir, "perf.data"), "-p", ",".join(str(p.pid) for p in watched.values()), "--",
                 "sleep", str(a.profile_seconds)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.5)
        killed = time.time()
        self.procs[leader].send_signal(signal.SIGKILL)
        self.procs[leader].wait()

        elected = serving = agents_back = cpu_used = None
        new_leader = None
        deadline = killed + a.run_timeout
        while time.time() < deadline and (serving is None or agents_back is None):
            if elected is None:
                for m in survivors:
                    try:
                        status, location, _ = get(m, "/master/redirect", 2)
                    except OSError:
                        continue
                    if status == 307 and location and location.lstrip("/") in survivors:
                        elected, new_leader = time.time(), location.lstrip("/")
                        break
            if serving is None:
                for m in survivors:
                    if (metrics(m, 5) or {}).get("master/elected") == 1:
                        serving, new_leader = time.time(), m
                        elected = elected or serving
                        break
            elif agents_back is None:
                snap = metrics(new_leader, 30) or {}
                if snap.get("master/slaves_active") == self.size and snap.get("master/tasks_running") == self.tasks:
                    agents_back = time.time()
                    # Who worked between the kill and now: the CPU seconds of
                    # each process (two cores here, so at most 2 per second).
                    cpu_used = {name: round(cpu_seconds(p.pid) - cpu_at_kill[name], 2)
                                for name, p in watched.items()
                                if cpu_at_kill.get(name) is not None and cpu_seconds(p.pid) is not None}
            time.sleep(a.poll_interval if serving else 0.02)
        if profiler:
            profiler.wait()
        if serving is None or agents_back is None:
            raise RuntimeError("the new leader did not serve and take all agents back within %ss; logs in %s" %
                               (a.run_timeout, self.dir))
        self.wait(lambda: first(events(sched_out), "first_offer", killed), "the scheduler's first offer", 60)
        if a.wait_reports:
            self.wait(lambda: first(events(sched_out), "tasks_reported", killed), "all tasks reported back", 300)

        sched = events(sched_out)
        fleet = events(os.path.join(self.dir, "fleet.out"))
        detected = [t for t in (first(sched, "leader_detected", killed), first(fleet, "leader_detected", killed)) if t]
        if detected:
            elected = min([elected] + detected)

        # The new leader's own log: when its contender won, and when it
        # served (the registry recovered).
        won = leads = first_rereg = last_rereg = None
        rereg = 0
        for line in open(os.path.join(self.dir, new_leader + ".log"), errors="replace"):
            stamp = log_time(line)
            if stamp is None or stamp < killed - 1:
                continue
            if won is None and "Elected leader" in line:
                won = stamp
            if leads is None and "This master leads now" in line:
                leads = stamp
            if "Agent re-registered: " in line:
                first_rereg = first_rereg or stamp
                last_rereg, rereg = stamp, rereg + 1

        def since(t):
            return None if t is None else round(t - killed, 3)
        result = {
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(killed)),
            "agents": self.size, "tasks": self.tasks, "real_agents": self.real,
            "own_call_pool": bool(self.args.own_call_pool and not self.real),
            "zk_session_timeout": self.timeout, "loadavg_before": load, "nproc": os.cpu_count(),
            "elected_s": since(elected), "serving_s": since(serving),
            "won_log_s": since(won), "leads_log_s": since(leads),
            "resubscribed_s": since(first(sched, "subscribed", killed)),
            "first_offer_s": since(first(sched, "first_offer", killed)),
            "tasks_reported_to_scheduler_s": since(first(sched, "tasks_reported", killed)),
            "fleet_all_registered_s": since(first(fleet, "all_registered", killed)),
            "fleet_registers_issued_s": since(first(fleet, "registers_issued", killed)),
            "agents_and_tasks_back_s": since(agents_back),
            "won_to_fleet_all_registered_s": None if won is None or first(fleet, "all_registered", killed) is None
            else round(first(fleet, "all_registered", killed) - won, 3),
            "first_reregistration_log_s": since(first_rereg), "last_reregistration_log_s": since(last_rereg),
            "reregistrations_logged": rereg,
            "cpu_s_kill_to_agents_back": cpu_used, "pids": {name: p.pid for name, p in watched.items()}, "source_addresses": self.args.source_addresses,
            "master_env": self.args.master_env,
            "new_leader": new_leader, "logs": self.dir,
        }
        return result


def main():
    build = os.path.join(ROOT, "build")
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="10,1000,10000")
    p.add_argument("--timeouts", default="2secs,default", help="--zk_session_timeout values; 'default' = unset")
    p.add_argument("--tasks_per_agent", type=int, default=10)
    p.add_argument("--real_agents", type=int, default=10, help="sizes up to this use real `tepui agent` processes")
    p.add_argument("--own_call_pool", action="store_true",
                   help="each simulated agent its own pool for its calls (two sockets per agent on both sides)")
    p.add_argument("--register_rate", type=float, default=250,
                   help="simulated agents registering for the first time per second (setup only; 0 = all at once)")
    p.add_argument("--source_addresses", type=int, default=16,
                   help="loopback addresses the fleet's event streams connect from (0 = all from 127.0.0.1)")
    p.add_argument("--profile_seconds", type=float, default=0,
                   help="record a perf profile (with call graphs) of the survivors, the fleet and the scheduler "
                   "for this long from the kill, into the run's log directory")
    p.add_argument("--master_env", action="append", default=[], metavar="KEY=VALUE",
                   help="an environment variable for the masters (e.g. GLIBC_TUNABLES=glibc.malloc.hugetlb=1)")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--settle", type=float, default=3, help="seconds between all tasks RUNNING and the kill")
    p.add_argument("--poll_interval", type=float, default=0.1, help="seconds between metrics polls after (b)")
    p.add_argument("--run_timeout", type=float, default=300)
    p.add_argument("--wait_reports", action="store_true", help="also wait until every task was reported back")
    p.add_argument("--results", help="append the JSON lines to this file")
    p.add_argument("--tepui", default=os.path.join(build, "src", "tepui"))
    p.add_argument("--fleet", default=os.path.join(build, "bench", "bench_failover_fleet"))
    p.add_argument("--scheduler", default=os.path.join(build, "bench", "bench_failover_scheduler"))
    args = p.parse_args()
    raise_nofile()
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        for timeout in args.timeouts.split(","):
            for _ in range(args.repeat):
                log("run: %d agents, zk_session_timeout %s" % (size, timeout))
                result = Run(args, size, timeout).execute()
                print(json.dumps(result), flush=True)
                if args.results:
                    with open(args.results, "a") as f:
                        f.write(json.dumps(result) + "\n")
                rows.append(result)
    print("\n| agents | tasks | session timeout | (a) elected | won (log) | (b) serving | leads (log) | resubscribed | "
          "(c) first offer | (d) agents+tasks back | fleet all registered |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print("| %d | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["agents"], r["tasks"], r["zk_session_timeout"], r["elected_s"], r["won_log_s"], r["serving_s"],
            r["leads_log_s"], r["resubscribed_s"], r["first_offer_s"], r["agents_and_tasks_back_s"],
            r["fleet_all_registered_s"]))


if __name__ == "__main__":
    main()
