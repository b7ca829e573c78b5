extension Scheduler {
    /// Static filters: state, cluster, zone, labels and strict group rules.
    static func staticReject(
        _ host: borrowing HostState, _ c: CompiledRequest, zone: String, groupTotals: [String: Int]
    )
        -> RejectReason?
    {
        if host.maintenance { return .maintenance }
        if host.cordoned { return .cordoned }
        if let cl = c.cluster, host.cluster != cl { return .otherCluster(c.r.cluster ?? "") }
        if let z = c.zone, zone != z { return .otherZone(z) }
        if c.hasLabels {
            for l in c.r.labels where !host.labels.contains(l) { return .missingLabel(l) }
        }
        if let target = c.r.onlyHost, host.name != target { return .notTarget(target) }
        guard c.hasStrictGroups else { return nil }
        for rule in c.r.groups where rule.strength == .strict {
            let here = host.groupMembers[rule.group] ?? 0
            switch rule.kind {
            case .antiAffinity where here > 0: return .antiAffinity(rule.group)
            case .affinity where here == 0 && (groupTotals[rule.group] ?? 0) > 0: return .affinity(rule.group)
            default: break
            }
        }
        return nil
    }

    /// What host `h` can offer `r`, or the reason it cannot.
    package mutating func fit(_ h: Int, _ r: ResourceRequest, onlyGPUs: UInt8 = 0xFF) -> Result<HostFit, RejectReason> {
        fit(h, CompiledRequest(r, policies: policies), onlyGPUs: onlyGPUs)
    }

    /// The host is reached through an in-place (inout) access so it is never copied; the fit
    /// itself changes nothing.
    mutating func fit(_ h: Int, _ c: CompiledRequest, onlyGPUs: UInt8 = 0xFF) -> Result<HostFit, RejectReason> {
        // an excluded host is cordoned for this request (after the maintenance and cordon checks)
        if c.excludes(h) && !hosts[h].maintenance && !hosts[h].cordoned { return .failure(.cordoned) }
        let cluster = hosts[h].cluster
        return Self.fitHost(
            &hosts[h], c, numbers[cluster], zone: zones[cluster], groupTotals: groupTotals,
            topology: topologies[topologyOf[h]], onlyGPUs: onlyGPUs)
    }

    /// Tries NUMA-local and preferred-model options first, in the cluster's priority order.
    static func fitHost(
        _ host: inout HostState, _ c: CompiledRequest, _ p: PolicyNumbers, zone: String, groupTotals: [String: Int],
        topology: GPUTopology, onlyGPUs: UInt8
    ) -> Result<HostFit, RejectReason> {
        if let reason = staticReject(host, c, zone: zone, groupTotals: groupTotals) { return .failure(reason) }
        let r = c.r
        if let reason = CPUMemory.shortage(host.numa, r, p) { return .failure(reason) }
        if let g = r.gpu {
            if host.gpus.isEmpty { return .failure(.noGPUs) }
            if let reason = gpuCapacityReason(host, g, c, onlyGPUs: onlyGPUs) { return .failure(reason) }
        }
        var lastFailure: RejectReason = r.numa == .require ? .numaNodeTooSmall : .sharedCPU
        var cpuFitOnSomeNode = false
        let plan = OptionPlan(
            numa: r.numa, nodes: host.numa.count, wantsModel: c.model != nil, modelFirst: p.modelFirst)
        for k in 0..<plan.count {
            let (node, model) = plan[k]
            let cpu: [NUMAAllocation]?
            if let n = node {
                cpu = CPUMemory.onNode(n, host.numa, r, p).map { [$0] }
            } else {
                cpu = CPUMemory.spread(host.numa, r, p)
            }
            guard let numa = cpu else {
                if node == nil { lastFailure = CPUMemory.shortage(host.numa, r, p) ?? .numaNodeTooSmall }
                continue
            }
            if node != nil { cpuFitOnSomeNode = true }
            guard let g = r.gpu else {
                return .success(
                    HostFit(
                        numa: numa, gpus: [], numaLocal: numa.count == 1, modelMatched: nil,
                        gpuBandwidth: 0, fragmentationCost: 0))
            }
            let allowed = gpuMask(host, node: node, model: model ? c.model : nil) & onlyGPUs
            // CPUs on one node: among equally good GPU sets, those on that node
            let local = numa.count == 1 ? gpuMask(host, node: numa[0].node, model: nil) : 0xFF
            switch GPUPicker.pick(
                host, g, c, allowed: allowed, local: local, topology: topology, mixedVGPU: p.vgpuMixed)
            {
            case .failure(let reason): lastFailure = reason
            case .success(let pick):
                let local =
                    numa.count == 1 && pick.allocations.allSatisfy { host.gpus[$0.gpu].numaNode == numa[0].node }
                let matched = c.model.map { m in pick.allocations.allSatisfy { host.gpus[$0.gpu].model == m } }
                return .success(
                    HostFit(
                        numa: numa, gpus: pick.allocations, numaLocal: local, modelMatched: matched,
                        gpuBandwidth: pick.bandwidth, fragmentationCost: pick.fragmentationCost,
                        nvlinkSet: pick.nvlinkSet))
            }
        }
        guard r.numa == .require, cpuFitOnSomeNode, let g = r.gpu else { return .failure(lastFailure) }
        // a GPU shortage that is only a NUMA split says so; one the whole host has too names
        // the host-wide constraint that failed (NVLink, partitions), not the per-node count
        switch GPUPicker.pick(host, g, c, allowed: onlyGPUs, topology: topology, mixedVGPU: p.vgpuMixed) {
        case .success: return .failure(.gpusNotOnNUMANode)
        case .failure(let whole): return .failure(whole)
        }
    }

    /// The host-level GPU shortage, if any, before NUMA and interconnect arrangement is tried:
    /// cheap, so a rejection's full scan stays fast.
    static func gpuCapacityReason(
        _ host: borrowing HostState, _ g: GPURequest, _ c: CompiledRequest, onlyGPUs: UInt8
    )
        -> RejectReason?
    {
        switch g.mode {
        case .passthrough:
            return (host.freeGPUMask & onlyGPUs).nonzeroBitCount < g.count ? .notEnoughFreeGPUs(g.count) : nil
        case .mig:
            guard let p = c.mig else { return .unsupportedMode("MIG \(g.profile ?? "")") }
            guard host.gpus.contains(where: \.migCapable) else { return .unsupportedMode("MIG") }
            for i in host.gpus.indices where host.gpus[i].healthy && onlyGPUs & UInt8(1 << i) != 0 {
                switch host.gpus[i].use {
                case .free where host.gpus[i].migCapable: return nil
                case .mig(let m, let media) where p.canPlace(in: m, media: media): return nil
                default: break
                }
            }
            return .noMIGPlacement(p.name)
        case .vgpu:
            guard let t = c.vgpu, host.gpus.contains(where: { $0.vgpuKeys.contains(t.key) }) else {
                return .unsupportedMode("vGPU \(g.profile ?? "")")
            }
            if t.migProfile != nil {
                return Scheduler.vgpuFits(host, t) ? nil : .noVGPUCapacity(t.name)
            }
            return GPUPicker.bestVGPU(host, t, allowed: onlyGPUs, uses: nil) == nil ? .noVGPUCapacity(t.name) : nil
        case .sriov:
            guard host.gpus.contains(where: { $0.sriovVFs > 0 }) else { return .unsupportedMode("SR-IOV") }
            var free = 0
            for i in host.gpus.indices where host.gpus[i].healthy && onlyGPUs & UInt8(1 << i) != 0 {
                free += host.gpus[i].freeVFs
            }
            return free < g.count ? .sriovPoolExhausted : nil
        }
    }

    /// GPUs allowed by a NUMA node and model choice.
    static func gpuMask(_ host: HostState, node: Int?, model: String?) -> UInt8 {
        if node == nil && model == nil { return 0xFF }
        var mask: UInt8 = 0
        for i in host.gpus.indices
        where (node == nil || host.gpus[i].numaNode == node) && (model == nil || host.gpus[i].model == model) {
            mask |= UInt8(1 << i)
        }
        return mask
    }
}

/// The (NUMA node or spread, preferred model or any) options to try, best first, without
/// building an array per host.
struct OptionPlan {
    let nodeOptions: Int
    let spreadLast: Bool
    let wantsModel: Bool
    let modelFirst: Bool

    init(numa: NUMAAffinity, nodes: Int, wantsModel: Bool, modelFirst: Bool) {
        switch numa {
        case .require: (nodeOptions, spreadLast) = (nodes, false)
        case .prefer: (nodeOptions, spreadLast) = (nodes + 1, true)
        case .none: (nodeOptions, spreadLast) = (1, true)
        }
        self.wantsModel = wantsModel
        // model-first also when NUMA is not merely preferred: only one dimension is soft
        self.modelFirst = modelFirst || numa != .prefer
    }

    var count: Int { nodeOptions * (wantsModel ? 2 : 1) }

    subscript(k: Int) -> (Int?, Bool) {
        let (nodeIndex, model): (Int, Bool)
        if !wantsModel {
            (nodeIndex, model) = (k, false)
        } else if modelFirst {
            (nodeIndex, model) = (k % nodeOptions, k < nodeOptions)
        } else {
            (nodeIndex, model) = (k / 2, k % 2 == 0)
        }
        let node: Int? = spreadLast && nodeIndex == nodeOptions - 1 ? nil : nodeIndex
        return (node, model)
    }
}
