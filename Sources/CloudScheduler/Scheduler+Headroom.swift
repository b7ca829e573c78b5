/// What one host can still take: shared vCPUs and memory at its cluster's overcommit, and its
/// whole free GPUs.
public struct HostHeadroom: Sendable, Equatable {
    public var vcpus: Int
    public var vcpuCapacity: Int
    public var memoryMB: Int
    public var memoryCapacityMB: Int
    /// Healthy GPUs nothing holds.
    public var freeGPUs: Int
    public var gpus: Int
    /// The model of the host's GPUs (empty without GPUs).
    public var gpuModel: String
}

extension Scheduler {
    /// Host `h`'s headroom (cordoned or in maintenance: none, but its capacity still counts).
    public func headroom(_ h: Int) -> HostHeadroom {
        let host = hosts[h]
        let p = numbers[host.cluster]
        let open = !host.cordoned && !host.maintenance
        var r = HostHeadroom(
            vcpus: 0, vcpuCapacity: 0, memoryMB: 0, memoryCapacityMB: 0, freeGPUs: 0, gpus: host.gpus.count,
            gpuModel: host.gpus.first?.model ?? "")
        for n in host.numa {
            r.vcpuCapacity += n.cpus * p.cpu / 100
            r.memoryCapacityMB += n.memoryMB * p.ram / 100
            if open {
                r.vcpus += max(0, n.sharedFree(ratio: p.cpu))
                r.memoryMB += max(0, n.memoryFree(ratio: p.ram))
            }
        }
        if open { r.freeGPUs = host.gpus.count(where: { $0.healthy && $0.use == .free }) }
        return r
    }
}
