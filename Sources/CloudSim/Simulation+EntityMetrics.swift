import CloudModel
import CloudScheduler
import CloudTelemetry

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Simulation {
    /// GPU load: the mean load of the running instances holding it, 0 when free or the host is off.
    func gpuUtilization(_ h: Int, _ g: Int) -> Double {
        let gpu = world.hosts[h].gpus[g]
        guard world.hosts[h].power == .on, !gpu.holders.isEmpty else { return 0 }
        let t = virtualSeconds
        let total = gpu.holders.reduce(0.0) { sum, v in
            guard world.instances[v].status == .running else { return sum }
            let shape = LoadShape(seed: shapeSeed(world.instances[v].instance.id.rawValue) ^ 0x6770, mean: 0.45...0.9)
            return sum + shape.value(t)
        }
        return total / Double(gpu.holders.count)
    }

    func gpuWatts(_ h: Int, _ g: Int) -> Double {
        guard world.hosts[h].power == .on else { return 0 }
        let p = GPUPower.watts(model: world.hosts[h].node.hardware.gpus[g].model)
        return p.idle + (p.max - p.idle) * gpuUtilization(h, g)
    }

    /// Adds each GPU's power over the last health-check round to its energy counter.
    mutating func accumulateEnergy() {
        let dt = Double(spec.settings.checkInterval) / 1e9
        for h in world.hosts.indices where world.hosts[h].power == .on {
            for g in world.hosts[h].gpus.indices { world.hosts[h].gpus[g].energyJoules += gpuWatts(h, g) * dt }
        }
    }

    func gpuMetrics() -> [MetricFamily] {
        var info = FamilyBuilder("cloudplane_gpu", "GPU identity: host, index, model, PCI address.", .info)
        var healthy = FamilyBuilder("cloudplane_gpu_healthy", "1 when the GPU is healthy.")
        var util = FamilyBuilder(
            "cloudplane_gpu_utilization_ratio", "Share of time the GPU's engines were busy.",
            unit: "ratio")
        var fbUsed = FamilyBuilder("cloudplane_gpu_framebuffer_used_bytes", "GPU memory in use.", unit: "bytes")
        var fbFree = FamilyBuilder("cloudplane_gpu_framebuffer_free_bytes", "GPU memory free.", unit: "bytes")
        var temp = FamilyBuilder("cloudplane_gpu_temperature_celsius", "GPU core temperature.", unit: "celsius")
        var watts = FamilyBuilder("cloudplane_gpu_power_watts", "GPU board power draw.", unit: "watts")
        var energy = FamilyBuilder("cloudplane_gpu_energy_joules", "Energy the GPU used.", .counter, unit: "joules")
        var xid = FamilyBuilder("cloudplane_gpu_xid_errors", "Xid errors reported by the GPU.", .counter)
        var lastXid = FamilyBuilder("cloudplane_gpu_last_xid", "The last Xid code (0: none).")
        var mig = FamilyBuilder("cloudplane_gpu_mig_slices_used", "MIG memory slices in use.")
        var vgpu = FamilyBuilder("cloudplane_gpu_vgpu_instances", "vGPU instances (or SR-IOV VFs) in use.")
        var mode = FamilyBuilder("cloudplane_gpu_mode", "1 for the GPU's current sharing mode.")
        for (h, host) in world.hosts.enumerated() {
            for (g, gpu) in host.gpus.enumerated() {
                let hw = host.node.hardware.gpus[g]
                let l = [("gpu", hw.uuid), ("host", host.name)]
                info.add(l + [("index", String(g)), ("model", hw.model), ("pci", hw.pciAddress)], 1)
                healthy.add(l, gpu.health == .healthy ? 1 : 0)
                let u = gpuUtilization(h, g)
                util.add(l, u)
                let total = Double(hw.vramMB) * 1_048_576
                let used = gpu.holders.isEmpty || host.power != .on ? 0 : total * min(0.95, 0.3 + 0.6 * u)
                fbUsed.add(l, used.rounded())
                fbFree.add(l, (total - used).rounded())
                temp.add(l, host.power == .on ? (32 + 48 * u).rounded() : 0)
                watts.add(l, (gpuWatts(h, g) * 10).rounded() / 10)
                energy.add(l, gpu.energyJoules.rounded())
                xid.add(l, Double(gpu.xidErrors))
                lastXid.add(l, Double(gpu.lastXid ?? 0))
                let use = world.scheduler.hosts[h].gpus[g].use
                let (modeName, migUsed, instances) = Self.gpuUse(use)
                mig.add(l, Double(migUsed))
                vgpu.add(l, Double(instances))
                mode.add(l + [("mode", modeName)], 1)
            }
        }
        return [info, healthy, util, fbUsed, fbFree, temp, watts, energy, xid, lastXid, mig, vgpu, mode].map(\.family)
    }

    static func gpuUse(_ use: GPUUse) -> (String, Int, Int) {
        switch use {
        case .free: ("free", 0, 0)
        case .passthrough: ("passthrough", 0, 0)
        case .sriov(let n): ("sriov", 0, n)
        case .vgpu(_, let n): ("vgpu", 0, n)
        case .vgpuMixed: ("vgpu_mixed", 0, 1)
        case .mig(let mask): ("mig", mask.nonzeroBitCount, 0)
        }
    }

    func vmMetrics() -> [MetricFamily] {
        var info = FamilyBuilder("cloudplane_vm", "VM identity: name, tenant, flavor, HA priority, host.", .info)
        var state = FamilyBuilder("cloudplane_vm_state", "1 for the VM's observed state.")
        var vcpus = FamilyBuilder("cloudplane_vm_vcpus", "vCPUs of the VM.")
        var memory = FamilyBuilder("cloudplane_vm_memory_bytes", "Memory configured for the VM.", unit: "bytes")
        var memUsed = FamilyBuilder("cloudplane_vm_memory_used_bytes", "Guest memory in use.", unit: "bytes")
        var cpu = FamilyBuilder(
            "cloudplane_vm_cpu_seconds", "CPU time the VM used since it started.", .counter,
            unit: "seconds")
        var rd = FamilyBuilder(
            "cloudplane_vm_disk_read_bytes", "Bytes the VM read from its disks.", .counter,
            unit: "bytes")
        var wr = FamilyBuilder(
            "cloudplane_vm_disk_written_bytes", "Bytes the VM wrote to its disks.", .counter,
            unit: "bytes")
        var rx = FamilyBuilder("cloudplane_vm_network_receive_bytes", "Bytes the VM received.", .counter, unit: "bytes")
        var tx = FamilyBuilder("cloudplane_vm_network_transmit_bytes", "Bytes the VM sent.", .counter, unit: "bytes")
        var byStatus = FamilyBuilder("cloudplane_instances", "Instances by observed status.")
        let t = virtualSeconds
        for (v, inst) in world.instances.enumerated() {
            let id = inst.instance.id.rawValue
            let l = [("vm", id)]
            info.add(
                l + [
                    ("name", inst.instance.name), ("tenant", tenantName(inst)), ("flavor", inst.instance.flavor),
                    ("ha_priority", inst.instance.haPriority.rawValue),
                    ("host", inst.host.map { world.hosts[$0].name } ?? ""),
                ], 1)
            state.add(l + [("state", inst.status.rawValue)], 1)
            vcpus.add(l, Double(inst.instance.cpu.cores))
            memory.add(l, Double(inst.instance.memory) * 1_048_576)
            guard inst.status == .running else { continue }
            let shape = vmLoad(v)
            let busy = shape.integral(t) - shape.integral(Double(inst.startedAt) / 1e9)
            let cores = Double(inst.instance.cpu.cores)
            memUsed.add(l, (Double(inst.instance.memory) * 1_048_576 * (0.35 + 0.5 * shape.value(t))).rounded())
            cpu.add(l, (busy * cores * 1000).rounded() / 1000)
            rd.add(l, (busy * cores * 2_500_000).rounded())
            wr.add(l, (busy * cores * 1_200_000).rounded())
            rx.add(l, (busy * cores * 4_000_000).rounded())
            tx.add(l, (busy * cores * 3_000_000).rounded())
        }
        for status in InstanceStatus.allCases {
            byStatus.add([("status", status.rawValue)], Double(world.instances.count(where: { $0.status == status })))
        }
        return [info, state, vcpus, memory, memUsed, cpu, rd, wr, rx, tx, byStatus].map(\.family)
    }

    func tenantName(_ inst: SimInstance) -> String {
        world.organizations.first { $0.id == inst.instance.organizationID }?.name ?? ""
    }

    func tenantMetrics() -> [MetricFamily] {
        var limit = FamilyBuilder(
            "cloudplane_tenant_quota_limit",
            "Quota of a tenant per resource (vcpus, memory_bytes, gpus, instances); absent: unlimited.")
        var usage = FamilyBuilder(
            "cloudplane_tenant_quota_usage",
            "What a tenant's instances hold per resource (vcpus, memory_bytes, gpus, instances).")
        var info = FamilyBuilder("cloudplane_tenant", "Tenant identity: name and ID.", .info)
        var flavors = FamilyBuilder("cloudplane_flavor", "Flavors in use: vCPUs, memory and GPUs of each.", .info)
        var seen: [String] = []
        for inst in world.instances where !seen.contains(inst.instance.flavor) {
            seen.append(inst.instance.flavor)
            flavors.add(
                [
                    ("flavor", inst.instance.flavor), ("vcpus", String(inst.instance.cpu.cores)),
                    ("memory_bytes", String(inst.instance.memory * 1_048_576)),
                    ("gpus", String(inst.instance.gpuCount)),
                ], 1)
        }
        for org in world.organizations where !org.isRoot {
            info.add([("tenant", org.name), ("id", org.id.rawValue)], 1)
            let mine = world.instances.filter { $0.instance.organizationID == org.id }
            let used: [(String, Double)] = [
                ("vcpus", Double(mine.reduce(0) { $0 + $1.instance.cpu.cores })),
                ("memory_bytes", Double(mine.reduce(0) { $0 + $1.instance.memory }) * 1_048_576),
                ("gpus", Double(mine.reduce(0) { $0 + $1.instance.gpuCount })),
                ("instances", Double(mine.count)),
            ]
            for (r, v) in used { usage.add([("tenant", org.name), ("resource", r)], v) }
            guard let q = spec.tenants.first(where: { $0.name == org.name }) else { continue }
            let limits: [(String, Double?)] = [
                ("vcpus", q.vcpus.map(Double.init)), ("memory_bytes", q.memoryGB.map { Double($0) * 1_073_741_824 }),
                ("gpus", q.gpus.map(Double.init)), ("instances", q.instances.map(Double.init)),
            ]
            for (r, v) in limits { if let v { limit.add([("tenant", org.name), ("resource", r)], v) } }
        }
        return [limit.family, usage.family, info.family, flavors.family]
    }

    func schedulerMetrics() -> [MetricFamily] {
        let st = world.scheduler.claimCount
        let stats = world.schedulerStats
        var decisions = FamilyBuilder("cloudplane_scheduler_decisions", "Placement decisions by outcome.", .counter)
        decisions.add([("outcome", "placed")], Double(stats.placed))
        decisions.add([("outcome", "rejected")], Double(stats.rejected))
        var rejections = FamilyBuilder(
            "cloudplane_scheduler_rejections",
            "Rejected placements by the reason most hosts failed on.", .counter)
        for (r, n) in stats.rejections.sorted(by: { $0.key < $1.key }) { rejections.add([("reason", r)], Double(n)) }
        var filtered = FamilyBuilder(
            "cloudplane_scheduler_filtered_hosts",
            "Hosts filtered out of placements, by reason.", .counter)
        for (r, n) in stats.filteredHosts.sorted(by: { $0.key < $1.key }) { filtered.add([("reason", r)], Double(n)) }
        var cumulative: UInt64 = 0
        var buckets: [(Double, UInt64)] = []
        for (i, b) in SchedulerStats.latencyBounds.enumerated() {
            cumulative += stats.latencyCounts[i]
            buckets.append((b, cumulative))
        }
        cumulative += stats.latencyCounts[SchedulerStats.latencyBounds.count]
        let latency = MetricFamily(
            name: "cloudplane_scheduler_decision_duration_seconds",
            help: "Wall-clock time of one placement decision.", kind: .histogram, unit: "seconds",
            samples: [Sample([], .histogram(buckets: buckets, sum: stats.latencySum, count: cumulative))])
        let claims = MetricFamily(
            name: "cloudplane_scheduler_claims", help: "Live placement claims.", kind: .gauge,
            samples: [Sample([], Double(st))])
        return [decisions.family, rejections.family, filtered.family, latency, claims]
    }
}
