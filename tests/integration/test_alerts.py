"""Alert rules: promtool check/test, conventions, runbooks; and end to end, a simulated host power loss
fires the host-down and HA alerts in a real Prometheus and they reach a real Alertmanager."""
import json, os, re, subprocess, time
import yaml
from harness import PROMTOOL, ROOT, Services, query, wait_until

RULES = os.path.join(ROOT, "Alerts", "cloudplane.rules.yml")
REQUIRED = ["CloudplaneHostDown", "CloudplaneFencingFailed", "CloudplaneHARecoverySlow", "CloudplaneVMRestartFailed",
            "CloudplaneGPUXidErrors", "CloudplaneGPUTemperatureHigh", "CloudplaneTenantQuotaNearLimit",
            "CloudplaneRemoteWriteFailing", "CloudplaneRemoteWriteBehind", "CloudplaneExporterScrapeSlow"]


def alerts():
    with open(RULES) as f:
        doc = yaml.safe_load(f)
    return [r for g in doc["groups"] for r in g["rules"] if "alert" in r]


def test_promtool_check_and_test_rules():
    r = subprocess.run([PROMTOOL, "check", "rules", RULES], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    r = subprocess.run([PROMTOOL, "test", "rules", "cloudplane.test.yml"], cwd=os.path.join(ROOT, "Alerts", "tests"),
                       capture_output=True, text=True)
    assert r.returncode == 0 and "SUCCESS" in r.stdout, r.stdout + r.stderr


def test_every_alert_is_documented_and_unit_tested():
    names = [a["alert"] for a in alerts()]
    for n in REQUIRED:
        assert n in names, n
    tests = open(os.path.join(ROOT, "Alerts", "tests", "cloudplane.test.yml")).read()
    for a in alerts():
        assert a["labels"]["severity"] in ("critical", "warning", "info"), a["alert"]
        ann = a["annotations"]
        assert ann["summary"] and ann["description"], a["alert"]
        m = re.fullmatch(r"docs/runbooks/([a-z0-9-]+\.md)", ann["runbook_url"])
        assert m and os.path.exists(os.path.join(ROOT, "docs", "runbooks", m.group(1))), ann["runbook_url"]
        assert f"alertname: {a['alert']}\n" in tests, f"no unit test for {a['alert']}"


def test_power_loss_fires_host_down_and_ha_alerts_into_alertmanager(tmp_path):
    s = Services()
    try:
        hook_port, posts = s.receiver(200)
        _, am = s.alertmanager(hook_port)
        _, cp = s.serve(speed=10)  # demo: cpu-03 loses power at 120 s virtual = 12 s wall
        # the real rules, with `for:` shortened so the test takes seconds, not minutes
        fast = re.sub(r"for: \d+m", "for: 2s", open(RULES).read())
        rules = tmp_path / "rules.yml"
        rules.write_text(fast)
        _, prom = s.prometheus(f"""global: {{scrape_interval: 1s, evaluation_interval: 1s}}
rule_files: ['{rules}']
alerting:
  alertmanagers: [{{static_configs: [{{targets: ['127.0.0.1:{am}']}}]}}]
scrape_configs:
  - job_name: cloudplane
    static_configs: [{{targets: ['127.0.0.1:{cp}']}}]
""")

        def received():
            names = set()
            for path, _, body in list(posts):
                for a in json.loads(body)["alerts"]:
                    names.add((a["labels"]["alertname"], a["labels"].get("host", "")))
            return names if {("CloudplaneHostDown", "cpu-03"), ("CloudplaneHostFenced", "cpu-03")} <= names else None

        names = wait_until(received, 90, "host-down and fenced alerts at the Alertmanager webhook")
        assert ("CloudplaneHostDown", "cpu-04") not in names
        firing = query(prom, 'ALERTS{alertstate="firing",alertname="CloudplaneHostFenced"}')
        assert firing and firing[0]["metric"]["method"] == "ipmi"
    finally:
        s.close()
