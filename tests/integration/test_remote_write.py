"""Remote-write into a real Prometheus (2.42, `--web.enable-remote-write-receiver`): values and labels
come back, a receiver outage leaves no gap, a 400 is not retried."""
import os, subprocess, time
from harness import BIN, ROOT, Services, query, wait_until

PROM_CONFIG = "global: {scrape_interval: 15s}\n"


def parse_exposition(path):
    values = {}
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        series, value = line.rsplit(" ", 1)
        values[series] = float(value)
    return values


def test_scenario_run_pushes_values_and_labels(tmp_path):
    s = Services()
    try:
        _, prom = s.prometheus(PROM_CONFIG)
        expo = tmp_path / "demo.prom"
        r = subprocess.run([BIN, "scenario", "run", "Scenarios/demo.yaml", "--metrics", str(expo), "--remote-write",
                            f"http://127.0.0.1:{prom}/api/v1/write"], cwd=ROOT, capture_output=True, text=True,
                           timeout=300)
        assert r.returncode == 0, r.stderr
        assert "0 refused; all sent" in r.stderr, r.stderr
        exposed = parse_exposition(expo)
        checked = 0
        for series in ['cloudplane_host_cpus{host="cpu-01"}', 'cloudplane_host_memory_bytes{host="h100-01"}',
                       'cloudplane_instances{status="running"}', 'cloudplane_tenant_quota_limit{resource="gpus",tenant="globex"}',
                       'cloudplane_ha_recoveries_total', 'cloudplane_sim_virtual_time_seconds']:
            res = query(prom, series)
            assert len(res) == 1, (series, res)
            labels = res[0]["metric"]
            assert labels["job"] == "cloudplane-scenario" and labels["scenario"] == "demo"
            assert float(res[0]["value"][1]) == exposed[series], series
            checked += 1
        assert checked == 6
        # every host pushed, with every label of the exposition
        hosts = query(prom, 'cloudplane_host_info{scenario="demo"}')
        assert len(hosts) == 12 and all({"host", "cluster", "template", "id"} <= set(h["metric"]) for h in hosts)
        # the whole 10-minute run is there, one sample per 15 virtual seconds
        n = query(prom, 'count_over_time(cloudplane_sim_virtual_time_seconds{scenario="demo"}[11m])')
        assert float(n[0]["value"][1]) == 41
    finally:
        s.close()


def test_receiver_outage_leaves_no_gap():
    s = Services()
    try:
        port_file = os.path.join(s.dir, "prom-data")
        prom_proc, prom = s.prometheus(PROM_CONFIG, data=port_file)
        serve, _ = s.serve("--remote-write", f"http://127.0.0.1:{prom}/api/v1/write", "--remote-write-interval", "0.5",
                           speed=10)
        wait_until(lambda: query(prom, 'cloudplane_sim_virtual_time_seconds{job="cloudplane"}'), 30, "first push")
        prom_proc.stop()  # receiver down for ~6 s: the sender buffers and retries with backoff
        time.sleep(6)
        _, prom = s.prometheus(PROM_CONFIG, name="prometheus-again", port=prom, data=port_file)
        time.sleep(8)  # backlog drains, then new samples follow
        res = query(prom, 'cloudplane_sim_virtual_time_seconds{job="cloudplane"}[60s]')
        stamps = [float(t) for t, _ in res[0]["values"]]
        assert len(stamps) >= 25, len(stamps)
        gaps = [b - a for a, b in zip(stamps, stamps[1:])]
        assert max(gaps) < 1.5, f"gap of {max(gaps):.1f} s in {stamps}"
        retried = query(prom, 'cloudplane_remote_write_requests_retried_total{job="cloudplane"}')
        assert retried and sum(float(r["value"][1]) for r in retried) > 0, "the outage caused retries"
        assert "remote-write" in serve.output()
    finally:
        s.close()


def test_a_400_is_dropped_not_retried():
    s = Services()
    try:
        port, seen = s.receiver(400)
        t0 = time.time()
        r = subprocess.run([BIN, "scenario", "run", "Scenarios/demo.yaml", "--remote-write",
                            f"http://127.0.0.1:{port}/api/v1/write"], cwd=ROOT, capture_output=True, text=True,
                           timeout=120)
        assert time.time() - t0 < 60
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
        r = subprocess.run([BIN, "scenario", "run", "Scenarios/demo.yaml", "--remote-write-version", "2.0",
                            "--remote-write", f"http://127.0.0.1:{prom}/api/v1/write"], cwd=ROOT, capture_output=True,
                           text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        assert "did not confirm a 2.0 write" in r.stderr and "(protocol 1.0)" in r.stderr
        n = query(prom, 'count_over_time(cloudplane_sim_virtual_time_seconds{scenario="demo"}[11m])')
        assert float(n[0]["value"][1]) == 41, "no sample lost to the fallback"
    finally:
        s.close()
