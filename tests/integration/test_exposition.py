"""/metrics of a running `cloudplane serve`: promtool's lint, the strict OpenMetrics parser, negotiation, gzip."""
import gzip, os, re, subprocess
import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families
from harness import BIN, PROMTOOL, ROOT, Services, http_get

OM = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"


@pytest.fixture(scope="module")
def serve():
    s = Services()
    try:
        _, port = s.serve(speed=60)
        yield port
    finally:
        s.close()


def test_text_format_passes_promtool_check_metrics(serve):
    status, headers, body = http_get(f"http://127.0.0.1:{serve}/metrics")
    assert status == 200
    assert headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    r = subprocess.run([PROMTOOL, "check", "metrics"], input=body, capture_output=True)
    # the GPU families carry NVIDIA DCGM's label names (UUID, Hostname, modelName) so DCGM
    # dashboards join ours; promtool's snake_case lint is the only finding it may report
    dcgm = re.compile(r"cloudplane_gpu(_[a-z_]+)? label names should be written in 'snake_case' not 'camelCase'")
    problems = [l for l in r.stderr.decode().splitlines() if l.strip() and not dcgm.fullmatch(l.strip())]
    assert not problems, "\n".join(problems)
    # promtool exits 3 for lint findings only (2.42), 1 for a malformed exposition
    assert r.returncode in (0, 3), r.stderr.decode()
    text = body.decode()
    for family in ["cloudplane_host_up", "cloudplane_vm_cpu_seconds_total", "cloudplane_gpu_energy_joules_total",
                   "cloudplane_tenant_quota_limit", "cloudplane_ha_recovery_duration_seconds_bucket",
                   "cloudplane_scheduler_decision_duration_seconds_bucket", "cloudplane_exporter_series",
                   "cloudplane_build_info", "cloudplane_host_numa_cpus", "cloudplane_gpu_mode"]:
        assert "\n" + family in text, family


def test_openmetrics_parses_strictly(serve):
    status, headers, body = http_get(f"http://127.0.0.1:{serve}/metrics", {"Accept": OM})
    assert headers["Content-Type"] == "application/openmetrics-text; version=1.0.0; charset=utf-8"
    families = {f.name: f for f in text_string_to_metric_families(body.decode())}
    assert body.endswith(b"# EOF\n")
    assert families["cloudplane_vm_cpu_seconds"].type == "counter"
    assert families["cloudplane_build"].type == "info"
    assert families["cloudplane_gpu_temperature_celsius"].unit == "celsius"
    rto = families["cloudplane_ha_recovery_duration_seconds"]
    assert rto.type == "histogram"
    les = [s.labels["le"] for s in rto.samples if s.name.endswith("_bucket")]
    assert les[-1] == "+Inf" and les[0] == "5.0"


def test_gzip_and_stable_order(serve):
    _, headers, body = http_get(f"http://127.0.0.1:{serve}/metrics", {"Accept-Encoding": "gzip"})
    assert headers["Content-Encoding"] == "gzip"
    text = gzip.decompress(body).decode()
    names = [re.sub(r"_(total|info)$", "", l.split(" ")[2]) for l in text.splitlines() if l.startswith("# HELP ")]
    assert names == sorted(names)  # families in name order (sample names add _total / _info)
    assert len(names) == len(set(names))


def test_docs_metrics_lists_every_exported_family(serve):
    _, _, body = http_get(f"http://127.0.0.1:{serve}/metrics")
    docs = open(os.path.join(ROOT, "docs", "metrics.md")).read()
    missing = sorted({re.sub(r"_(bucket|sum|count)$", "", l.split("{")[0].split(" ")[0])
                      for l in body.decode().splitlines() if l and not l.startswith("#")}
                     - set(re.findall(r"`(cloudplane_[a-z0-9_]+?)(?:_bucket/_sum/_count)?`", docs)))
    assert not missing, f"not in docs/metrics.md: {missing}"


def test_docs_metrics_is_current():
    r = subprocess.run([BIN, "metrics"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout == open(os.path.join(ROOT, "docs", "metrics.md")).read(), \
        "docs/metrics.md is stale: run `cloudplane metrics > docs/metrics.md`"
