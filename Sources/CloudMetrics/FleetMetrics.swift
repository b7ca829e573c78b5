import CloudModel
import CloudTelemetry

/// Builds one family of per-entity samples.
package struct FamilyBuilder {
    package var family: MetricFamily

    package init(_ name: String, _ help: String, _ kind: MetricKind = .gauge, unit: String? = nil) {
        family = MetricFamily(name: name, help: help, kind: kind, unit: unit)
    }

    package mutating func add(_ labels: [(String, String)], _ v: Double) { family.samples.append(Sample(labels, v)) }
}

/// The fleet's metric families (hosts, NUMA nodes, GPUs, VMs, tenants, the scheduler) over a
/// runtime-neutral `FleetSnapshot`: every runtime exports the same names and labels.
public enum FleetMetrics {
    /// Host, NUMA, GPU, VM and tenant families, in that order.
    public static func entityFamilies(_ s: FleetSnapshot) -> [MetricFamily] {
        hostFamilies(s.hosts) + numaFamilies(s.hosts) + gpuFamilies(s.gpus) + vmFamilies(s.vms, s.instancesByStatus)
            + tenantFamilies(s.tenants, s.flavors)
    }

    static func hostFamilies(_ hosts: [HostSample]) -> [MetricFamily] {
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
        for host in hosts {
            let l = [("host", host.name)]
            info.add(
                [
                    ("host", host.name), ("id", host.id), ("template", host.template), ("cluster", host.cluster),
                    ("rack", host.rack), ("bmc", host.bmc),
                ], 1)
            up.add(l, host.up ? 1 : 0)
            power.add(l, host.powered ? 1 : 0)
            if let a = host.heartbeatAgeSeconds { age.add(l, a) }
            cpus.add(l, host.cpus)
            cpusAllocated.add(l, host.cpusAllocated)
            memory.add(l, host.memoryBytes)
            memoryAllocated.add(l, host.memoryAllocatedBytes)
            util.add(l, host.cpuUtilizationRatio)
            watts.add(l, host.powerWatts)
            instances.add(l, host.instances)
            schedulable.add(l, host.schedulable ? 1 : 0)
        }
        return [
            info, up, power, age, cpus, cpusAllocated, memory, memoryAllocated, util, watts, instances, schedulable,
        ]
        .map(\.family)
    }

    static func numaFamilies(_ hosts: [HostSample]) -> [MetricFamily] {
        var cpus = FamilyBuilder("cloudplane_host_numa_cpus", "Logical CPUs of a NUMA node.")
        var cpusAllocated = FamilyBuilder("cloudplane_host_numa_cpus_allocated", "vCPUs allocated on a NUMA node.")
        var memory = FamilyBuilder(
            "cloudplane_host_numa_memory_bytes", "Memory of a NUMA node (hugepages excluded).",
            unit: "bytes")
        var memoryAllocated = FamilyBuilder(
            "cloudplane_host_numa_memory_allocated_bytes",
            "Memory allocated on a NUMA node.", unit: "bytes")
        for host in hosts {
            for (n, node) in host.numa.enumerated() {
                let l = [("host", host.name), ("numa", String(n))]
                cpus.add(l, node.cpus)
                cpusAllocated.add(l, node.cpusAllocated)
                memory.add(l, node.memoryBytes)
                memoryAllocated.add(l, node.memoryAllocatedBytes)
            }
        }
        return [cpus, cpusAllocated, memory, memoryAllocated].map(\.family)
    }

    static func gpuFamilies(_ gpus: [GPUSample]) -> [MetricFamily] {
        var info = FamilyBuilder(
            "cloudplane_gpu", "GPU identity (DCGM label names): index, UUID, host, modelName, pci_bus_id, device.",
            .info)
        var healthy = FamilyBuilder("cloudplane_gpu_healthy", "1 when the GPU is healthy.")
        var util = FamilyBuilder(
            "cloudplane_gpu_utilization_ratio", "Share of time the GPU's engines were busy.",
            unit: "ratio")
        var fbUsed = FamilyBuilder("cloudplane_gpu_framebuffer_used_bytes", "GPU memory in use.", unit: "bytes")
        var fbFree = FamilyBuilder("cloudplane_gpu_framebuffer_free_bytes", "GPU memory free.", unit: "bytes")
        var temp = FamilyBuilder("cloudplane_gpu_temperature_celsius", "GPU core temperature.", unit: "celsius")
        var watts = FamilyBuilder("cloudplane_gpu_power_watts", "GPU board power draw.", unit: "watts")
        var energy = FamilyBuilder("cloudplane_gpu_energy_joules", "Energy the GPU used.", .counter, unit: "joules")
        var xid = FamilyBuilder(
            "cloudplane_gpu_xid_errors", "Xid errors reported by the GPU, by class (fatal, degrading, application).",
            .counter)
        var lastXid = FamilyBuilder("cloudplane_gpu_last_xid", "The last Xid code (0: none).")
        var mig = FamilyBuilder("cloudplane_gpu_mig_slices_used", "MIG memory slices in use.")
        var vgpu = FamilyBuilder("cloudplane_gpu_vgpu_instances", "vGPU instances (or SR-IOV VFs) in use.")
        var mode = FamilyBuilder("cloudplane_gpu_mode", "1 for the GPU's current sharing mode.")
        for gpu in gpus {
            // DCGM's names (gpu: the index, UUID, Hostname), so DCGM dashboards join ours; host as
            // on every other cloudplane family
            let l = [("gpu", String(gpu.index)), ("UUID", gpu.uuid), ("Hostname", gpu.host), ("host", gpu.host)]
            info.add(
                l + [("modelName", gpu.model), ("pci_bus_id", gpu.pciAddress), ("device", "nvidia\(gpu.index)")], 1)
            healthy.add(l, gpu.healthy ? 1 : 0)
            util.add(l, gpu.utilizationRatio)
            fbUsed.add(l, gpu.framebufferUsedBytes)
            fbFree.add(l, gpu.framebufferFreeBytes)
            temp.add(l, gpu.temperatureCelsius)
            watts.add(l, gpu.powerWatts)
            energy.add(l, gpu.energyJoules)
            let classes =
                gpu.xidByClass.isEmpty ? XidClass.allCases.map { LabeledValue($0.rawValue, 0) } : gpu.xidByClass
            for c in classes { xid.add(l + [("class", c.label)], c.value) }
            lastXid.add(l, Double(gpu.lastXid))
            mig.add(l, Double(gpu.migSlicesUsed))
            vgpu.add(l, Double(gpu.vgpuInstances))
            mode.add(l + [("mode", gpu.mode)], 1)
        }
        return [info, healthy, util, fbUsed, fbFree, temp, watts, energy, xid, lastXid, mig, vgpu, mode].map(\.family)
    }
}
