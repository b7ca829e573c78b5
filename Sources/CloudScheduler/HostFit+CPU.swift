/// What one host can offer a request, before scoring.
package struct HostFit: Sendable {
    package var numa: [NUMAAllocation]
    package var gpus: [GPUAllocation]
    /// CPUs, memory and GPUs all on one NUMA node.
    var numaLocal: Bool
    /// The preferred GPU model was used (nil: none was asked for).
    var modelMatched: Bool?
    /// Minimum pairwise bandwidth of a multi-GPU set, GB/s (0 for one GPU).
    var gpuBandwidth: Int
    /// Placement freedom lost on partially used GPUs (MIG/vGPU/VF) and whole GPUs broken up.
    var fragmentationCost: Int
    /// The passthrough GPUs form one NVLink set (an NVSwitch partition or a bridged clique).
    var nvlinkSet = false
}

/// CPU and memory placement on a host's NUMA nodes.
enum CPUMemory {
    /// Everything on node `n`, or nil when it does not fit there.
    static func onNode(_ n: Int, _ nodes: [NUMAState], _ r: ResourceRequest, _ p: PolicyNumbers) -> NUMAAllocation? {
        var node = nodes[n]
        var a = NUMAAllocation(node: n)
        guard take(&node, &a, r, vcpus: r.vcpus, memoryMB: r.memoryMB, policy: p) else { return nil }
        return a
    }

    /// Spread over nodes, most free first; nil when the host as a whole lacks room.
    static func spread(_ nodes0: [NUMAState], _ r: ResourceRequest, _ p: PolicyNumbers) -> [NUMAAllocation]? {
        var roomiest = 0
        for n in nodes0.indices where room(nodes0[n], r, p) > room(nodes0[roomiest], r, p) { roomiest = n }
        if let one = onNode(roomiest, nodes0, r, p) { return [one] }
        var nodes = nodes0
        var allocs = nodes.indices.map { NUMAAllocation(node: $0) }
        var cpusLeft = r.vcpus
        var memLeft = r.memoryMB
        let order = nodes.indices.sorted { room(nodes[$0], r, p) > room(nodes[$1], r, p) }
        for n in order where cpusLeft > 0 || memLeft > 0 {
            let cpuHere = min(cpusLeft, cpuRoom(nodes[n], r, p))
            let memHere = min(memLeft, memRoom(nodes[n], r, p))
            guard cpuHere > 0 || memHere > 0 else { continue }
            guard take(&nodes[n], &allocs[n], r, vcpus: cpuHere, memoryMB: memHere, policy: p) else { return nil }
            cpusLeft -= cpuHere
            memLeft -= memHere
        }
        guard cpusLeft == 0 && memLeft == 0 else { return nil }
        return allocs.filter { $0.dedicatedCPUs + $0.sharedVCPUs + $0.memoryMB + $0.huge2M + $0.huge1G > 0 }
    }

    static func room(_ n: NUMAState, _ r: ResourceRequest, _ p: PolicyNumbers) -> Int {
        min(cpuRoom(n, r, p) * 8192, memRoom(n, r, p))
    }

    static func cpuRoom(_ n: NUMAState, _ r: ResourceRequest, _ p: PolicyNumbers) -> Int {
        r.cpuPolicy == .dedicated
            ? n.dedicatedFree(ratio: p.cpu)
            : max(0, n.sharedFree(ratio: p.cpu))
    }

    static func memRoom(_ n: NUMAState, _ r: ResourceRequest, _ p: PolicyNumbers) -> Int {
        switch r.hugepages {
        case .none: max(0, n.memoryFree(ratio: p.ram))
        case .size2M: (n.huge2M - n.huge2MUsed) * 2
        case .size1G: (n.huge1G - n.huge1GUsed) * 1024
        }
    }

    /// Takes `vcpus` and `memoryMB` from `node` into `a` if they fit.
    static func take(
        _ node: inout NUMAState, _ a: inout NUMAAllocation, _ r: ResourceRequest, vcpus: Int, memoryMB: Int,
        policy p: PolicyNumbers
    ) -> Bool {
        if r.cpuPolicy == .dedicated {
            guard node.dedicatedFree(ratio: p.cpu) >= vcpus else { return false }
            node.dedicatedUsed += vcpus
            a.dedicatedCPUs += vcpus
        } else {
            guard node.sharedFree(ratio: p.cpu) >= vcpus else { return false }
            node.sharedUsed += vcpus
            a.sharedVCPUs += vcpus
        }
        switch r.hugepages {
        case .none:
            guard node.memoryFree(ratio: p.ram) >= memoryMB else { return false }
            node.memoryUsedMB += memoryMB
            a.memoryMB += memoryMB
        case .size2M:
            let pages = (memoryMB + 1) / 2
            guard node.huge2M - node.huge2MUsed >= pages else { return false }
            node.huge2MUsed += pages
            a.huge2M += pages
        case .size1G:
            let pages = (memoryMB + 1023) / 1024
            guard node.huge1G - node.huge1GUsed >= pages else { return false }
            node.huge1GUsed += pages
            a.huge1G += pages
        }
        return true
    }

    /// The host-level shortage, if any: the reason a host cannot fit the request however it splits.
    static func shortage(_ nodes: [NUMAState], _ r: ResourceRequest, _ p: PolicyNumbers) -> RejectReason? {
        let cpu = nodes.reduce(0) { $0 + cpuRoom($1, r, p) }
        if cpu < r.vcpus { return r.cpuPolicy == .dedicated ? .dedicatedCPU : .sharedCPU }
        let mem = nodes.reduce(0) { $0 + memRoom($1, r, p) }
        if mem < r.memoryMB { return r.hugepages == .none ? .memory : .hugepages(r.hugepages.rawValue) }
        return nil
    }
}
