"""Remote-write into a real Prometheus (2.42, `--web.enable-remote-write-receiver`): values and labels
come back, a receiver outage leaves no gap, a 400 is not retried."""
import json, os, subprocess
from harness import BIN, ROOT, Services, http_get, query, wait_until

PROM_CONFIG = "global: {scrape_interval: 15s}\n"


def parse_exposition(path):
    values = {}
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        series, value = line.rsplit(" ", 1)
        values[series] = float(value)
    return values


def serve_metric(port, name):
    """The sum of every series of `name` on serve's /metrics (0 when it has none)."""
    _, _, body = http_get(f"http://127.0.0.1:{port}/metrics")
    total = 0.0
    for line in body.decode().splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def stored_values(prom):
    """Values of serve's virtual-time series that Prometheus stored in the last 10 minutes."""
    res = query(prom, 'cloudplane_sim_virtual_time_seconds{job="cloudplane"}[10m]')
    return [float(v) for _, v in res[0]["values"]] if res else []


def scenario_hosts(path):
    r = subprocess.run([BIN, "scenario", "check", path, "--format", "json"], cwd=ROOT, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["scenarios"][0]["hosts"]


def test_scenario_run_pushes_values_and_labels(tmp_path):
    s = Services()
    try:
        _, prom = s.prometheus(PROM_CONFIG)
        expo = tmp_path / "demo.prom"
        step = 15
        r = subprocess.run([BIN, "scenario", "run", "Scenarios/demo.yaml", "--metrics", str(expo), "--remote-write",
                            f"http://127.0.0.1:{prom}/api/v1/write", "--remote-write-step", str(step), "--format", "json"],
                           cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        assert "0 refused; all sent" in r.stderr, r.stderr
        simulated = json.loads(r.stdout)["scenarios"][0]["simulated_seconds"]
        exposed = parse_exposition(expo)
        for series in ['cloudplane_host_cpus{host="cpu-01"}', 'cloudplane_host_memory_bytes{host="h100-01"}',
                       'cloudplane_instances{status="running"}', 'cloudplane_tenant_quota_limit{resource="gpus",tenant="globex"}',
                       'cloudplane_ha_recoveries_total', 'cloudplane_sim_virtual_time_seconds']:
            res = query(prom, series)
            assert len(res) == 1, (series, res)
            labels = res[0]["metric"]
            assert labels["job"] == "cloudplane-scenario" and labels["scenario"] == "demo"
            assert float(res[0]["value"][1]) == exposed[series], series
        # every host pushed, with every label of the exposition
        hosts = query(prom, 'cloudplane_host_info{scenario="demo"}')
        assert len(hosts) == scenario_hosts("Scenarios/demo.yaml")
        assert all({"host", "cluster", "template", "id"} <= set(h["metric"]) for h in hosts)
        # the whole run is there, one sample per step of virtual time (both ends included)
        n = query(prom, f'count_over_time(cloudplane_sim_virtual_time_seconds{{scenario="demo"}}[{simulated + 60}s])')
        assert float(n[0]["value"][1]) == simulated // step + 1
    finally:
        s.close()


def test_receiver_outage_leaves_no_gap():
    s = Services()
    try:
        port_file = os.path.join(s.dir, "prom-data")
        prom_proc, prom = s.prometheus(PROM_CONFIG, data=port_file)
        serve, serve_port = s.serve("--remote-write", f"http://127.0.0.1:{prom}/api/v1/write",
                                    "--remote-write-interval", "0.5", speed=10)
        wait_until(lambda: query(prom, 'cloudplane_sim_virtual_time_seconds{job="cloudplane"}'), 30, "first push")
        prom_proc.stop()  # receiver down: the sender buffers and retries with backoff
        wait_until(lambda: serve_metric(serve_port, "cloudplane_remote_write_requests_retried_total") > 0, 60, "the sender retrying against the stopped receiver")
        down_from = serve_metric(serve_port, "cloudplane_sim_virtual_time_seconds")
        # two push intervals (0.5 s wall at speed 10: 5 virtual seconds each) pass while it is
        # down, so at least one snapshot is taken then (a bare advance of the clock may fall
        # between two snapshots, and the outage would hold none)
        wait_until(lambda: serve_metric(serve_port, "cloudplane_sim_virtual_time_seconds") > down_from + 2 * 0.5 * 10,
                   60, "a snapshot taken while the receiver is down")
        _, prom = s.prometheus(PROM_CONFIG, name="prometheus-again", port=prom, data=port_file)
        up_at = serve_metric(serve_port, "cloudplane_sim_virtual_time_seconds")
        # the backlog drains, then new samples follow
        wait_until(lambda: max(stored_values(prom), default=0) > up_at, 90, "samples from after the outage")
        values = stored_values(prom)
        assert values == sorted(values) and len(values) == len(set(values)), "each snapshot once, in order"
        assert any(down_from < v < up_at for v in values), f"no snapshot of the outage arrived: {values}"
        assert serve_metric(serve_port, "cloudplane_remote_write_samples_dropped_total") == 0
        assert serve_metric(serve_port, "cloudplane_remote_write_samples_failed_total") == 0
        # the sender's own counters travel in other shards than the virtual-time series: wait
        # until the shard that carries them has drained too
        retried = wait_until(lambda: query(prom, 'cloudplane_remote_write_requests_retried_total{job="cloudplane"} > 0'),
                             90, "the outage's retries, pushed")
        assert sum(float(r["value"][1]) for r in retried) > 0, "the outage caused retries"
        assert "remote-write" in serve.output()
    finally:
        s.close()


def test_a_400_is_dropped_not_retried():
    s = Services()
    try:
        port, seen = s.receiver(400)
        r = subprocess.run([BIN, "scenario", "run", "Scenarios/demo.yaml", "--remote-write",
                            f"http://127.0.0.1:{port}/api/v1/write"], cwd=ROOT, capture_output=True, text=True,
                           timeout=120)
        assert r.returncode == 0, r.stderr  # the scenario passes; the samples are refused and counted
        assert "400 dropped" in r.stderr
        bodies = [b for _, _, b in seen]
        assert bodies and len(bodies) == len(set(bodies)), "a refused batch was sent again"
        sent = sum(int(l.split(" dropped ")[1].split(" ")[0]) for l in r.stderr.splitlines() if "400 dropped" in l)
        assert len(bodies) == sum(1 for l in r.stderr.splitlines() if "400 dropped" in l)
        assert f"{sent} refused" in r.stderr
        _, headers, _ = seen[0]
        assert headers["Content-Encoding"] == "snappy" and headers["Content-Type"] == "application/x-protobuf"
        assert headers["X-Prometheus-Remote-Write-Version"] == "0.1.0" and headers["User-Agent"].startswith("cloudplane/")
    finally:
        s.close()


def test_v2_falls_back_to_v1_on_a_receiver_that_does_not_confirm():
    s = Services()
    try:
        _, prom = s.prometheus(PROM_CONFIG)
        step = 15
        r = subprocess.run([BIN, "scenario", "run", "Scenarios/demo.yaml", "--remote-write-version", "2.0",
                            "--remote-write", f"http://127.0.0.1:{prom}/api/v1/write", "--remote-write-step", str(step),
                            "--format", "json"], cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        assert "did not confirm a 2.0 write" in r.stderr and "(protocol 1.0)" in r.stderr
        simulated = json.loads(r.stdout)["scenarios"][0]["simulated_seconds"]
        n = query(prom, f'count_over_time(cloudplane_sim_virtual_time_seconds{{scenario="demo"}}[{simulated + 60}s])')
        assert float(n[0]["value"][1]) == simulated // step + 1, "no sample lost to the fallback"
    finally:
        s.close()
