import CloudControl
import CloudMetrics
import CloudModel
import CloudScheduler
import CloudTelemetry

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Builds one family of per-entity samples.
struct FamilyBuilder {
    var family: MetricFamily

    init(_ name: String, _ help: String, _ kind: MetricKind = .gauge, unit: String? = nil) {
        family = MetricFamily(name: name, help: help, kind: kind, unit: unit)
    }

    mutating func add(_ labels: [(String, String)], _ v: Double) { family.samples.append(Sample(labels, v)) }
}

extension Simulation {
    /// The run's state as Prometheus metric families, with the names a live deployment exports:
    /// hosts, VMs, GPUs, tenants, HA, the scheduler and the simulator itself.
    func metrics() -> [MetricFamily] {
        hostMetrics() + numaMetrics() + gpuMetrics() + vmMetrics() + tenantMetrics()
            + HAMetrics.families(control: control, recoveryDurations: probe.rto) + schedulerMetrics()
            + simMetrics()
    }

    var virtualSeconds: Double { Double(kernel.now) / 1e9 }

    /// Seed of an entity's load shape: its stable ID mixed with the run's seed.
    func shapeSeed(_ id: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for b in id.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    func vmLoad(_ v: Int) -> LoadShape { LoadShape(seed: shapeSeed(world.instances[v].instance.id.rawValue)) }

    /// CPU utilization of a running VM now (0 when it is not running).
    func vmUtilization(_ v: Int) -> Double {
        world.instances[v].status == .running ? vmLoad(v).value(virtualSeconds) : 0
    }

    func hostMetrics() -> [MetricFamily] {
        let now = kernel.now
        let interval = spec.settings.heartbeatInterval
        var info = FamilyBuilder("cloudplane_host", "Host identity and placement.", .info)
        var up = FamilyBuilder("cloudplane_host_up", "1 when the host's heartbeats arrive.")
        var power = FamilyBuilder("cloudplane_host_power_on", "1 when the host has power.")
        var age = FamilyBuilder(
            "cloudplane_host_heartbeat_age_seconds", "Time since the host's last heartbeat arrived.",
            unit: "seconds")
        var cpus = FamilyBuilder("cloudplane_host_cpus", "Logical CPUs of the host.")
        var cpusAllocated = FamilyBuilder(
            "cloudplane_host_cpus_allocated",
            "vCPUs allocated to instances on the host (shared and pinned; may exceed cpus with overcommit).")
        var memory = FamilyBuilder("cloudplane_host_memory_bytes", "Memory of the host.", unit: "bytes")
        var memoryAllocated = FamilyBuilder(
            "cloudplane_host_memory_allocated_bytes",
            "Memory allocated to instances on the host.", unit: "bytes")
        var util = FamilyBuilder(
            "cloudplane_host_cpu_utilization_ratio",
            "CPU busy share of the host: its running instances' load over its CPUs.", unit: "ratio")
        var watts = FamilyBuilder(
            "cloudplane_host_power_watts", "Power drawn by the host, GPUs included.", unit: "watts")
        var instances = FamilyBuilder("cloudplane_host_instances", "Instances placed on the host.")
        var schedulable = FamilyBuilder("cloudplane_host_schedulable", "1 when the scheduler may place on the host.")
        for (h, host) in world.hosts.enumerated() {
            let l = [("host", host.name)]
            info.add(
                [
                    ("host", host.name), ("id", host.node.id.rawValue), ("template", host.node.hardware.template),
                    ("cluster", world.clusters[host.cluster].name), ("rack", host.node.rack ?? ""),
                    ("bmc", host.node.hardware.bmc.address),
                ], 1)
            up.add(l, monitor.health[h] == .online ? 1 : 0)
            power.add(l, host.power == .on ? 1 : 0)
            if let last = host.heartbeat.lastHeartbeat(now: now, interval: interval) {
                age.add(l, Double(now - last) / 1e9)
            }
            let s = world.scheduler.hosts[h]
            cpus.add(l, Double(host.node.hardware.cpuCount))
            cpusAllocated.add(l, Double(s.numa.reduce(0) { $0 + $1.dedicatedUsed + $1.sharedUsed }))
            memory.add(l, Double(host.node.hardware.memoryMB) * 1_048_576)
            memoryAllocated.add(l, Double(s.numa.reduce(0) { $0 + $1.memoryUsedMB }) * 1_048_576)
            let busy = world.hostInstances[h].reduce(0.0) {
                $0 + vmUtilization($1) * Double(world.instances[$1].instance.cpu.cores)
            }
            let ratio = host.power == .on ? min(1, 0.02 + busy / Double(max(1, host.node.hardware.cpuCount))) : 0
            util.add(l, ratio)
            let gpuDraw = host.gpus.indices.reduce(0.0) { $0 + self.gpuWatts(h, $1) }
            watts.add(l, host.power == .on ? 180 + 320 * ratio + gpuDraw : 0)
            instances.add(l, Double(world.hostInstances[h].count))
            schedulable.add(l, s.cordoned || s.maintenance ? 0 : 1)
        }
        return [
            info, up, power, age, cpus, cpusAllocated, memory, memoryAllocated, util, watts, instances, schedulable,
        ]
        .map(\.family)
    }

    func numaMetrics() -> [MetricFamily] {
        var cpus = FamilyBuilder("cloudplane_host_numa_cpus", "Logical CPUs of a NUMA node.")
        var cpusAllocated = FamilyBuilder("cloudplane_host_numa_cpus_allocated", "vCPUs allocated on a NUMA node.")
        var memory = FamilyBuilder(
            "cloudplane_host_numa_memory_bytes", "Memory of a NUMA node (hugepages excluded).",
            unit: "bytes")
        var memoryAllocated = FamilyBuilder(
            "cloudplane_host_numa_memory_allocated_bytes",
            "Memory allocated on a NUMA node.", unit: "bytes")
        for (h, host) in world.hosts.enumerated() {
            for (n, node) in world.scheduler.hosts[h].numa.enumerated() {
                let l = [("host", host.name), ("numa", String(n))]
                cpus.add(l, Double(node.cpus))
                cpusAllocated.add(l, Double(node.dedicatedUsed + node.sharedUsed))
                memory.add(l, Double(node.memoryMB) * 1_048_576)
                memoryAllocated.add(l, Double(node.memoryUsedMB) * 1_048_576)
            }
        }
        return [cpus, cpusAllocated, memory, memoryAllocated].map(\.family)
    }

    func simMetrics() -> [MetricFamily] {
        [
            MetricFamily(
                name: "cloudplane_sim_events", help: "Events the simulator dispatched.", kind: .counter,
                samples: [Sample([], Double(kernel.dispatched))]),
            MetricFamily(
                name: "cloudplane_sim_virtual_time_seconds", help: "Virtual time reached.", kind: .gauge,
                unit: "seconds", samples: [Sample([], virtualSeconds)]),
        ]
    }
}
