/// What a runtime knows about its fleet at one instant, as plain values: the input of the fleet
/// metric families. The simulator fills it from its world; a live runtime fills it from its
/// inventory, libvirt and DCGM. Either way the exported names and labels are the same.
public struct FleetSnapshot: Sendable, Equatable {
    public var hosts: [HostSample] = []
    public var gpus: [GPUSample] = []
    public var vms: [VMSample] = []
    /// Instances per observed status (label: the status), in the order to export.
    public var instancesByStatus: [LabeledValue] = []
    public var tenants: [TenantSample] = []
    public var flavors: [FlavorSample] = []
    public var scheduler = SchedulerSample()

    public init() {}
}

/// One host: identity, liveness, capacity and what is allocated on it.
public struct HostSample: Sendable, Equatable {
    public var name, id, template, cluster, rack, bmc: String
    /// Heartbeats arrive.
    public var up: Bool
    public var powered: Bool
    /// Seconds since the last heartbeat (nil: none yet).
    public var heartbeatAgeSeconds: Double?
    public var cpus: Double
    public var cpusAllocated: Double
    public var memoryBytes: Double
    public var memoryAllocatedBytes: Double
    public var cpuUtilizationRatio: Double
    public var powerWatts: Double
    public var instances: Double
    public var schedulable: Bool
    public var numa: [NUMASample]

    public init(
        name: String, id: String, template: String, cluster: String, rack: String, bmc: String, up: Bool,
        powered: Bool, heartbeatAgeSeconds: Double?, cpus: Double, cpusAllocated: Double, memoryBytes: Double,
        memoryAllocatedBytes: Double, cpuUtilizationRatio: Double, powerWatts: Double, instances: Double,
        schedulable: Bool, numa: [NUMASample]
    ) {
        (self.name, self.id, self.template, self.cluster, self.rack, self.bmc) = (
            name, id, template, cluster, rack, bmc
        )
        (self.up, self.powered, self.heartbeatAgeSeconds) = (up, powered, heartbeatAgeSeconds)
        (self.cpus, self.cpusAllocated, self.memoryBytes, self.memoryAllocatedBytes) =
            (cpus, cpusAllocated, memoryBytes, memoryAllocatedBytes)
        (self.cpuUtilizationRatio, self.powerWatts, self.instances, self.schedulable, self.numa) =
            (cpuUtilizationRatio, powerWatts, instances, schedulable, numa)
    }
}

/// One NUMA node of a host.
public struct NUMASample: Sendable, Equatable {
    public var cpus, cpusAllocated, memoryBytes, memoryAllocatedBytes: Double

    public init(cpus: Double, cpusAllocated: Double, memoryBytes: Double, memoryAllocatedBytes: Double) {
        (self.cpus, self.cpusAllocated, self.memoryBytes, self.memoryAllocatedBytes) =
            (cpus, cpusAllocated, memoryBytes, memoryAllocatedBytes)
    }
}

/// One GPU, as DCGM reports it, with the scheduler's view of its sharing mode.
public struct GPUSample: Sendable, Equatable {
    public var uuid, host, model, pciAddress: String
    public var index: Int
    public var healthy: Bool
    public var utilizationRatio, framebufferUsedBytes, framebufferFreeBytes, temperatureCelsius: Double
    public var powerWatts, energyJoules: Double
    public var xidErrors, lastXid, migSlicesUsed, vgpuInstances: Int
    /// `free`, `passthrough`, `sriov`, `vgpu`, `vgpu_mixed` or `mig`.
    public var mode: String
    /// Xid errors per class: (`fatal`, `degrading`, `application`) and count.
    public var xidByClass: [LabeledValue] = []

    public init(
        uuid: String, host: String, model: String, pciAddress: String, index: Int, healthy: Bool,
        utilizationRatio: Double, framebufferUsedBytes: Double, framebufferFreeBytes: Double,
        temperatureCelsius: Double, powerWatts: Double, energyJoules: Double, xidErrors: Int, lastXid: Int,
        migSlicesUsed: Int, vgpuInstances: Int, mode: String
    ) {
        (self.uuid, self.host, self.model, self.pciAddress, self.index, self.healthy) =
            (uuid, host, model, pciAddress, index, healthy)
        (self.utilizationRatio, self.framebufferUsedBytes, self.framebufferFreeBytes, self.temperatureCelsius) =
            (utilizationRatio, framebufferUsedBytes, framebufferFreeBytes, temperatureCelsius)
        (self.powerWatts, self.energyJoules, self.xidErrors, self.lastXid) = (
            powerWatts, energyJoules, xidErrors, lastXid
        )
        (self.migSlicesUsed, self.vgpuInstances, self.mode) = (migSlicesUsed, vgpuInstances, mode)
    }
}

/// One VM: identity, observed state and, while it runs, its usage counters.
public struct VMSample: Sendable, Equatable {
    public var id, name, tenant, flavor, haPriority, host, state: String
    public var vcpus, memoryBytes: Double
    /// Usage since the guest started; nil while it does not run.
    public var usage: VMUsage?
    /// The GPU resources the VM holds.
    public var gpus: [VMGPU] = []

    public init(
        id: String, name: String, tenant: String, flavor: String, haPriority: String, host: String, state: String,
        vcpus: Double, memoryBytes: Double, usage: VMUsage?
    ) {
        (self.id, self.name, self.tenant, self.flavor, self.haPriority, self.host, self.state) =
            (id, name, tenant, flavor, haPriority, host, state)
        (self.vcpus, self.memoryBytes, self.usage) = (vcpus, memoryBytes, usage)
    }
}

/// One GPU resource a VM holds, for `cloudplane_vm_gpu_info`.
public struct VMGPU: Sendable, Equatable {
    public var gpu: Int
    public var uuid, mode, profile: String
    public var count: Int
    public var migStart: Int?

    public init(gpu: Int, uuid: String, mode: String, profile: String, count: Int, migStart: Int?) {
        (self.gpu, self.uuid, self.mode, self.profile, self.count, self.migStart) =
            (gpu, uuid, mode, profile, count, migStart)
    }
}

/// A running VM's usage counters.
public struct VMUsage: Sendable, Equatable {
    public var memoryUsedBytes, cpuSeconds, diskReadBytes, diskWrittenBytes, receiveBytes, transmitBytes: Double

    public init(
        memoryUsedBytes: Double, cpuSeconds: Double, diskReadBytes: Double, diskWrittenBytes: Double,
        receiveBytes: Double, transmitBytes: Double
    ) {
        (self.memoryUsedBytes, self.cpuSeconds, self.diskReadBytes, self.diskWrittenBytes) =
            (memoryUsedBytes, cpuSeconds, diskReadBytes, diskWrittenBytes)
        (self.receiveBytes, self.transmitBytes) = (receiveBytes, transmitBytes)
    }
}

/// A tenant: identity, usage per resource and quota limits per resource (absent: unlimited).
public struct TenantSample: Sendable, Equatable {
    public var name, id: String
    public var usage: [LabeledValue]
    public var limits: [LabeledValue]

    public init(name: String, id: String, usage: [LabeledValue], limits: [LabeledValue]) {
        (self.name, self.id, self.usage, self.limits) = (name, id, usage, limits)
    }
}

/// A value under a label: a quota resource (`vcpus`, `memory_bytes`, `gpus`, `instances`), a
/// rejection reason, an instance status.
public struct LabeledValue: Sendable, Equatable {
    public var label: String
    public var value: Double

    public init(_ label: String, _ value: Double) { (self.label, self.value) = (label, value) }
}

/// A flavor in use.
public struct FlavorSample: Sendable, Equatable {
    public var name: String
    public var vcpus, memoryBytes, gpus: Int

    public init(name: String, vcpus: Int, memoryBytes: Int, gpus: Int) {
        (self.name, self.vcpus, self.memoryBytes, self.gpus) = (name, vcpus, memoryBytes, gpus)
    }
}

/// The scheduler's counters.
public struct SchedulerSample: Sendable, Equatable {
    public var placed = 0
    public var rejected = 0
    /// Rejections by reason label, sorted by label.
    public var rejections: [LabeledValue] = []
    /// Hosts filtered out by reason label, sorted by label.
    public var filteredHosts: [LabeledValue] = []
    /// Upper bounds of the decision-latency histogram, seconds, and non-cumulative counts per
    /// bucket (one more than the bounds: the last is +Inf).
    public var latencyBounds: [Double] = []
    public var latencyCounts: [UInt64] = []
    public var latencySumSeconds = 0.0
    public var claims = 0

    public init() {}
}
