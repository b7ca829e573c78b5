#!/usr/bin/env python3
"""Writes the Grafana dashboards in Dashboards/ (schemaVersion 39). Regenerate with
`python3 scripts/gen-dashboards.py`; tests/integration checks the output against a real Prometheus."""
import json, os, sys

DS = {"type": "prometheus", "uid": "${datasource}"}
J = 'job=~"$job"'
H = 'job=~"$job",host=~"$host"'
T = 'job=~"$job",tenant=~"$tenant"'


def var_query(name, label, query, multi=True, include_all=True):
    return {"type": "query", "name": name, "label": label, "datasource": DS,
            "query": {"query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
            "definition": query, "refresh": 2, "multi": multi, "includeAll": include_all,
            "current": {"selected": True, "text": ["All"], "value": ["$__all"]} if include_all else {},
            "sort": 1, "regex": ""}


def variables(extra=()):
    v = [{"type": "datasource", "name": "datasource", "label": "Data source", "query": "prometheus",
          "current": {}, "hide": 0, "refresh": 1, "regex": ""},
         var_query("job", "Job", "label_values(cloudplane_build_info, job)"),
         var_query("cluster", "Cluster", 'label_values(cloudplane_host_info{job=~"$job"}, cluster)'),
         var_query("host", "Host", 'label_values(cloudplane_host_info{job=~"$job",cluster=~"$cluster"}, host)')]
    if "tenant" in extra:
        v.append(var_query("tenant", "Tenant", 'label_values(cloudplane_tenant_quota_usage{job=~"$job"}, tenant)'))
    return v


class Board:
    def __init__(self, uid, title, description, tags, extra=()):
        self.d = {"uid": uid, "id": None, "title": title, "description": description, "tags": ["cloudplane"] + tags,
                  "timezone": "browser", "schemaVersion": 39, "version": 1, "refresh": "30s", "editable": True,
                  "graphTooltip": 1, "time": {"from": "now-6h", "to": "now"}, "timepicker": {},
                  "links": [{"title": "CloudPlane dashboards", "type": "dashboards", "tags": ["cloudplane"],
                             "asDropdown": True}],
                  "annotations": {"list": [{"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                                            "enable": True, "hide": True, "name": "Annotations & Alerts",
                                            "type": "dashboard", "iconColor": "rgba(0, 211, 255, 1)"}]},
                  "templating": {"list": variables(extra)}, "panels": []}
        self.x = self.y = 0
        self.row_h = 0

    def row(self, title):
        self.newline()
        self.d["panels"].append({"id": len(self.d["panels"]) + 1, "type": "row", "title": title, "collapsed": False,
                                 "gridPos": {"x": 0, "y": self.y, "w": 24, "h": 1}, "panels": []})
        self.y += 1

    def newline(self):
        if self.x:
            self.y += self.row_h
            self.x = self.row_h = 0

    def panel(self, kind, title, description, unit, targets, w=8, h=8, **options):
        if self.x + w > 24:
            self.newline()
        p = {"id": len(self.d["panels"]) + 1, "type": kind, "title": title, "description": description,
             "datasource": DS, "gridPos": {"x": self.x, "y": self.y, "w": w, "h": h},
             "fieldConfig": {"defaults": {"unit": unit, "min": options.pop("min", None)}, "overrides": []},
             "options": options or {}, "targets": []}
        if p["fieldConfig"]["defaults"]["min"] is None:
            del p["fieldConfig"]["defaults"]["min"]
        for i, (expr, legend) in enumerate(targets):
            p["targets"].append({"refId": chr(65 + i), "datasource": DS, "expr": expr, "legendFormat": legend,
                                 "range": kind in ("timeseries", "heatmap"), "instant": kind not in ("timeseries", "heatmap")})
        if kind == "timeseries":
            p["options"].setdefault("legend", {"displayMode": "table", "placement": "bottom",
                                               "calcs": ["mean", "lastNotNull", "max"]})
            p["options"].setdefault("tooltip", {"mode": "multi", "sort": "desc"})
        self.d["panels"].append(p)
        self.x += w
        self.row_h = max(self.row_h, h)

    def write(self, path):
        with open(path, "w") as f:
            json.dump(self.d, f, indent=2, sort_keys=False)
            f.write("\n")


def fleet():
    b = Board("cloudplane-fleet", "CloudPlane / Fleet overview",
              "Hosts, VMs, capacity and power across the fleet.", ["fleet"])
    b.row("Now")
    b.panel("stat", "Hosts up", "Hosts whose heartbeats arrive.", "none",
            [(f'sum(cloudplane_host_up{{{H}}})', "up")], w=4, h=4)
    b.panel("stat", "Hosts down", "Hosts without heartbeats (suspect, failed or fenced).", "none",
            [(f'count(cloudplane_host_up{{{H}}} == 0) or vector(0)', "down")], w=4, h=4)
    b.panel("stat", "VMs running", "Instances observed running.", "none",
            [(f'sum(cloudplane_instances{{{J},status="running"}})', "running")], w=4, h=4)
    b.panel("stat", "HA VMs blocked", "HA VMs waiting for a fence or for capacity.", "none",
            [(f'sum(cloudplane_ha_vms_blocked{{{J}}})', "blocked")], w=4, h=4)
    b.panel("gauge", "vCPUs allocated", "vCPUs allocated over logical CPUs (above 100 % with overcommit).",
            "percentunit", [(f'sum(cloudplane_host_cpus_allocated{{{H}}}) / sum(cloudplane_host_cpus{{{H}}})', "cpu")],
            w=4, h=4, min=0)
    b.panel("gauge", "Memory allocated", "Memory allocated to instances over host memory.", "percentunit",
            [(f'sum(cloudplane_host_memory_allocated_bytes{{{H}}}) / sum(cloudplane_host_memory_bytes{{{H}}})', "mem")],
            w=4, h=4, min=0)
    b.row("Trends")
    b.panel("timeseries", "Host CPU utilization", "Busy share of each host's CPUs.", "percentunit",
            [(f'cloudplane_host_cpu_utilization_ratio{{{H}}}', "{{host}}")], w=12)
    b.panel("timeseries", "Instances by status", "Instances per observed status.", "none",
            [(f'sum by (status) (cloudplane_instances{{{J}}})', "{{status}}")], w=12)
    b.panel("timeseries", "Fleet power", "Power drawn by the selected hosts, GPUs included.", "watt",
            [(f'sum(cloudplane_host_power_watts{{{H}}})', "total")], w=12)
    b.panel("timeseries", "Memory allocated per host", "Memory allocated to instances per host.", "bytes",
            [(f'cloudplane_host_memory_allocated_bytes{{{H}}}', "{{host}}")], w=12)
    return b


def host():
    b = Board("cloudplane-host", "CloudPlane / Host detail", "One host: health, capacity, NUMA, its VMs.", ["host"])
    b.row("Health")
    b.panel("stat", "Up", "1 when heartbeats arrive.", "none", [(f'cloudplane_host_up{{{H}}}', "{{host}}")], w=6, h=4)
    b.panel("stat", "Power", "1 when the host has power.", "none",
            [(f'cloudplane_host_power_on{{{H}}}', "{{host}}")], w=6, h=4)
    b.panel("stat", "Heartbeat age", "Time since the last heartbeat arrived.", "s",
            [(f'cloudplane_host_heartbeat_age_seconds{{{H}}}', "{{host}}")], w=6, h=4)
    b.panel("stat", "HA state", "The HA manager's state of the host.", "none",
            [(f'cloudplane_ha_host_state{{{H}}} == 1', "{{state}}")], w=6, h=4)
    b.row("Capacity")
    b.panel("timeseries", "CPU utilization", "Busy share of the host's CPUs.", "percentunit",
            [(f'cloudplane_host_cpu_utilization_ratio{{{H}}}', "{{host}}")], w=12, min=0)
    b.panel("timeseries", "vCPUs allocated vs CPUs", "Allocated vCPUs and logical CPUs.", "none",
            [(f'cloudplane_host_cpus_allocated{{{H}}}', "{{host}} allocated"),
             (f'cloudplane_host_cpus{{{H}}}', "{{host}} capacity")], w=12)
    b.panel("timeseries", "Memory allocated vs capacity", "Allocated memory and host memory.", "bytes",
            [(f'cloudplane_host_memory_allocated_bytes{{{H}}}', "{{host}} allocated"),
             (f'cloudplane_host_memory_bytes{{{H}}}', "{{host}} capacity")], w=12)
    b.panel("timeseries", "NUMA vCPUs allocated", "Allocated vCPUs per NUMA node.", "none",
            [(f'cloudplane_host_numa_cpus_allocated{{{H}}}', "{{host}} node {{numa}}")], w=12)
    b.row("Instances")
    b.panel("timeseries", "VM CPU usage", "CPU seconds per second of each VM on the host.", "short",
            [(f'rate(cloudplane_vm_cpu_seconds_total{{{J}}}[$__rate_interval]) * on (job, instance, vm) '
              f'group_left (name) cloudplane_vm_info{{{H}}}', "{{name}}")], w=12)
    b.panel("timeseries", "VM network receive", "Bytes per second received by each VM on the host.", "Bps",
            [(f'rate(cloudplane_vm_network_receive_bytes_total{{{J}}}[$__rate_interval]) * on (job, instance, vm) '
              f'group_left (name) cloudplane_vm_info{{{H}}}', "{{name}}")], w=12)
    b.panel("timeseries", "Host power", "Power drawn by the host, GPUs included.", "watt",
            [(f'cloudplane_host_power_watts{{{H}}}', "{{host}}")], w=12)
    b.panel("timeseries", "Instances on host", "Instances placed on the host.", "none",
            [(f'cloudplane_host_instances{{{H}}}', "{{host}}")], w=12)
    return b


def gpu():
    b = Board("cloudplane-gpu", "CloudPlane / GPU fleet", "GPU utilization, memory, thermals, power and errors.", ["gpu"])
    g = f'cloudplane_gpu_info{{{H}}}'
    b.row("Fleet")
    b.panel("stat", "GPUs", "GPUs on the selected hosts.", "none", [(f'count({g})', "gpus")], w=6, h=4)
    b.panel("stat", "Unhealthy GPUs", "GPUs reported degraded or failed.", "none",
            [(f'count(cloudplane_gpu_healthy{{{H}}} == 0) or vector(0)', "unhealthy")], w=6, h=4)
    b.panel("stat", "GPU power", "Board power of the selected GPUs.", "watt",
            [(f'sum(cloudplane_gpu_power_watts{{{H}}})', "watts")], w=6, h=4)
    b.panel("bargauge", "GPUs by mode", "GPUs per sharing mode.", "none",
            [(f'sum by (mode) (cloudplane_gpu_mode{{{H}}})', "{{mode}}")], w=6, h=4)
    b.row("Per GPU")
    b.panel("timeseries", "Utilization", "Share of time the GPU's engines were busy.", "percentunit",
            [(f'cloudplane_gpu_utilization_ratio{{{H}}}', "{{host}} {{gpu}}")], w=12, min=0)
    b.panel("timeseries", "Framebuffer used", "GPU memory in use.", "bytes",
            [(f'cloudplane_gpu_framebuffer_used_bytes{{{H}}}', "{{host}} {{gpu}}")], w=12)
    b.panel("timeseries", "Temperature", "GPU core temperature.", "celsius",
            [(f'cloudplane_gpu_temperature_celsius{{{H}}}', "{{host}} {{gpu}}")], w=12)
    b.panel("timeseries", "Power (from energy)", "Average power over the interval, from the energy counter.", "watt",
            [(f'rate(cloudplane_gpu_energy_joules_total{{{H}}}[$__rate_interval])', "{{host}} {{gpu}}")], w=12)
    b.panel("timeseries", "Xid errors", "Xid errors in the interval.", "none",
            [(f'increase(cloudplane_gpu_xid_errors_total{{{H}}}[$__rate_interval])', "{{host}} {{gpu}}")], w=12)
    b.panel("table", "Sharing", "MIG slices and vGPU instances in use, last Xid, model.", "none",
            [(f'cloudplane_gpu_mig_slices_used{{{H}}}', "mig"), (f'cloudplane_gpu_vgpu_instances{{{H}}}', "vgpu"),
             (f'cloudplane_gpu_last_xid{{{H}}} * on (job, instance, gpu) group_left (model) {g}', "last xid")], w=12)
    return b


def tenants():
    b = Board("cloudplane-tenants", "CloudPlane / Tenant quotas and usage",
              "Per tenant: quota limits, usage and what its VMs consume.", ["tenants"], extra=("tenant",))
    b.row("Quotas")
    b.panel("bargauge", "Quota used", "Usage over limit per tenant and resource.", "percentunit",
            [(f'cloudplane_tenant_quota_usage{{{T}}} / on (job, instance, tenant, resource) '
              f'cloudplane_tenant_quota_limit{{{T}}}', "{{tenant}} {{resource}}")], w=12, h=8, min=0)
    b.panel("table", "Limits", "Quota limits per tenant and resource.", "none",
            [(f'cloudplane_tenant_quota_limit{{{T}}}', "{{tenant}} {{resource}}")], w=12)
    b.row("Usage")
    b.panel("timeseries", "vCPUs", "vCPUs held by each tenant's instances.", "none",
            [(f'cloudplane_tenant_quota_usage{{{T},resource="vcpus"}}', "{{tenant}}")], w=8)
    b.panel("timeseries", "Memory", "Memory held by each tenant's instances.", "bytes",
            [(f'cloudplane_tenant_quota_usage{{{T},resource="memory_bytes"}}', "{{tenant}}")], w=8)
    b.panel("timeseries", "GPUs", "GPUs held by each tenant's instances.", "none",
            [(f'cloudplane_tenant_quota_usage{{{T},resource="gpus"}}', "{{tenant}}")], w=8)
    b.panel("timeseries", "CPU consumed", "CPU seconds per second used by each tenant's VMs.", "short",
            [(f'sum by (tenant) (rate(cloudplane_vm_cpu_seconds_total{{{J}}}[$__rate_interval]) * on (job, instance, vm) '
              f'group_left (tenant) cloudplane_vm_info{{{T}}})', "{{tenant}}")], w=12)
    b.panel("timeseries", "VMs by state", "Each tenant's VMs per observed state.", "none",
            [(f'sum by (tenant, state) (cloudplane_vm_state{{{J}}} * on (job, instance, vm) group_left (tenant) '
              f'cloudplane_vm_info{{{T}}})', "{{tenant}} {{state}}")], w=12)
    return b


def ha():
    b = Board("cloudplane-ha", "CloudPlane / HA and fencing", "Host HA states, fences, recovery time, blocked VMs.", ["ha"])
    b.row("Now")
    b.panel("stat", "RTO p99", "99th percentile of failure-to-running time over the window.", "s",
            [(f'histogram_quantile(0.99, sum by (le) (rate(cloudplane_ha_recovery_duration_seconds_bucket{{{J}}}[$__range])))',
              "p99")], w=6, h=4)
    b.panel("stat", "Recoveries", "VMs restarted after a host failure (all time).", "none",
            [(f'sum(cloudplane_ha_recoveries_total{{{J}}})', "recoveries")], w=6, h=4)
    b.panel("stat", "VMs blocked", "HA VMs waiting for a fence or for capacity.", "none",
            [(f'sum(cloudplane_ha_vms_blocked{{{J}}})', "blocked")], w=6, h=4)
    b.panel("stat", "Leader epoch", "Epoch of the HA leader lease; a jump is a failover.", "none",
            [(f'max(cloudplane_ha_leader_epoch{{{J}}})', "epoch")], w=6, h=4)
    b.row("Detail")
    b.panel("timeseries", "Hosts by HA state", "Hosts per HA manager state.", "none",
            [(f'sum by (state) (cloudplane_ha_host_state{{{H}}})', "{{state}}")], w=12)
    b.panel("timeseries", "Fences", "Fence requests by method and outcome in the interval.", "none",
            [(f'sum by (method, outcome) (increase(cloudplane_ha_fences_total{{{H}}}[$__rate_interval]))',
              "{{method}} {{outcome}}")], w=12)
    b.panel("timeseries", "RTO quantiles", "Recovery time p50 and p99.", "s",
            [(f'histogram_quantile(0.5, sum by (le) (rate(cloudplane_ha_recovery_duration_seconds_bucket{{{J}}}[$__rate_interval])))', "p50"),
             (f'histogram_quantile(0.99, sum by (le) (rate(cloudplane_ha_recovery_duration_seconds_bucket{{{J}}}[$__rate_interval])))', "p99")],
            w=12)
    b.panel("timeseries", "HA VMs by state", "HA-managed VMs per HA state.", "none",
            [(f'sum by (state) (cloudplane_ha_vms{{{J}}})', "{{state}}")], w=12)
    return b


def control():
    b = Board("cloudplane-control", "CloudPlane / Control plane and exporter",
              "Scheduler, simulator, remote-write and the exporter itself.", ["control-plane"])
    b.row("Scheduler")
    b.panel("timeseries", "Decision latency p99", "99th percentile of placement decision time.", "s",
            [(f'histogram_quantile(0.99, sum by (le) (rate(cloudplane_scheduler_decision_duration_seconds_bucket{{{J}}}[$__range])))', "p99")],
            w=8)
    b.panel("timeseries", "Decisions", "Placement decisions per outcome (all time).", "none",
            [(f'sum by (outcome) (cloudplane_scheduler_decisions_total{{{J}}})', "{{outcome}}")], w=8)
    b.panel("timeseries", "Live claims", "Placement claims held.", "none",
            [(f'sum(cloudplane_scheduler_claims{{{J}}})', "claims")], w=8)
    b.row("Exporter")
    b.panel("timeseries", "Scrape duration p90", "90th percentile of collect + render time.", "s",
            [(f'histogram_quantile(0.9, sum by (le) (rate(cloudplane_exporter_scrape_duration_seconds_bucket{{{J}}}[$__rate_interval])))', "p90")],
            w=8)
    b.panel("timeseries", "Series per scrape", "Sample lines in each scrape.", "none",
            [(f'cloudplane_exporter_series{{{J}}}', "{{instance}}")], w=8)
    b.panel("table", "Build", "Version of the running binary.", "none",
            [(f'cloudplane_build_info{{{J}}}', "{{version}}")], w=8)
    b.row("Remote-write")
    b.panel("timeseries", "Samples sent", "Samples per second accepted by the receiver.", "short",
            [(f'rate(cloudplane_remote_write_samples_total{{{J}}}[$__rate_interval])', "{{instance}}")], w=8)
    b.panel("timeseries", "Pending", "Samples buffered, waiting to be sent.", "none",
            [(f'cloudplane_remote_write_samples_pending{{{J}}}', "{{instance}}")], w=8)
    b.panel("timeseries", "Lag", "Newest queued minus newest sent timestamp.", "s",
            [(f'cloudplane_remote_write_highest_timestamp_seconds{{{J}}} - cloudplane_remote_write_highest_sent_timestamp_seconds{{{J}}}',
              "{{instance}}")], w=8)
    b.row("Simulator")
    b.panel("timeseries", "Virtual time", "Virtual time the simulated runtime reached.", "s",
            [(f'cloudplane_sim_virtual_time_seconds{{{J}}}', "{{instance}}")], w=12)
    b.panel("timeseries", "Events", "Simulator events per second.", "short",
            [(f'rate(cloudplane_sim_events_total{{{J}}}[$__rate_interval])', "{{instance}}")], w=12)
    return b


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Dashboards")
    for name, make in [("fleet-overview", fleet), ("host-detail", host), ("gpu-fleet", gpu),
                       ("tenant-quotas", tenants), ("ha-fencing", ha), ("control-plane", control)]:
        make().write(os.path.join(out, name + ".json"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
