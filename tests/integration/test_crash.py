"""Crash safety: `kill -9` of `serve` while 64 clients create instances with Idempotency-Keys.
After a restart every acknowledged create exists exactly once, retries of every key converge, and
`cloudplane db check` finds the store consistent (claims, capacity, tasks, acknowledged creates)."""
import json, os, subprocess, threading, time, urllib.error, urllib.request
import pytest
from harness import BIN, TOKEN, Services, wait_until

CLIENTS = 64


def create(port, key, cluster):
    body = json.dumps({"name": key, "destination": {"cluster_id": cluster}, "cpu": {"cores": 1},
                       "memory": 64, "ha_priority": "none"}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v2/instances", data=body, method="POST")
    for k, v in [("Authorization", f"Bearer {TOKEN}"), ("Content-Type", "application/json"),
                 ("Idempotency-Key", key)]:
        req.add_header(k, v)
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def get(port, path):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    req.add_header("Authorization", f"Bearer {TOKEN}")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def all_instances(port):
    """Every instance, page by page."""
    out, cursor = [], None
    while True:
        page = get(port, "/api/v1/instances?limit=500" + (f"&cursor={cursor}" if cursor else ""))
        out += page
        if len(page) < 500:
            return out
        cursor = page[-1]["id"]


def db_check(store):
    r = subprocess.run([BIN, "db", "check", *store, "--format", "json"], capture_output=True, text=True, timeout=60)
    return r.returncode, json.loads(r.stdout or "{}"), r.stderr


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_kill_9_under_64_concurrent_creates_loses_and_duplicates_nothing(backend):
    s = Services()
    data = os.path.join(s.dir, "store")
    try:
        store = ["--data-dir", data] if backend == "sqlite" else ["--database", s.postgres()]
        extra = store if backend == "postgres" else []
        serve, port = s.serve(*extra, data_dir=data, speed=1)
        cluster = next(n for n in get(port, "/api/v1/nodes") if n["name"] == "cpu-01")["cluster_id"]
        acked, attempted, lock, stop = {}, set(), threading.Lock(), threading.Event()

        def client(c):
            n = 0
            while not stop.is_set():
                key = f"crash-{c:02d}-{n:03d}"
                with lock:
                    attempted.add(key)
                try:
                    reply = create(port, key, cluster)
                    with lock:
                        acked[key] = reply["instance_id"]
                except (urllib.error.URLError, ConnectionError, OSError):
                    return  # the server is gone
                n += 1
        threads = [threading.Thread(target=client, args=(c,)) for c in range(CLIENTS)]
        for t in threads:
            t.start()
        wait_until(lambda: len(acked) >= 400, 120, "400 acknowledged creates")
        serve.proc.kill()  # SIGKILL mid-stream: no shutdown path runs
        serve.proc.wait(30)
        for t in threads:
            t.join(30)
        stop.set()
        assert len(acked) >= 400
        rc, report, err = db_check(store)
        assert rc == 0 and report["consistent"], (report, err)

        serve2, port2 = s.serve(*extra, data_dir=data, speed=1)
        by_name = {}
        for i in all_instances(port2):
            by_name.setdefault(i["name"], []).append(i["id"])
        for key, iid in acked.items():
            assert by_name.get(key) == [iid], (key, by_name.get(key))
        # every key, acknowledged or not, retried: the acknowledged replay, the rest converge once
        for key in sorted(attempted):
            reply = create(port2, key, cluster)
            if key in acked:
                assert reply["instance_id"] == acked[key]
        names = [i["name"] for i in all_instances(port2) if i["name"].startswith("crash-")]
        assert len(names) == len(set(names)) == len(attempted)
        wait_until(lambda: all(i.get("task_id") is None for i in all_instances(port2)), 60,
                   "every deploy task finished")
        assert serve2.terminate(30) == 0
        rc, report, err = db_check(store)
        assert rc == 0 and report["consistent"], (report, err)
        print(f"crash test ({backend}): {len(attempted)} creates attempted, {len(acked)} acknowledged before kill -9, "
              f"{len(names)} instances after retries, db check consistent")
    finally:
        s.close()
