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

extension Simulation {
    /// The run's state as Prometheus metric families, with the names a live deployment exports:
    /// hosts, VMs, GPUs, tenants, HA, the scheduler and the simulator itself.
    func metrics() -> [MetricFamily] {
        let snapshot = fleetSnapshot()
        return FleetMetrics.entityFamilies(snapshot)
            + HAMetrics.families(control: control, recoveryDurations: probe.rto)
            + FleetMetrics.schedulerFamilies(snapshot.scheduler) + simMetrics()
    }

    /// The world as a runtime-neutral snapshot (what CloudMetrics exports).
    func fleetSnapshot() -> FleetSnapshot {
        var s = FleetSnapshot()
        s.hosts = hostSamples()
        s.gpus = gpuSamples()
        (s.vms, s.instancesByStatus) = vmSamples()
        (s.tenants, s.flavors) = tenantSamples()
        s.scheduler = schedulerSample()
        return s
    }

    var virtualSeconds: Double { Double(kernel.now) / 1e9 }

    /// Seed of an entity's load shape: its stable ID mixed with the run's seed.
    func shapeSeed(_ id: String) -> UInt64 { SimWorld.shapeSeed(id, seed) }

    func vmLoad(_ v: Int) -> LoadShape { LoadShape(seed: shapeSeed(world.instances[v].instance.id.rawValue)) }

    /// CPU utilization of a running VM now (0 when it is not running).
    func vmUtilization(_ v: Int) -> Double {
        world.instances[v].status == .running ? vmLoad(v).value(virtualSeconds) : 0
    }

    func hostSamples() -> [HostSample] {
        let now = kernel.now
        let interval = spec.settings.heartbeatIntervalNanoseconds
        return world.hosts.enumerated().map { h, host in
            let s = world.scheduler.hosts[h]
            let busy = world.hostInstances[h].reduce(0.0) {
                $0 + vmUtilization($1) * Double(world.instances[$1].instance.cpu.cores)
            }
            let ratio = host.power == .on ? min(1, 0.02 + busy / Double(max(1, host.node.hardware.cpuCount))) : 0
            let gpuDraw = host.gpus.indices.reduce(0.0) { $0 + self.gpuWatts(h, $1) }
            return HostSample(
                name: host.name, id: host.node.id.rawValue, template: host.node.hardware.template,
                cluster: world.clusters[host.cluster].name, rack: host.node.rack ?? "",
                bmc: host.node.hardware.bmc.address, up: monitor.health[h] == .online, powered: host.power == .on,
                heartbeatAgeSeconds: host.heartbeat.lastHeartbeat(now: now, interval: interval).map {
                    Double(now - $0) / 1e9
                },
                cpus: Double(host.node.hardware.cpuCount),
                cpusAllocated: Double(s.numa.reduce(0) { $0 + $1.dedicatedUsed + $1.sharedUsed }),
                memoryBytes: Double(host.node.hardware.memoryMB) * 1_048_576,
                memoryAllocatedBytes: Double(s.numa.reduce(0) { $0 + $1.memoryUsedMB }) * 1_048_576,
                cpuUtilizationRatio: ratio, powerWatts: host.power == .on ? 180 + 320 * ratio + gpuDraw : 0,
                instances: Double(world.hostInstances[h].count), schedulable: !(s.cordoned || s.maintenance),
                numa: s.numa.map {
                    NUMASample(
                        cpus: Double($0.cpus), cpusAllocated: Double($0.dedicatedUsed + $0.sharedUsed),
                        memoryBytes: Double($0.memoryMB) * 1_048_576,
                        memoryAllocatedBytes: Double($0.memoryUsedMB) * 1_048_576)
                })
        }
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
