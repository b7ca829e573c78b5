import CloudTelemetry

extension FleetMetrics {
    static func vmFamilies(_ vms: [VMSample], _ byStatus: [LabeledValue]) -> [MetricFamily] {
        var info = FamilyBuilder("cloudplane_vm", "VM identity: name, tenant, flavor, HA priority, host.", .info)
        var state = FamilyBuilder("cloudplane_vm_state", "1 for the VM's observed state.")
        var vcpus = FamilyBuilder("cloudplane_vm_vcpus", "vCPUs of the VM.")
        var memory = FamilyBuilder("cloudplane_vm_memory_bytes", "Memory configured for the VM.", unit: "bytes")
        var memUsed = FamilyBuilder("cloudplane_vm_memory_used_bytes", "Guest memory in use.", unit: "bytes")
        var cpu = FamilyBuilder(
            "cloudplane_vm_cpu_seconds", "CPU time the VM used since it was created (over every start).", .counter,
            unit: "seconds")
        var rd = FamilyBuilder(
            "cloudplane_vm_disk_read_bytes", "Bytes the VM read from its disks.", .counter,
            unit: "bytes")
        var wr = FamilyBuilder(
            "cloudplane_vm_disk_written_bytes", "Bytes the VM wrote to its disks.", .counter,
            unit: "bytes")
        var rx = FamilyBuilder("cloudplane_vm_network_receive_bytes", "Bytes the VM received.", .counter, unit: "bytes")
        var tx = FamilyBuilder("cloudplane_vm_network_transmit_bytes", "Bytes the VM sent.", .counter, unit: "bytes")
        var instances = FamilyBuilder("cloudplane_instances", "Instances by observed status.")
        var gpu = FamilyBuilder(
            "cloudplane_vm_gpu",
            "GPUs a VM holds: host, GPU index and UUID, mode, MIG profile or vGPU type, count, MIG start slice.", .info)
        for vm in vms {
            for g in vm.gpus {
                gpu.add(
                    [
                        ("vm", vm.id), ("host", vm.host), ("gpu", String(g.gpu)), ("UUID", g.uuid), ("mode", g.mode),
                        ("profile", g.profile), ("count", String(g.count)),
                        ("mig_start", g.migStart.map(String.init) ?? ""),
                    ], 1)
            }
            let l = [("vm", vm.id)]
            info.add(
                l + [
                    ("name", vm.name), ("tenant", vm.tenant), ("flavor", vm.flavor), ("ha_priority", vm.haPriority),
                    ("host", vm.host),
                ], 1)
            state.add(l + [("state", vm.state)], 1)
            vcpus.add(l, vm.vcpus)
            memory.add(l, vm.memoryBytes)
            guard let u = vm.usage else { continue }
            if vm.state == "running" { memUsed.add(l, u.memoryUsedBytes) }
            cpu.add(l, u.cpuSeconds)
            rd.add(l, u.diskReadBytes)
            wr.add(l, u.diskWrittenBytes)
            rx.add(l, u.receiveBytes)
            tx.add(l, u.transmitBytes)
        }
        for s in byStatus { instances.add([("status", s.label)], s.value) }
        return [info, state, vcpus, memory, memUsed, cpu, rd, wr, rx, tx, instances, gpu].map(\.family)
    }

    static func tenantFamilies(_ tenants: [TenantSample], _ flavors: [FlavorSample]) -> [MetricFamily] {
        var limit = FamilyBuilder(
            "cloudplane_tenant_quota_limit",
            "Quota of a tenant per resource (vcpus, memory_bytes, gpus, instances); absent: unlimited.")
        var usage = FamilyBuilder(
            "cloudplane_tenant_quota_usage",
            "What a tenant's instances hold per resource (vcpus, memory_bytes, gpus, instances).")
        var info = FamilyBuilder("cloudplane_tenant", "Tenant identity: name and ID.", .info)
        var flavor = FamilyBuilder("cloudplane_flavor", "Flavors in use: vCPUs, memory and GPUs of each.", .info)
        for f in flavors {
            flavor.add(
                [
                    ("flavor", f.name), ("vcpus", String(f.vcpus)), ("memory_bytes", String(f.memoryBytes)),
                    ("gpus", String(f.gpus)),
                ], 1)
        }
        for t in tenants {
            info.add([("tenant", t.name), ("id", t.id)], 1)
            for u in t.usage { usage.add([("tenant", t.name), ("resource", u.label)], u.value) }
            for l in t.limits { limit.add([("tenant", t.name), ("resource", l.label)], l.value) }
        }
        return [limit.family, usage.family, info.family, flavor.family]
    }

    /// The scheduler's families: decisions, rejections, filtered hosts, decision latency, claims.
    public static func schedulerFamilies(_ s: SchedulerSample) -> [MetricFamily] {
        var decisions = FamilyBuilder("cloudplane_scheduler_decisions", "Placement decisions by outcome.", .counter)
        decisions.add([("outcome", "placed")], Double(s.placed))
        decisions.add([("outcome", "rejected")], Double(s.rejected))
        var rejections = FamilyBuilder(
            "cloudplane_scheduler_rejections",
            "Rejected placements by the reason most hosts failed on.", .counter)
        for r in s.rejections { rejections.add([("reason", r.label)], r.value) }
        var filtered = FamilyBuilder(
            "cloudplane_scheduler_filtered_hosts",
            "Hosts filtered out of placements, by reason.", .counter)
        for r in s.filteredHosts { filtered.add([("reason", r.label)], r.value) }
        var cumulative: UInt64 = 0
        var buckets: [(Double, UInt64)] = []
        for (i, b) in s.latencyBounds.enumerated() {
            cumulative += s.latencyCounts[i]
            buckets.append((b, cumulative))
        }
        cumulative += s.latencyCounts.count > s.latencyBounds.count ? s.latencyCounts[s.latencyBounds.count] : 0
        let latency = MetricFamily(
            name: "cloudplane_scheduler_decision_duration_seconds",
            help: "Wall-clock time of one placement decision.", kind: .histogram, unit: "seconds",
            samples: [Sample([], .histogram(buckets: buckets, sum: s.latencySumSeconds, count: cumulative))])
        let claims = MetricFamily(
            name: "cloudplane_scheduler_claims", help: "Live placement claims.", kind: .gauge,
            samples: [Sample([], Double(s.claims))])
        return [decisions.family, rejections.family, filtered.family, latency, claims]
    }
}
