extension Scheduler {
    /// Static filters: state, cluster, zone, labels and strict group rules.
    func staticReject(_ h: Int, _ r: ResourceRequest) -> RejectReason? {
        let host = hosts[h]
        if host.maintenance { return .maintenance }
        if host.cordoned { return .cordoned }
        let policy = policies[host.cluster]
        if let c = r.cluster, policy.name != c { return .otherCluster(c) }
        if let z = r.zone, policy.zone != z { return .otherZone(z) }
        for l in r.labels where !host.labels.contains(l) { return .missingLabel(l) }
        for rule in r.groups where rule.strength == .strict {
            let here = host.groupMembers[rule.group] ?? 0
            switch rule.kind {
            case .antiAffinity where here > 0: return .antiAffinity(rule.group)
            case .affinity where here == 0 && (groupTotals[rule.group] ?? 0) > 0: return .affinity(rule.group)
            default: break
            }
        }
        return nil
    }

    /// What host `h` can offer `r`, trying NUMA-local and preferred-model options first in the
    /// cluster's priority order, or the reason it cannot.
    mutating func fit(_ h: Int, _ r: ResourceRequest, onlyGPUs: UInt8 = 0xFF) -> Result<HostFit, RejectReason> {
        if let reason = staticReject(h, r) { return .failure(reason) }
        let host = hosts[h]
        let policy = policies[host.cluster]
        if let reason = CPUMemory.shortage(host.numa, r, policy) { return .failure(reason) }
        if r.gpu != nil && host.gpus.isEmpty { return .failure(.noGPUs) }
        var lastFailure: RejectReason = r.numa == .require ? .numaNodeTooSmall : .sharedCPU
        var cpuFitOnSomeNode = false
        for (node, model) in options(r, host: host, policy: policy) {
            let cpu: [NUMAAllocation]?
            if let n = node {
                cpu = CPUMemory.onNode(n, host.numa, r, policy).map { [$0] }
            } else {
                cpu = CPUMemory.spread(host.numa, r, policy)
            }
            guard let numa = cpu else {
                if node == nil { lastFailure = CPUMemory.shortage(host.numa, r, policy) ?? .numaNodeTooSmall }
                continue
            }
            if node != nil { cpuFitOnSomeNode = true }
            guard let g = r.gpu else {
                return .success(HostFit(numa: numa, gpus: [], numaLocal: numa.count == 1, modelMatched: nil,
                    gpuBandwidth: 0, fragmentationCost: 0))
            }
            let allowed = gpuMask(host, node: node, model: model ? g.model : nil) & onlyGPUs
            switch GPUPicker.pick(host, g, allowed: allowed, topology: &topologies[topologyOf[h]],
                mixedVGPU: policy.vgpuMixed)
            {
            case .failure(let reason): lastFailure = reason
            case .success(let pick):
                let local = numa.count == 1 && pick.allocations.allSatisfy { host.gpus[$0.gpu].numaNode == numa[0].node }
                return .success(HostFit(numa: numa, gpus: pick.allocations, numaLocal: local,
                    modelMatched: g.model == nil ? nil : pick.allocations.allSatisfy { host.gpus[$0.gpu].model == g.model },
                    gpuBandwidth: pick.bandwidth, fragmentationCost: pick.fragmentationCost))
            }
        }
        return .failure(requireFailure(h, r, cpuFitOnSomeNode: cpuFitOnSomeNode, last: lastFailure))
    }

    /// For `numa: require`, a GPU shortage that is only a NUMA split says so.
    mutating func requireFailure(_ h: Int, _ r: ResourceRequest, cpuFitOnSomeNode: Bool, last: RejectReason)
        -> RejectReason
    {
        guard r.numa == .require, cpuFitOnSomeNode, let g = r.gpu else { return last }
        let host = hosts[h]
        if case .success = GPUPicker.pick(host, g, allowed: gpuMask(host, node: nil, model: nil),
            topology: &topologies[topologyOf[h]], mixedVGPU: false)
        {
            return .gpusNotOnNUMANode
        }
        return last
    }

    /// GPUs allowed by a NUMA node and model choice.
    func gpuMask(_ host: HostState, node: Int?, model: String?) -> UInt8 {
        host.gpus.enumerated().reduce(UInt8(0)) { acc, e in
            let ok = (node.map { e.element.numaNode == $0 } ?? true) && (model.map { e.element.model == $0 } ?? true)
            return ok ? acc | UInt8(1 << e.offset) : acc
        }
    }

    /// The (NUMA node or spread, preferred model or any) options to try, best first.
    func options(_ r: ResourceRequest, host: HostState, policy: ClusterPolicy) -> [(Int?, Bool)] {
        let nodes: [Int?]
        switch r.numa {
        case .require: nodes = Array(host.numa.indices)
        case .prefer: nodes = host.numa.indices.map { $0 } + [nil]
        case .none: nodes = [nil]
        }
        let wantsModel = r.gpu?.model != nil
        guard wantsModel else { return nodes.map { ($0, false) } }
        if policy.priority == .gpuModel || r.numa != .prefer {
            return nodes.map { ($0, true) } + nodes.map { ($0, false) }
        }
        return nodes.flatMap { [($0, true), ($0, false)] }
    }
}
