"""Dashboards: dashboard-linter's rules re-implemented, every query parsed by promtool, and every panel
query returns data from a real Prometheus scraping `cloudplane serve`."""
import os, re, subprocess, time
import pytest
from harness import PROMTOOL, Services, dashboards, panels, query, substitute, wait_until

BOARDS = dashboards()


def targets():
    for name, b in BOARDS:
        for p in panels(b):
            for t in p.get("targets", []):
                yield name, p, t


def test_six_dashboards_with_the_required_shape():
    assert len(BOARDS) >= 6
    titles = " ".join(b["title"].lower() for _, b in BOARDS)
    for word in ["fleet", "host", "gpu", "tenant", "ha", "control plane"]:
        assert word in titles, word
    uids = [b["uid"] for _, b in BOARDS]
    assert len(set(uids)) == len(uids) and all(len(u) <= 40 for u in uids)
    for name, b in BOARDS:
        assert b["schemaVersion"] == 39, name
        vars = {v["name"]: v for v in b["templating"]["list"]}
        ds = [v for v in b["templating"]["list"] if v["type"] == "datasource"]
        assert len(ds) == 1 and ds[0]["name"] == "datasource" and ds[0]["query"] == "prometheus", name
        for v in ["job", "cluster", "host"]:
            assert v in vars, (name, v)
        assert "${DS_" not in open(os.path.join("Dashboards", name)).read(), name


def test_panels_have_titles_descriptions_units_and_the_datasource_variable():
    for name, b in BOARDS:
        for p in panels(b):
            if p["type"] == "row":
                continue
            assert p["title"] and p.get("description"), (name, p["title"])
            assert p["fieldConfig"]["defaults"].get("unit"), (name, p["title"])
            assert p["datasource"]["uid"] == "${datasource}", (name, p["title"])
            assert p["targets"], (name, p["title"])


def thresholds(title):
    for _, b in BOARDS:
        for p in panels(b):
            if p["title"] == title:
                return [s["value"] for s in p["fieldConfig"]["defaults"]["thresholds"]["steps"]]
    raise AssertionError(f"no panel {title}")


def test_key_panels_colour_at_the_alert_thresholds():
    # the red step of each panel is the value its alert fires at (Alerts/cloudplane.rules.yml)
    assert thresholds("Temperature")[-1] == 85
    assert thresholds("Quota used")[-1] == 0.9
    assert thresholds("Scrape duration p90")[-1] == 2
    assert thresholds("Lag")[-1] == 120
    assert thresholds("RTO p99")[-1] == 120
    for title in ["Hosts down", "HA VMs blocked", "Unhealthy GPUs", "VMs blocked"]:
        assert thresholds(title) == [None, 1], title


def test_targets_filter_by_job_and_use_grafana_intervals():
    for name, p, t in targets():
        e = t["expr"]
        assert 'job=~"$job"' in e, (name, p["title"], e)
        assert t["datasource"]["uid"] == "${datasource}"
        for m in re.finditer(r"\b(rate|irate|increase)\([^\[]*\[([^\]]+)\]", e):
            assert m.group(2) in ("$__rate_interval", "$__range"), (name, p["title"], e)


def test_every_query_parses_with_promtool(tmp_path):
    rules = ["groups:", "  - name: panels", "    rules:"]
    for i, (name, p, t) in enumerate(targets()):
        expr = substitute(t["expr"], "cloudplane").replace("'", "''")
        rules.append(f"      - record: panel:query_{i}")
        rules.append(f"        expr: '{expr}'")
    f = tmp_path / "panels.yml"
    f.write_text("\n".join(rules) + "\n")
    r = subprocess.run([PROMTOOL, "check", "rules", str(f)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.fixture(scope="module")
def prometheus():
    s = Services()
    try:
        rw_port, _ = s.receiver(204)  # serve pushes here too, so the remote-write panels have data
        serve, port = s.serve("--remote-write", f"http://127.0.0.1:{rw_port}/api/v1/write",
                              "--remote-write-interval", "0.5", speed=30)
        _, prom = s.prometheus(f"""global: {{scrape_interval: 1s, evaluation_interval: 1s}}
scrape_configs:
  - job_name: cloudplane-scrape
    static_configs: [{{targets: ['127.0.0.1:{port}']}}]
""")
        wait_until(lambda: query(prom, 'up{job="cloudplane-scrape"} == 1'), 30, "first scrape")
        wait_until(lambda: query(prom, 'cloudplane_remote_write_samples_total > 0'), 60, "remote-write sent")
        # rates over 1m need two scrapes of a counter
        wait_until(lambda: query(prom, 'rate(cloudplane_vm_cpu_seconds_total{job="cloudplane-scrape"}[1m])'), 90,
                   "a rate over two scrapes")
        yield prom
    finally:
        s.close()


def test_every_panel_query_returns_data_from_a_real_prometheus(prometheus):
    empty = []
    checked = 0
    for name, p, t in targets():
        if not query(prometheus, substitute(t["expr"], "cloudplane-scrape")):
            empty.append(f"{name} / {p['title']} / {t['refId']}: {t['expr']}")
        checked += 1
    assert checked >= 60
    assert not empty, "panels without data:\n" + "\n".join(empty)


def test_variable_queries_return_values(prometheus):
    for name, b in BOARDS:
        for v in b["templating"]["list"]:
            if v["type"] != "query":
                continue
            m = re.match(r"label_values\((.*), (\w+)\)$", v["query"]["query"])
            assert m, v["query"]
            selector = substitute(m.group(1), "cloudplane-scrape")
            res = query(prometheus, selector)
            assert any(m.group(2) in r["metric"] for r in res), (name, v["name"])
