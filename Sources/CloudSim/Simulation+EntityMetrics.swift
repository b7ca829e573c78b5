import CloudDrivers
import CloudMetrics
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
            return sum + world.gpuLoad(v).value(t)
        }
        return total / Double(gpu.holders.count)
    }

    func gpuWatts(_ h: Int, _ g: Int) -> Double {
        guard world.hosts[h].power == .on else { return 0 }
        let gpu = world.hosts[h].gpus[g]
        return gpu.idleWatts + (gpu.maxWatts - gpu.idleWatts) * gpuUtilization(h, g)
    }

    /// Settles the energy of the GPUs of instance `v`'s host before its state changes
    /// (`world.now` is the current event's time: `dispatch` and `advance(to:)` keep it).
    mutating func settleEnergy(of v: Int) {
        if let h = world.instances[v].host, !world.instances[v].gpuIndices.isEmpty { world.settleEnergy(host: h) }
    }

    /// Settles the energy of host `h`'s GPUs before its power changes.
    mutating func settleEnergy(host h: Int) { world.settleEnergy(host: h) }

    func gpuSamples() -> [GPUSample] {
        var out: [GPUSample] = []
        for (h, host) in world.hosts.enumerated() {
            // identity and health through the inventory driver, as a live runtime reads them
            for (g, hw) in gpus(on: h).enumerated() {
                let gpu = host.gpus[g]
                let u = gpuUtilization(h, g)
                let total = Double(hw.vramMB) * 1_048_576
                let used = gpu.holders.isEmpty || host.power != .on ? 0 : total * min(0.95, 0.3 + 0.6 * u)
                let (mode, migUsed, instances) = Self.gpuUse(world.scheduler.hosts[h].gpus[g].use)
                var sample = GPUSample(
                    uuid: hw.uuid, host: host.name, model: hw.model, pciAddress: hw.pciAddress, index: g,
                    healthy: hw.health == .healthy, utilizationRatio: u, framebufferUsedBytes: used.rounded(),
                    framebufferFreeBytes: (total - used).rounded(),
                    temperatureCelsius: host.power == .on ? (32 + 48 * u).rounded() : 0,
                    powerWatts: (gpuWatts(h, g) * 10).rounded() / 10,
                    energyJoules: world.energy(h, g, at: kernel.now).rounded(),
                    xidErrors: hw.xidErrors, lastXid: hw.lastXid ?? 0, migSlicesUsed: migUsed,
                    vgpuInstances: instances, mode: mode)
                sample.xidByClass = XidClass.allCases.map { LabeledValue($0.rawValue, Double(hw.xidByClass[$0.index])) }
                out.append(sample)
            }
        }
        return out
    }

    static func gpuUse(_ use: GPUUse) -> (String, Int, Int) {
        switch use {
        case .free: ("free", 0, 0)
        case .passthrough: ("passthrough", 0, 0)
        case .sriov(let n): ("sriov", 0, n)
        case .vgpu(_, let n): ("vgpu", 0, n)
        case .vgpuMixed: ("vgpu_mixed", 0, 1)
        case .mig(let mask, _): ("mig", mask.nonzeroBitCount, 0)
        }
    }

    func vmSamples() -> ([VMSample], [LabeledValue]) {
        let t = virtualSeconds
        // instances destroyed through the API keep their handle but leave the metrics
        let vms = world.instances.enumerated().filter { $0.element.instance.state != .destroying }.map { v, inst in
            var usage: VMUsage?
            if inst.status == .running || inst.priorBusySeconds > 0 {
                let shape = vmLoad(v)
                // counters carry on across incarnations: they never decrease
                let current =
                    inst.status == .running ? shape.integral(t) - shape.integral(Double(inst.startedAt) / 1e9) : 0
                let busy = inst.priorBusySeconds + current
                let cores = Double(inst.instance.cpu.cores)
                usage = VMUsage(
                    memoryUsedBytes: (Double(inst.instance.memory) * 1_048_576 * (0.35 + 0.5 * shape.value(t)))
                        .rounded(),
                    cpuSeconds: (busy * cores * 1000).rounded() / 1000,
                    diskReadBytes: (busy * cores * 2_500_000).rounded(),
                    diskWrittenBytes: (busy * cores * 1_200_000).rounded(),
                    receiveBytes: (busy * cores * 4_000_000).rounded(),
                    transmitBytes: (busy * cores * 3_000_000).rounded())
            }
            var sample = VMSample(
                id: inst.instance.id.rawValue, name: inst.instance.name, tenant: tenantName(inst),
                flavor: inst.instance.flavor, haPriority: inst.instance.haPriority.rawValue,
                host: inst.host.map { world.hosts[$0].name } ?? "", state: inst.status.rawValue,
                vcpus: Double(inst.instance.cpu.cores), memoryBytes: Double(inst.instance.memory) * 1_048_576,
                usage: usage)
            sample.gpus = world.placedGPUs(v).map {
                VMGPU(
                    gpu: $0.gpu, uuid: $0.uuid, mode: $0.mode, profile: $0.profile, count: $0.count,
                    migStart: $0.migStart)
            }
            return sample
        }
        let byStatus = InstanceStatus.allCases.map { status in
            LabeledValue(
                status.rawValue,
                Double(world.instances.count(where: { $0.status == status && $0.instance.state != .destroying })))
        }
        return (vms, byStatus)
    }

    func tenantName(_ inst: SimInstance) -> String {
        world.organizations.first { $0.id == inst.instance.organizationID }?.name ?? ""
    }

    func tenantSamples() -> ([TenantSample], [FlavorSample]) {
        var flavors: [FlavorSample] = []
        for inst in world.instances where !flavors.contains(where: { $0.name == inst.instance.flavor }) {
            flavors.append(
                FlavorSample(
                    name: inst.instance.flavor, vcpus: inst.instance.cpu.cores,
                    memoryBytes: inst.instance.memory * 1_048_576, gpus: inst.instance.gpuCount))
        }
        var tenants: [TenantSample] = []
        for org in world.organizations where !org.isRoot {
            let mine = world.instances.filter { $0.instance.organizationID == org.id }
            let used = [
                LabeledValue("vcpus", Double(mine.reduce(0) { $0 + $1.instance.cpu.cores })),
                LabeledValue("memory_bytes", Double(mine.reduce(0) { $0 + $1.instance.memory }) * 1_048_576),
                LabeledValue("gpus", Double(mine.reduce(0) { $0 + $1.instance.gpuCount })),
                LabeledValue("instances", Double(mine.count)),
            ]
            var limits: [LabeledValue] = []
            if let q = spec.tenants.first(where: { $0.name == org.name }) {
                let all: [(String, Double?)] = [
                    ("vcpus", q.vcpus.map(Double.init)),
                    ("memory_bytes", q.memoryGB.map { Double($0) * 1_073_741_824 }),
                    ("gpus", q.gpus.map(Double.init)), ("instances", q.instances.map(Double.init)),
                ]
                limits = all.compactMap { r, v in v.map { LabeledValue(r, $0) } }
            }
            tenants.append(TenantSample(name: org.name, id: org.id.rawValue, usage: used, limits: limits))
        }
        return (tenants, flavors)
    }

    func schedulerSample() -> SchedulerSample {
        let stats = world.schedulerStats
        var s = SchedulerSample()
        s.placed = stats.placed
        s.rejected = stats.rejected
        s.rejections = stats.rejections.sorted(by: { $0.key < $1.key }).map { LabeledValue($0.key, Double($0.value)) }
        s.filteredHosts = stats.filteredHosts.sorted(by: { $0.key < $1.key }).map {
            LabeledValue($0.key, Double($0.value))
        }
        s.latencyBounds = SchedulerStats.latencyBounds
        s.latencyCounts = stats.latencyCounts
        s.latencySumSeconds = stats.latencySum
        s.claims = world.scheduler.claimCount
        return s
    }
}
