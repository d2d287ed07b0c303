#!/usr/bin/python3
"""A custom executor written against the v1 executor HTTP API (JSON), with
nothing but the Python standard library, for the end-to-end tests. The agent
starts it as a framework's ExecutorInfo.command.

What it does with a task depends on the task's `data` (base64 of one word):
  finish     TASK_RUNNING, then TASK_FINISHED
  hold       TASK_RUNNING, then waits for KILL (TASK_KILLED)
  crash      TASK_RUNNING, then the executor exits with status 3
  reconnect  TASK_RUNNING, then drops its event stream before the update is
             acknowledged and subscribes again, handing back the task and the
             update as unacknowledged; TASK_FINISHED once acknowledged
Tasks of a LAUNCH_GROUP all run as `finish`.

Right after SUBSCRIBED it sends the framework a MESSAGE with its MESOS_*
environment (JSON) and with the status codes the agent gave to calls it
refuses (garbage, a truncated body, a bad uuid, STAGING, an unknown executor).
A MESSAGE from the framework is echoed back prefixed with "echo:". On
SHUTDOWN it reports its running tasks TASK_KILLED and exits.
"""

import base64
import http.client
import json
import os
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tepui_harness import read_recordio  # noqa: E402

ENDPOINT = os.environ["MESOS_AGENT_ENDPOINT"]
FRAMEWORK_ID = os.environ["MESOS_FRAMEWORK_ID"]
EXECUTOR_ID = os.environ["MESOS_EXECUTOR_ID"]
HOST, PORT = ENDPOINT.rsplit(":", 1)

lock = threading.Lock()
tasks = {}            # task id -> TaskInfo (JSON) while not terminal
unacknowledged = {}   # uuid (base64) -> Call.Update (JSON)
done = threading.Event()
reconnect_after_ack = {}  # uuid -> task id, for `reconnect` tasks


def post(body, content_type="application/json"):
    conn = http.client.HTTPConnection(HOST, int(PORT), timeout=10)
    conn.request("POST", "/api/v1/executor", body=body, headers={"Content-Type": content_type})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, data


def call(kind, **fields):
    c = {"type": kind, "executor_id": {"value": EXECUTOR_ID}, "framework_id": {"value": FRAMEWORK_ID}}
    c.update(fields)
    return post(json.dumps(c))


def update(task_id, state, message=""):
    status = {"task_id": {"value": task_id}, "state": state, "source": "SOURCE_EXECUTOR",
              "uuid": base64.b64encode(uuid.uuid4().bytes).decode(), "timestamp": time.time()}
    if message:
        status["message"] = message
    with lock:
        unacknowledged[status["uuid"]] = {"status": status}
        if state in ("TASK_FINISHED", "TASK_FAILED", "TASK_KILLED"):
            tasks.pop(task_id, None)
    code, body = call("UPDATE", update={"status": status})
    assert code == 202, (code, body)
    return status["uuid"]


def message(data):
    call("MESSAGE", message={"data": base64.b64encode(data.encode()).decode()})


def refused_calls():
    """Status codes for calls the agent must refuse, without harm."""
    codes = {}
    codes["garbage"] = post(b"{this is not json")[0]
    good = json.dumps({"type": "MESSAGE", "executor_id": {"value": EXECUTOR_ID},
                       "framework_id": {"value": FRAMEWORK_ID},
                       "message": {"data": base64.b64encode(b"x").decode()}})
    codes["truncated_protobuf"] = post(b"\x08\x03\x12\x05abc", "application/x-protobuf")[0]
    codes["wrong_content_type"] = post(good, "text/plain")[0]
    bad_uuid = {"task_id": {"value": "none"}, "state": "TASK_RUNNING", "uuid": base64.b64encode(b"short").decode()}
    codes["bad_uuid"] = call("UPDATE", update={"status": bad_uuid})[0]
    staging = dict(bad_uuid, state="TASK_STAGING", uuid=base64.b64encode(uuid.uuid4().bytes).decode())
    codes["staging"] = call("UPDATE", update={"status": staging})[0]
    c = {"type": "HEARTBEAT", "executor_id": {"value": "nobody"}, "framework_id": {"value": FRAMEWORK_ID}}
    codes["heartbeat"] = post(json.dumps(c))[0]
    c = {"type": "MESSAGE", "executor_id": {"value": "nobody"}, "framework_id": {"value": FRAMEWORK_ID},
         "message": {"data": ""}}
    codes["unknown_executor"] = post(json.dumps(c))[0]
    return codes


def run_task(task):
    tid = task["task_id"]["value"]
    what = base64.b64decode(task.get("data", "")).decode() or "finish"
    with lock:
        tasks[tid] = task
    uid = update(tid, "TASK_RUNNING")
    if what == "finish":
        update(tid, "TASK_FINISHED", "finished by the custom executor")
    elif what == "crash":
        time.sleep(0.2)
        os._exit(3)
    elif what == "reconnect":
        reconnect_after_ack[uid] = tid
        return "reconnect"
    return None


def subscribe(first):
    with lock:
        body = {"unacknowledged_tasks": list(tasks.values()),
                "unacknowledged_updates": list(unacknowledged.values())}
    c = {"type": "SUBSCRIBE", "executor_id": {"value": EXECUTOR_ID}, "framework_id": {"value": FRAMEWORK_ID},
         "subscribe": body}
    conn = http.client.HTTPConnection(HOST, int(PORT), timeout=300)
    conn.request("POST", "/api/v1/executor", body=json.dumps(c),
                 headers={"Content-Type": "application/json", "Accept": "application/json"})
    resp = conn.getresponse()
    if resp.status != 200:
        sys.exit("subscription refused: %d %s" % (resp.status, resp.read()))
    for event in map(json.loads, read_recordio(resp)):
        kind = event["type"]
        if kind == "SUBSCRIBED":
            if first:
                env = {k: v for k, v in os.environ.items() if k.startswith("MESOS_") or k == "LIBPROCESS_PORT"}
                message(json.dumps({"env": env, "refused": refused_calls(),
                                    "container_id": event["subscribed"]["container_id"]["value"]}))
            else:
                message("resubscribed")
        elif kind == "LAUNCH":
            if run_task(event["launch"]["task"]) == "reconnect":
                conn.close()  # drop the stream before the agent acknowledges
                return True
        elif kind == "LAUNCH_GROUP":
            for t in event["launch_group"]["task_group"]["tasks"]:
                run_task(t)
        elif kind == "KILL":
            tid = event["kill"]["task_id"]["value"]
            update(tid, "TASK_KILLED", "killed by the custom executor")
        elif kind == "ACKNOWLEDGED":
            uid = event["acknowledged"]["uuid"]
            with lock:
                unacknowledged.pop(uid, None)
            if uid in reconnect_after_ack:
                update(reconnect_after_ack.pop(uid), "TASK_FINISHED", "finished after resubscribing")
        elif kind == "MESSAGE":
            message("echo:" + base64.b64decode(event["message"]["data"]).decode())
        elif kind == "SHUTDOWN":
            for tid in list(tasks):
                update(tid, "TASK_KILLED", "the executor was shut down")
            time.sleep(0.2)
            return False
        elif kind == "ERROR":
            sys.stderr.write("agent error: %s\n" % event["error"]["message"])
    return False


def main():
    first = True
    while subscribe(first):
        first = False
        time.sleep(0.1)


if __name__ == "__main__":
    main()
