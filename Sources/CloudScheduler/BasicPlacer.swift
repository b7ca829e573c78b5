import CloudModel

/// Free capacity of one host as the placer sees it.
public struct HostCapacity: Sendable, Equatable {
    public var cluster: Int
    public var schedulable: Bool
    public var vcpuCapacity: Int
    public var vcpuUsed: Int
    public var memoryCapacityMB: Int
    public var memoryUsedMB: Int
    /// Per GPU: false when free.
    public var gpuTaken: [Bool]

    public init(cluster: Int, schedulable: Bool, vcpuCapacity: Int, memoryCapacityMB: Int, gpus: Int) {
        self.cluster = cluster
        self.schedulable = schedulable
        self.vcpuCapacity = vcpuCapacity
        self.vcpuUsed = 0
        self.memoryCapacityMB = memoryCapacityMB
        self.memoryUsedMB = 0
        self.gpuTaken = Array(repeating: false, count: gpus)
    }

    public var freeGPUs: Int { gpuTaken.reduce(0) { $0 + ($1 ? 0 : 1) } }
}

/// A placement request: whole resources, optionally pinned to a cluster.
public struct PlacementRequest: Sendable, Equatable {
    public var vcpus: Int
    public var memoryMB: Int
    public var gpus: Int
    public var cluster: Int?

    public init(vcpus: Int, memoryMB: Int, gpus: Int, cluster: Int?) {
        self.vcpus = vcpus
        self.memoryMB = memoryMB
        self.gpus = gpus
        self.cluster = cluster
    }
}

/// A granted placement: the host and the GPU indices taken.
public struct PlacementClaim: Sendable, Equatable {
    public var host: Int
    public var gpuIndices: [Int]
}

/// First cut of placement (the topology-aware scheduler replaces it): filter hosts by cluster,
/// schedulability, vCPUs, memory and whole free GPUs; pick the least-loaded host (spread), ties
/// broken by host index so the result is deterministic. GPUs are taken lowest index first.
public enum BasicPlacer {
    /// Returns the claim, or nil with no host fitting; applies nothing.
    public static func place(_ r: PlacementRequest, on hosts: [HostCapacity]) -> PlacementClaim? {
        var best: (index: Int, load: Int)?
        for (i, h) in hosts.enumerated() {
            guard h.schedulable, r.cluster.map({ $0 == h.cluster }) ?? true,
                h.vcpuUsed + r.vcpus <= h.vcpuCapacity, h.memoryUsedMB + r.memoryMB <= h.memoryCapacityMB,
                h.freeGPUs >= r.gpus
            else { continue }
            // load in parts per million of the tighter of CPU and memory, after placement
            let cpu = (h.vcpuUsed + r.vcpus) * 1_000_000 / max(h.vcpuCapacity, 1)
            let mem = (h.memoryUsedMB + r.memoryMB) * 1_000_000 / max(h.memoryCapacityMB, 1)
            let load = max(cpu, mem)
            if let current = best, load >= current.load { continue }
            best = (i, load)
        }
        guard let b = best else { return nil }
        let gpus = hosts[b.index].gpuTaken.indices.filter { !hosts[b.index].gpuTaken[$0] }.prefix(r.gpus)
        return PlacementClaim(host: b.index, gpuIndices: Array(gpus))
    }

    /// Applies a claim to the capacity table.
    public static func apply(_ c: PlacementClaim, _ r: PlacementRequest, to hosts: inout [HostCapacity]) {
        hosts[c.host].vcpuUsed += r.vcpus
        hosts[c.host].memoryUsedMB += r.memoryMB
        for g in c.gpuIndices {
            precondition(!hosts[c.host].gpuTaken[g], "GPU double-booked")
            hosts[c.host].gpuTaken[g] = true
        }
    }
}
