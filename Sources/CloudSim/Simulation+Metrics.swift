import CloudModel
import CloudTelemetry

extension Simulation {
    /// The run's state as Prometheus metric families, with the names a live deployment exports:
    /// per host, GPU and instance, plus the simulator's own counters.
    func metrics() -> [MetricFamily] {
        let now = kernel.now
        let interval = spec.settings.heartbeatInterval
        var info = MetricFamily(name: "cloudplane_host", help: "Host identity and placement.", kind: .info)
        var up = MetricFamily(name: "cloudplane_host_up", help: "1 when the host's heartbeats arrive.", kind: .gauge)
        var power = MetricFamily(name: "cloudplane_host_power_on", help: "1 when the host has power.", kind: .gauge)
        var age = MetricFamily(name: "cloudplane_host_heartbeat_age_seconds",
            help: "Time since the host's last heartbeat arrived.", kind: .gauge, unit: "seconds")
        var cpus = MetricFamily(name: "cloudplane_host_cpus", help: "Logical CPUs of the host.", kind: .gauge)
        var memory = MetricFamily(name: "cloudplane_host_memory_bytes", help: "Memory of the host.", kind: .gauge,
            unit: "bytes")
        var instances = MetricFamily(name: "cloudplane_host_instances", help: "Instances placed on the host.",
            kind: .gauge)
        for (h, host) in world.hosts.enumerated() {
            let l = [("host", host.name)]
            info.samples.append(Sample([("host", host.name), ("id", host.node.id.rawValue),
                ("template", host.node.hardware.template), ("cluster", world.clusters[host.cluster].name),
                ("rack", host.node.rack ?? ""), ("bmc", host.node.hardware.bmc.address)], 1))
            up.samples.append(Sample(l, monitor.health[h] == .online ? 1 : 0))
            power.samples.append(Sample(l, host.power == .on ? 1 : 0))
            if let last = host.heartbeat.lastHeartbeat(now: now, interval: interval) {
                age.samples.append(Sample(l, Double(now - last) / 1e9))
            }
            cpus.samples.append(Sample(l, Double(host.node.hardware.cpuCount)))
            memory.samples.append(Sample(l, Double(host.node.hardware.memoryMB) * 1_048_576))
            instances.samples.append(Sample(l, Double(world.hostInstances[h].count)))
        }
        return [info, up, power, age, cpus, memory, instances] + gpuMetrics() + instanceMetrics() + haMetrics()
            + simMetrics()
    }

    func gpuMetrics() -> [MetricFamily] {
        var info = MetricFamily(name: "cloudplane_gpu", help: "GPU identity.", kind: .info)
        var healthy = MetricFamily(name: "cloudplane_gpu_healthy", help: "1 when the GPU is healthy.", kind: .gauge)
        var xid = MetricFamily(name: "cloudplane_gpu_xid_errors", help: "Xid errors reported by the GPU.", kind: .counter)
        var lastXid = MetricFamily(name: "cloudplane_gpu_last_xid", help: "The last Xid code (0: none).", kind: .gauge)
        for host in world.hosts {
            for (g, gpu) in host.gpus.enumerated() {
                let hw = host.node.hardware.gpus[g]
                let l = [("host", host.name), ("gpu", String(g))]
                info.samples.append(Sample(l + [("uuid", hw.uuid), ("model", hw.model), ("pci", hw.pciAddress)], 1))
                healthy.samples.append(Sample(l, gpu.health == .healthy ? 1 : 0))
                xid.samples.append(Sample(l, Double(gpu.xidErrors)))
                lastXid.samples.append(Sample(l, Double(gpu.lastXid ?? 0)))
            }
        }
        return [info, healthy, xid, lastXid]
    }

    func instanceMetrics() -> [MetricFamily] {
        var info = MetricFamily(name: "cloudplane_instance", help: "Instance identity and placement.", kind: .info)
        var byStatus = MetricFamily(name: "cloudplane_instances", help: "Instances by observed status.", kind: .gauge)
        for inst in world.instances {
            let host = inst.host.map { world.hosts[$0].name } ?? ""
            let tenant = world.organizations.first { $0.id == inst.instance.organizationID }?.name ?? ""
            info.samples.append(Sample([("instance", inst.instance.name), ("id", inst.instance.id.rawValue),
                ("tenant", tenant), ("flavor", inst.instance.flavor), ("ha_priority", inst.instance.haPriority.rawValue),
                ("host", host), ("status", inst.status.rawValue)], 1))
        }
        for status in InstanceStatus.allCases {
            byStatus.samples.append(Sample([("status", status.rawValue)],
                Double(world.instances.count(where: { $0.status == status }))))
        }
        return [info, byStatus]
    }

    func simMetrics() -> [MetricFamily] {
        [
            MetricFamily(name: "cloudplane_sim_events", help: "Events the simulator dispatched.", kind: .counter,
                samples: [Sample([], Double(kernel.dispatched))]),
            MetricFamily(name: "cloudplane_sim_virtual_time_seconds", help: "Virtual time reached.", kind: .gauge,
                unit: "seconds", samples: [Sample([], Double(kernel.now) / 1e9)]),
            MetricFamily(name: "cloudplane_scheduler_claims", help: "Live placement claims.", kind: .gauge,
                samples: [Sample([], Double(world.scheduler.claimCount))]),
        ]
    }
}
