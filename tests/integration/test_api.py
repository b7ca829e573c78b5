"""The control plane's REST API against a running `cloudplane serve` (SQLite, simulated backend):
persistence across restarts, HA restarts of API-created instances, authentication, request IDs,
and the `cloudplane ctl` client."""
import json, os, subprocess, urllib.error, urllib.request
import pytest
from harness import BIN, TOKEN, Services, wait_until


def api(port, method, path, body=None, token=TOKEN, headers=None):
    """(status, headers, decoded JSON body) of one API call."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    req.add_header("Accept", "application/json")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read() or b"null")


def task_done(port, task_id):
    _, _, t = api(port, "GET", f"/api/v1/tasks/{task_id}")
    return t if t["status"] == "stopped" else None


def node_named(port, name):
    _, _, nodes = api(port, "GET", "/api/v1/nodes")
    return next(n for n in nodes if n["name"] == name)


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_instances_tasks_and_history_survive_a_restart(backend):
    s = Services()
    data = os.path.join(s.dir, "store")
    try:
        extra = ["--database", s.postgres()] if backend == "postgres" else []
        serve, port = s.serve(*extra, data_dir=data, speed=1)
        assert "bootstrap admin token (shown once" in serve.output()
        _, _, before = api(port, "GET", "/api/v1/instances")
        demo = 2 + 8 + 4 + 16 + 8  # the demo's workload groups
        assert len(before) == demo and all(i["state_name"] == "running" for i in before)
        cluster = node_named(port, "cpu-01")["cluster_id"]
        body = {"name": "kept-01", "destination": {"cluster_id": cluster}, "cpu": {"cores": 2}, "memory": 2048}
        st, _, started = api(port, "POST", "/api/v2/instances/", body, headers={"Idempotency-Key": "kept-01"})
        assert st == 200, started
        done = wait_until(lambda: task_done(port, started["task_id"]), 30, "the deploy task")
        assert done["exitstatus"] == "OK", done
        _, _, orgs = api(port, "GET", "/api/v1/organizations")
        assert serve.terminate(30) == 0, serve.output()

        serve2, port2 = s.serve(*extra, data_dir=data, speed=1)
        assert "bootstrap admin token" not in serve2.output()
        assert "instance(s) adopted, 0 not" in serve2.output()
        _, _, after = api(port2, "GET", "/api/v1/instances")
        assert sorted(i["id"] for i in after) == sorted([i["id"] for i in before] + [started["instance_id"]])
        assert all(i["state_name"] == "running" for i in after)
        _, _, orgs2 = api(port2, "GET", "/api/v1/organizations")
        assert orgs2 == orgs
        _, _, t = api(port2, "GET", f"/api/v1/tasks/{started['task_id']}")
        assert t["exitstatus"] == "OK" and [line["t"] for line in t["log"]][-1] == "TASK OK"
        # the acknowledged create replays after the restart, and creates nothing new
        st, hdrs, replay = api(port2, "POST", "/api/v2/instances", body, headers={"Idempotency-Key": "kept-01"})
        assert st == 200 and replay == started and hdrs.get("Idempotent-Replayed") == "true"
        assert len(api(port2, "GET", "/api/v1/instances")[2]) == demo + 1
    finally:
        s.close()


def test_an_api_instance_on_a_failed_host_is_restarted_elsewhere():
    s = Services()
    try:
        _, port = s.serve(speed=10)  # the demo powers cpu-03 off 120 virtual seconds in
        doomed = node_named(port, "cpu-03")
        body = {"name": "ha-api-01", "destination": {"node_id": doomed["id"]}, "cpu": {"cores": 2},
                "memory": 2048, "ha_priority": "critical"}
        st, _, started = api(port, "POST", "/api/v2/instances", body)
        assert st == 200, started
        done = wait_until(lambda: task_done(port, started["task_id"]), 30, "the deploy task")
        assert done["exitstatus"] == "OK" and f"placed on node {doomed['id']}" in done["log"][2]["t"], done

        def moved():
            i = api(port, "GET", f"/api/v1/instances/{started['instance_id']}")[2]["instance"]
            return i if i["node_id"] not in (None, doomed["id"]) and i["state_name"] == "running" else None
        after = wait_until(moved, 60, "the HA restart on another node")
        assert after["node_id"] in {n["id"] for n in api(port, "GET", "/api/v1/nodes")[2]}
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
        line = next(l for l in metrics.splitlines() if l.startswith("cloudplane_vm_info{") and 'name="ha-api-01"' in l)
        assert 'host="cpu-03"' not in line
    finally:
        s.close()


def test_every_route_but_the_health_check_needs_the_token_and_every_reply_has_a_request_id():
    s = Services()
    try:
        proc, port = s.serve()
        st, hdrs, health = api(port, "GET", "/api/v1/healthcheck", token=None)
        assert st == 200 and health["healthy"] is True and hdrs["X-Request-Id"].startswith("req-")
        assert node_named(port, "cpu-01")  # the health check's node is a real one
        assert api(port, "GET", f"/api/v1/nodes/{health['id']}")[0] == 200
        for method, path in [("GET", "/api/v1/instances"), ("GET", "/api/v1/organizations"),
                             ("POST", "/api/v2/instances"), ("GET", "/api/v1/tasks")]:
            st, hdrs, problem = api(port, method, path, {} if method == "POST" else None, token=None)
            assert st == 401 and problem["code"] == 401 and problem["status"] == 401, (path, problem)
            assert hdrs["Content-Type"] == "application/problem+json" and hdrs["X-Request-Id"]
            assert api(port, method, path, token="not-the-token")[0] == 401
        st, hdrs, _ = api(port, "GET", "/api/v1/instances", headers={"X-Request-Id": "trace-42"})
        assert st == 200 and hdrs["X-Request-Id"] == "trace-42"
        # the request's log line carries its ID (log lines are buffered: wait for it)
        wait_until(lambda: any("request_id=trace-42" in line and "GET /api/v1/instances -> 200" in line
                               for line in proc.output().splitlines()), 10, "the request's log line")
    finally:
        s.close()


def ctl_client(port):
    """`cloudplane ctl …` against the serve on `port` with the bootstrap token: (rc, stdout, stderr)."""
    env = dict(os.environ, CLOUDPLANE_URL=f"http://127.0.0.1:{port}", CLOUDPLANE_TOKEN=TOKEN)

    def ctl(*args):
        r = subprocess.run([BIN, "ctl", *args], capture_output=True, text=True, env=env, timeout=60)
        return r.returncode, r.stdout, r.stderr
    return ctl


def test_ctl_creates_waits_lists_stops_and_deletes():
    s = Services()
    try:
        _, port = s.serve()
        ctl = ctl_client(port)
        rc, out, err = ctl("instances", "create", "ctl-01", "--cluster", "general", "--vcpus", "2", "--memory", "1024",
                           "--wait", "--format", "json")
        assert rc == 0, err
        assert json.loads(out)["state_name"] == "running" and "instance.deploy: stopped (100%)" in err
        rc, out, _ = ctl("instances", "list", "--format", "json")
        assert "ctl-01" in [i["name"] for i in json.loads(out)]
        rc, out, err = ctl("instances", "stop", "ctl-01", "--wait")
        assert rc == 0 and "stopped" in out, err
        rc, _, err = ctl("instances", "stop", "ctl-01")
        assert rc == 1 and "409" in err and "while it is stopped" in err
        assert ctl("instances", "delete", "ctl-01", "--wait")[0] == 0
        rc, _, err = ctl("instances", "show", "ctl-01")
        assert rc == 1 and "no instance is named 'ctl-01'" in err
        rc, out, _ = ctl("nodes", "list")
        assert out.splitlines()[0].split()[:2] == ["ID", "NAME"] and "cpu-03" in out
    finally:
        s.close()


def test_ctl_resizes_a_running_instance_in_the_simulated_fleet():
    s = Services()
    try:
        _, port = s.serve()
        ctl = ctl_client(port)
        rc, out, err = ctl("instances", "create", "rs-01", "--cluster", "general", "--vcpus", "2", "--memory", "1024",
                           "--wait", "--format", "json")
        assert rc == 0, err
        node = json.loads(out)["node_id"]
        rc, out, err = ctl("instances", "resize", "rs-01", "--vcpus", "4", "--memory", "4096", "--wait",
                           "--format", "json")
        assert rc == 0, err
        got = json.loads(out)
        assert (got["vcpus"], got["memory"], got["state_name"], got["node_id"]) == (4, 4096, "running", node)
        assert "instance.resize: stopped (100%)" in err
        # larger than any node of the demo fleet: refused, and the instance keeps its size
        rc, out, err = ctl("instances", "resize", "rs-01", "--memory", "16000000", "--wait", "--format", "json")
        rc2, out2, _ = ctl("instances", "show", "rs-01", "--format", "json")
        kept = json.loads(out2)
        assert (kept["vcpus"], kept["memory"], kept["state_name"]) == (4, 4096, "running"), out2
        assert rc == 1 and "the new size fits no node" in err and "not enough memory" in err, (rc, out, err)
    finally:
        s.close()


def test_a_cordoned_node_gets_no_new_instance_and_uncordon_restores_it():
    s = Services()
    try:
        _, port = s.serve(speed=1)
        node = node_named(port, "cpu-05")
        st, _, n = api(port, "POST", f"/api/v1/nodes/{node['id']}/cordon")
        assert st == 200 and n["schedulable"] is False
        body = {"name": "pinned-01", "destination": {"node_id": node["id"]}, "cpu": {"cores": 1}, "memory": 512}
        _, _, started = api(port, "POST", "/api/v2/instances", body)
        done = wait_until(lambda: task_done(port, started["task_id"]), 30, "the deploy task")
        assert done["exitstatus"].startswith("not placed"), done
        assert api(port, "POST", f"/api/v1/nodes/{node['id']}/uncordon")[2]["schedulable"] is True
        body["name"] = "pinned-02"
        _, _, started = api(port, "POST", "/api/v2/instances", body)
        done = wait_until(lambda: task_done(port, started["task_id"]), 30, "the second deploy task")
        assert done["exitstatus"] == "OK", done
        assert api(port, "GET", f"/api/v1/instances/{started['instance_id']}")[2]["instance"]["node_id"] == node["id"]
    finally:
        s.close()
