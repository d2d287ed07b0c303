"""Test harness for end-to-end tests of the built tepui binary.

Starts `tepui local` as a separate process on free ports, and speaks the v1
scheduler API to it with nothing but the Python standard library: an
independent client, so the tests check the wire format, not our own C++
client against itself.
"""

import base64
import http.client
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time


def tepui_binary(argv):
    """The tepui binary under test: `--tepui PATH` (taken out of argv), else
    $TEPUI, else build/src/tepui; as an absolute path."""
    path = None
    if "--tepui" in argv:
        i = argv.index("--tepui")
        path = argv[i + 1]
        del argv[i:i + 2]
    return os.path.abspath(path or os.environ.get("TEPUI", "build/src/tepui"))


class Cluster:
    """A `tepui local` process; use as a context manager."""

    def __init__(self, tepui, agents=2, resources="cpus:8;mem:4096;disk:4096;ports:[31000-32000]", extra=(),
                 services=False, jobs=False):
        self.tepui = tepui
        self.work_dir = tempfile.mkdtemp(prefix="tepui-e2e-")
        os.chmod(self.work_dir, 0o755)  # tasks may run as other users
        self.args = [tepui, "local", "--port", "0", "--agents", str(agents),
                     "--work_dir", self.work_dir, "--resources", resources,
                     "--services=%s" % ("true" if services else "false"),
                     "--jobs=%s" % ("true" if jobs else "false"), *extra]
        self.proc = None
        self.master = None   # the leading master
        self.masters = []    # all of them (one unless `--masters N` is in extra)
        self.services = None  # the service scheduler's API, unless --services=false
        self.jobs = None  # the job scheduler's API, unless --jobs=false
        self.agents = agents

    def __enter__(self):
        self.log = open(os.path.join(self.work_dir, "local.log"), "w+")
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=self.log, text=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("tepui local exited: " + self.logs())
            m = re.search(r"masters?:((?:\s+http://[\d.]+:\d+)+)", line)
            if m:
                self.masters = re.findall(r"http://([\d.]+:\d+)", m.group(1))
            m = re.search(r"services: http://([\d.]+:\d+)", line)
            if m:
                self.services = m.group(1)
            m = re.search(r"jobs:\s+http://([\d.]+:\d+)", line)
            if m:
                self.jobs = m.group(1)
            if line.startswith("Try:"):
                break
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()
        self.wait_for(self.find_leader, "a master to lead")
        self.wait_for(lambda: len(self.state()["slaves"]) == self.agents, "agents to register")
        return self

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
        shutil.rmtree(self.work_dir, ignore_errors=True)

    def find_leader(self):
        """Sets self.master to the master that leads now, if one does."""
        for address in self.masters:
            try:
                status, headers, _ = get(address, "/master/redirect")
            except OSError:
                continue
            if status == 307:
                self.master = headers["Location"].lstrip("/")
                return True
        return False

    def logs(self):
        self.log.flush()
        with open(self.log.name) as f:
            return f.read()[-4000:]

    def request(self, method, path, body=None, headers=None):
        host, port = self.master.split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, dict(resp.getheaders()), data

    def get_json(self, path):
        status, _, data = self.request("GET", path)
        assert status == 200, (path, status, data)
        return json.loads(data)

    def state(self):
        return self.get_json("/master/state")

    @staticmethod
    def wait_for(predicate, what, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if predicate():
                return
            time.sleep(0.05)
        raise AssertionError("timed out waiting for " + what)


def get(address, path):
    """GET http://address/path: (status, headers, body)."""
    host, port = address.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def log_tails(paths, chars=3000):
    """The end of each log file, for a failure message."""
    tails = []
    for path in paths:
        with open(path, errors="replace") as f:
            tails.append("--- %s ---\n%s" % (os.path.basename(path), f.read()[-chars:]))
    return "\n".join(tails)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ZooKeeperServer:
    """A real ZooKeeper (Debian's `zookeeper` package) on a free loopback
    port, its data in a temporary directory; a context manager."""

    SCRIPT = "/usr/share/zookeeper/bin/zkServer.sh"

    def __init__(self):
        if not os.path.exists(self.SCRIPT):
            raise RuntimeError("ZooKeeper is not installed (no %s): run scripts/install-deps.sh" % self.SCRIPT)
        self.dir = tempfile.mkdtemp(prefix="tepui-e2e-zk-")
        self.port = free_port()
        with open(os.path.join(self.dir, "zoo.cfg"), "w") as f:
            f.write("tickTime=200\ninitLimit=10\nsyncLimit=5\ndataDir=%s\nclientPort=%d\n"
                    "clientPortAddress=127.0.0.1\nadmin.enableServer=false\n"
                    "minSessionTimeout=400\nmaxSessionTimeout=60000\n" % (os.path.join(self.dir, "data"), self.port))
        self.proc = None

    def url(self, path):
        return "zk://127.0.0.1:%d%s" % (self.port, path)

    def __enter__(self):
        self.start()
        return self

    def start(self):
        log = open(os.path.join(self.dir, "zookeeper.log"), "a")
        env = dict(os.environ, ZOO_LOG_DIR=self.dir)
        self.proc = subprocess.Popen([self.SCRIPT, "start-foreground", os.path.join(self.dir, "zoo.cfg")],
                                     stdout=log, stderr=log, env=env, start_new_session=True)
        log.close()

        # It listens before it serves (its database loads after the bind):
        # `srvr` names the server's mode only once it serves.
        def serving():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"srvr")
                    answer = b""
                    while chunk := s.recv(4096):
                        answer += chunk
                    return b"Mode:" in answer
            except OSError:
                return False
        Cluster.wait_for(serving, "ZooKeeper to serve", timeout=60)

    def kill(self):
        """SIGKILL: the server dies at once; its data stays for start()."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def __exit__(self, *exc):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class Daemons:
    """A master and one agent, each its own process (`tepui master`, `tepui
    agent`), killed and restarted at will; the master keeps its registry
    under the same work dir across restarts."""

    def __init__(self, tepui, resources, agent_flags=()):
        self.tepui = tepui
        self.resources = resources
        self.agent_flags = list(agent_flags)  # given to every start of the agent
        self.dir = tempfile.mkdtemp(prefix="tepui-e2e-daemons-")
        self.port = free_port()
        self.master = None
        self.agent = None
        self.logs = {}

    def start(self, which, *extra):
        if which not in self.logs:
            self.logs[which] = open(os.path.join(self.dir, which + ".log"), "a")
        log = self.logs[which]
        if which == "master":
            args = [self.tepui, "master", "--ip", "127.0.0.1", "--port", str(self.port), "--hostname", "127.0.0.1",
                    "--work_dir", os.path.join(self.dir, "master")]
        else:
            args = [self.tepui, "agent", "--master", "127.0.0.1:%d" % self.port, "--ip", "127.0.0.1", "--port", "0",
                    "--hostname", "127.0.0.1", "--work_dir", os.path.join(self.dir, "agent"),
                    "--resources", self.resources] + self.agent_flags
        proc = subprocess.Popen(args + list(extra), stdout=log, stderr=log)
        setattr(self, which, proc)

    def up(self):
        """Starts both and waits for the agent to register; its id."""
        for _ in range(3):
            self.start("master")
            Cluster.wait_for(lambda: self.state() is not None or self.master.poll() is not None, "the master to serve")
            if self.master.poll() is None:
                break
            # Its port was taken between free_port() and its listen (by a
            # process of a test running alongside): another one.
            self.port = free_port()
        self.start("agent")
        try:
            Cluster.wait_for(lambda: len(self.connected_agents()) == 1, "the agent to register")
        except AssertionError as e:
            raise AssertionError("%s\n%s" % (e, self.log_tails())) from None
        return self.connected_agents()[0]["id"]

    def log_tails(self, chars=3000):
        """The end of each daemon's log, for a failure message."""
        for log in self.logs.values():
            log.flush()
        return log_tails([log.name for log in self.logs.values()], chars)

    def kill(self, which, sig=signal.SIGKILL):
        """Sends `sig` to the daemon and waits for it to exit."""
        proc = getattr(self, which)
        proc.send_signal(sig)
        proc.wait(timeout=15)

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
        # SIGUSR1 shuts an agent down with everything it runs (SIGTERM would
        # leave checkpointed executors running for a restarted agent).
        for proc, sig in ((self.agent, signal.SIGUSR1), (self.master, signal.SIGTERM)):
            if proc and proc.poll() is None:
                proc.send_signal(sig)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
        for log in self.logs.values():
            log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def read_recordio(stream):
    """Yields records from a file-like HTTP body in RecordIO framing."""
    while True:
        length = b""
        while True:
            c = stream.read(1)
            if not c:
                return
            if c == b"\n":
                break
            length += c
        yield stream.read(int(length))


class Scheduler:
    """A v1 scheduler over HTTP/JSON: events arrive on a queue."""

    def __init__(self, master, name="e2e", capabilities=(), failover_timeout=0, user=None):
        self.master = master
        self.info = {"user": user or os.environ.get("USER", "root"), "name": name,
                     "failover_timeout": failover_timeout,
                     "capabilities": [{"type": c} for c in capabilities]}
        self.events = queue.Queue()
        self.framework_id = None
        self.stream_id = None
        self.conn = None

    def subscribe(self):
        host, port = self.master.split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=120)
        call = {"type": "SUBSCRIBE", "subscribe": {"framework_info": self.info}}
        if self.framework_id:
            call["framework_id"] = {"value": self.framework_id}
        self.conn.request("POST", "/api/v1/scheduler", body=json.dumps(call),
                          headers={"Content-Type": "application/json", "Accept": "application/json"})
        resp = self.conn.getresponse()
        assert resp.status == 200, (resp.status, resp.read())
        assert resp.getheader("Content-Type") == "application/json"
        self.stream_id = resp.getheader("Mesos-Stream-Id")
        self.stream = resp

        # Each subscription has its own queue, so that the end of an earlier
        # stream is not mistaken for the end of this one.
        events = self.events = queue.Queue()

        def pump():
            try:
                for record in read_recordio(resp):
                    events.put(json.loads(record))
            except Exception:  # the connection was closed under us
                pass
            events.put(None)

        threading.Thread(target=pump, daemon=True).start()
        event = self.next_event("SUBSCRIBED")
        self.framework_id = event["subscribed"]["framework_id"]["value"]
        self.info["id"] = {"value": self.framework_id}
        return event

    def next_event(self, *types, timeout=30):
        deadline = time.time() + timeout
        while True:
            remaining = deadline - time.time()
            if remaining <= 0:
                raise AssertionError("no %s event within %ss" % (types, timeout))
            event = self.events.get(timeout=remaining)
            if event is None:
                raise AssertionError("event stream closed while waiting for %s" % (types,))
            if not types or event["type"] in types:
                return event

    def call(self, call, stream_id=True, content_type="application/json"):
        call.setdefault("framework_id", {"value": self.framework_id})
        host, port = self.master.split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        headers = {"Content-Type": content_type}
        if stream_id:
            headers["Mesos-Stream-Id"] = self.stream_id
        conn.request("POST", "/api/v1/scheduler", body=json.dumps(call), headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, data

    def acknowledge(self, status):
        if "uuid" not in status:
            return
        code, body = self.call({"type": "ACKNOWLEDGE", "acknowledge": {
            "agent_id": status["agent_id"], "task_id": status["task_id"], "uuid": status["uuid"]}})
        assert code == 202, (code, body)

    def acknowledge_until(self, state, timeout=30):
        """Acknowledges every update until one in `state` (returned)."""
        while True:
            status = self.next_event("UPDATE", timeout=timeout)["update"]["status"]
            self.acknowledge(status)
            if status["state"] == state:
                return status

    def disconnect(self):
        """Drops the SUBSCRIBE connection at once, as a crashed scheduler's
        would be dropped (closing the client's objects alone leaves the
        socket open while the reader thread holds it)."""
        self.stream.fp.raw._sock.shutdown(socket.SHUT_RDWR)

    def close(self):
        if self.conn:
            self.conn.close()


def task(task_id, agent_id, cmd, cpus=0.1, mem=16, **extra):
    t = {"name": task_id, "task_id": {"value": task_id}, "agent_id": {"value": agent_id},
         "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": cpus}},
                       {"name": "mem", "type": "SCALAR", "scalar": {"value": mem}}],
         "command": {"value": cmd}}
    t.update(extra)
    return t


def scalar(offer, name):
    return sum(r["scalar"]["value"] for r in offer["resources"] if r["name"] == name)


def launch(scheduler, offer_ids, tasks, refuse=None):
    call = {"type": "ACCEPT", "accept": {
        "offer_ids": [{"value": o} for o in offer_ids],
        "operations": [{"type": "LAUNCH", "launch": {"task_infos": tasks}}]}}
    if refuse is not None:
        call["accept"]["filters"] = {"refuse_seconds": refuse}
    code, body = scheduler.call(call)
    assert code == 202, (code, body)


def uuid_bytes(status):
    return base64.b64decode(status["uuid"])


class Framework:
    """A subscribed scheduler for one launch: it keeps the first offer,
    declines every other for an hour (so that other frameworks get the
    agent's resources), acknowledges every update and records each task's
    latest state."""

    def __init__(self, master, name):
        self.scheduler = Scheduler(master, name=name)
        self.scheduler.subscribe()
        self.states = {}
        self.changed = threading.Condition()
        self.offer = None
        self.used = False
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        while True:
            try:
                event = self.scheduler.next_event(timeout=3600)
            except AssertionError:
                return
            with self.changed:
                if event["type"] == "OFFERS":
                    for offer in event["offers"]["offers"]:
                        if self.offer is None and not self.used:
                            self.offer = offer
                        else:
                            self.scheduler.call({"type": "DECLINE", "decline": {
                                "offer_ids": [offer["id"]], "filters": {"refuse_seconds": 3600}}})
                elif event["type"] == "UPDATE":
                    status = event["update"]["status"]
                    self.scheduler.acknowledge(status)
                    self.states[status["task_id"]["value"]] = status["state"]
                self.changed.notify_all()

    def _offer(self):
        with self.changed:
            assert self.changed.wait_for(lambda: self.offer is not None, timeout=30), "no offer"
            offer, self.offer, self.used = self.offer, None, True
            return offer

    def launch(self, task_id, cmd):
        offer = self._offer()
        launch(self.scheduler, [offer["id"]["value"]], [task(task_id, offer["agent_id"]["value"], cmd)],
               refuse=3600)

    def launch_group(self, executor_id, tasks):
        offer = self._offer()
        agent = offer["agent_id"]["value"]
        executor = {"executor_id": {"value": executor_id}, "type": "DEFAULT",
                    "framework_id": {"value": self.scheduler.framework_id},
                    "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}},
                                  {"name": "mem", "type": "SCALAR", "scalar": {"value": 32}}]}
        code, body = self.scheduler.call({"type": "ACCEPT", "accept": {
            "offer_ids": [offer["id"]], "filters": {"refuse_seconds": 3600},
            "operations": [{"type": "LAUNCH_GROUP", "launch_group": {
                "executor": executor,
                "task_group": {"tasks": [task(tid, agent, cmd) for tid, cmd in tasks]}}}]}})
        assert code == 202, (code, body)

    def wait_state(self, task_id, states, timeout=30):
        with self.changed:
            assert self.changed.wait_for(lambda: self.states.get(task_id) in states, timeout=timeout), \
                (task_id, self.states.get(task_id))
            return self.states[task_id]

    @property
    def id(self):
        return self.scheduler.framework_id

    def close(self):
        self.scheduler.close()


class Fleet:
    """A master, agents and framework daemons (`tepui services`, ...), each
    its own process, on free loopback ports; a context manager. Agents get
    distinct host names and attributes, so that placement constraints have
    something to tell apart; daemons are started, killed and restarted by
    name."""

    def __init__(self, tepui, agents=(), resources="cpus:4;mem:2048;disk:2048;ports:[31000-31999]"):
        self.tepui = tepui
        self.dir = tempfile.mkdtemp(prefix="tepui-e2e-fleet-")
        os.chmod(self.dir, 0o755)
        self.resources = resources
        self.agent_specs = list(agents)  # [(hostname, attributes)]
        self.master = None  # "127.0.0.1:port"
        self.procs = {}
        self.ports = {}

    def __enter__(self):
        port = free_port()
        self.master = "127.0.0.1:%d" % port
        self.start("master", ["master", "--ip", "127.0.0.1", "--port", str(port), "--hostname", "127.0.0.1",
                              "--work_dir", os.path.join(self.dir, "master")])
        Cluster.wait_for(lambda: self.master_state() is not None, "the master to serve")
        for k, (hostname, attributes) in enumerate(self.agent_specs):
            args = ["agent", "--master", self.master, "--ip", "127.0.0.1", "--port", "0", "--hostname", hostname,
                    "--work_dir", os.path.join(self.dir, "agent%d" % k), "--resources", self.resources]
            if attributes:
                args += ["--attributes", attributes]
            self.start("agent%d" % k, args)
        Cluster.wait_for(lambda: len([a for a in (self.master_state() or {}).get("slaves", []) if a["active"]])
                         == len(self.agent_specs), "the agents to register")
        return self

    def start(self, name, args):
        log = open(os.path.join(self.dir, name + ".log"), "a")
        self.procs[name] = subprocess.Popen([self.tepui, *args], stdout=log, stderr=log)
        log.close()

    def start_daemon(self, name, command, *extra, port=None):
        """Starts `tepui <command> --master ... --port P` and waits for it to
        answer /ping; its "127.0.0.1:P"."""
        port = port or free_port()
        self.ports[name] = port
        self.start(name, [command, "--master", self.master, "--ip", "127.0.0.1", "--port", str(port),
                          "--hostname", "127.0.0.1", *extra])

        def pinged():
            try:
                return get("127.0.0.1:%d" % port, "/ping")[0] == 200
            except OSError:
                return False
        Cluster.wait_for(pinged, name + " to answer /ping")
        return "127.0.0.1:%d" % port

    def kill(self, name, sig=signal.SIGKILL):
        proc = self.procs[name]
        if proc.poll() is None:
            proc.send_signal(sig)
            proc.wait(timeout=15)

    def master_state(self):
        try:
            status, _, body = get(self.master, "/master/state")
        except OSError:
            return None
        return json.loads(body) if status == 200 else None

    def log_tails(self, chars=3000):
        return log_tails([os.path.join(self.dir, name + ".log") for name in self.procs], chars)

    def __exit__(self, *exc):
        # Frameworks first (their tasks stay with the agents), then agents
        # with everything they run (SIGUSR1), then the master.
        order = [n for n in self.procs if not n.startswith("agent") and n != "master"]
        order += [n for n in self.procs if n.startswith("agent")] + ["master"]
        for name in order:
            proc = self.procs.get(name)
            if proc and proc.poll() is None:
                proc.send_signal(signal.SIGUSR1 if name.startswith("agent") else signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def http_json(address, method, path, body=None, timeout=10):
    """One JSON request: (status, headers, parsed body or None)."""
    host, port = address.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = data.decode(errors="replace")
        return resp.status, dict(resp.getheaders()), parsed
    finally:
        conn.close()
