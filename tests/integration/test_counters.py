"""Telemetry of a running `cloudplane serve`: every counter is monotone over a run with a fence,
fence series exist only for fenced hosts, pushed series name the port really bound, refusal
counters start at zero, and the smallest remote-write buffer drops nothing with a healthy receiver."""
import os, re
from harness import BIN, Services, http_get, query, wait_until

SERIES = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$")


def scrape(port):
    """(counter family names, {series: value}) from serve's text exposition."""
    _, _, body = http_get(f"http://127.0.0.1:{port}/metrics")
    counters, values = set(), {}
    for line in body.decode().splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            if kind in ("counter", "histogram", "summary"):
                counters.add(name)
            continue
        m = SERIES.match(line)
        if m:
            values[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return counters, values


def counter_series(counters, series):
    name = series.split("{", 1)[0]
    for family in counters:
        if name in (family, family + "_total", family + "_bucket", family + "_count", family + "_sum"):
            return True
    return False


def test_counters_never_decrease_over_a_run_with_a_fence():
    s = Services()
    try:
        _, port = s.serve(speed=20)  # demo: cpu-03 loses power at 120 s virtual, HA fences it
        highest, scrapes, in_flight_seen = {}, 0, False
        verified = 'cloudplane_ha_fences_total{host="cpu-03",method="ipmi",outcome="verified"}'

        def fenced():
            nonlocal scrapes, in_flight_seen
            counters, values = scrape(port)
            scrapes += 1
            for series, v in values.items():
                if counter_series(counters, series):
                    assert v >= highest.get(series, v), f"{series} fell from {highest[series]} to {v}"
                    highest[series] = max(v, highest.get(series, v))
            if values.get('cloudplane_ha_fences_in_flight{host="cpu-03",method="ipmi"}', 0) > 0:
                in_flight_seen = True
            return values.get(verified, 0) >= 1

        wait_until(fenced, 120, "cpu-03 fenced")
        for _ in range(10):  # a few more scrapes after the fence
            fenced()
        assert scrapes > 10 and len(highest) > 100
        _, values = scrape(port)
        assert values['cloudplane_ha_fence_requests_total{host="cpu-03",method="ipmi"}'] >= 1
        assert values['cloudplane_ha_fences_in_flight{host="cpu-03",method="ipmi"}'] == 0
        assert 'cloudplane_ha_fences_total{host="cpu-03",method="ipmi",outcome="failed"}' in values
        # the configured levels' methods (IPMI, storage) start at zero on every host; methods
        # no level names appear only with a request
        assert values['cloudplane_ha_fences_total{host="cpu-01",method="ipmi",outcome="failed"}'] == 0
        assert values['cloudplane_ha_fences_total{host="cpu-01",method="storage",outcome="verified"}'] == 0
        assert not any(k.startswith("cloudplane_ha_fences_total{host=\"cpu-01\",method=\"pdu\"") for k in values)
        assert not any("unanswered" in k for k in values)
    finally:
        s.close()


def test_pushed_series_name_the_bound_port_and_refusals_start_at_zero():
    s = Services()
    try:
        _, prom = s.prometheus("global: {scrape_interval: 15s}\n")
        p = s.start([
            BIN, "serve", "--listen", "127.0.0.1:0", "--speed", "10", "--data-dir", os.path.join(s.dir, "data"),
            "--remote-write",
            f"http://127.0.0.1:{prom}/api/v1/write", "--remote-write-interval", "0.5", "--remote-write-shards", "1",
            "--remote-write-capacity", "2000"], "serve")
        port = int(wait_until(lambda: re.search(r"listening on http://127\.0\.0\.1:(\d+)", p.output()), 30,
                              "serve listening").group(1))
        assert port != 0
        res = wait_until(lambda: query(prom, 'cloudplane_sim_virtual_time_seconds{job="cloudplane"}'), 60, "a push")
        assert res[0]["metric"]["instance"] == f"127.0.0.1:{port}"
        _, values = scrape(port)
        for status in ["400", "404", "413", "422"]:
            assert values[f'cloudplane_remote_write_samples_failed_total{{status="{status}"}}'] == 0
        # the smallest buffer the flags allow, one shard, a healthy receiver: after twenty
        # snapshots nothing was dropped
        wait_until(lambda: scrape(port)[1]["cloudplane_remote_write_samples_total"] > 20 * 1000, 90, "twenty pushes")
        assert scrape(port)[1]['cloudplane_remote_write_samples_dropped_total{reason="buffer_full"}'] == 0
    finally:
        s.close()


def test_a_busy_port_is_a_clear_error(tmp_path):
    import socket, subprocess
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = subprocess.run([BIN, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", str(tmp_path / "data")],
                           capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, r.stderr
    assert f"error: --listen 127.0.0.1:{port}: cannot listen: the address is already in use" in r.stderr, r.stderr
