extension Scheduler {
    /// Places `r` without applying it: the best of up to `maxCandidates` feasible hosts, visited
    /// from a rotating cursor through the indexes; when none is feasible, every host is
    /// evaluated so the rejection names each host's reason.
    public mutating func decide(_ r: ResourceRequest) -> Decision {
        let c = CompiledRequest(r, policies: policies)
        var best: (host: Int, fit: HostFit, total: Int)?
        var feasible = 0
        let limit = maxCandidates <= 0 ? Int.max : maxCandidates
        var lastVisited = cursor
        let (sets, fillUp) = candidateSets(for: r, c)
        for (n, set) in sets.enumerated() {
            if n > 0 && feasible >= limit { break }
            set.forEach(from: cursor) { h in
                // excluded hosts are skipped as cordoned ones are (the index sets leave those out)
                if c.excludes(h) { return true }
                // a host of an earlier set was visited already
                if fillUp && n > 0 && sets[0][h] { return true }
                lastVisited = h
                if self.quickReject(h, c) != nil { return true }
                guard case .success(let fit) = self.fit(h, c) else { return true }
                feasible += 1
                let total = self.score(h, r, fit, breakdown: nil)
                if best == nil || total > best?.total ?? .min { best = (h, fit, total) }
                return feasible < limit
            }
            if best != nil && !fillUp { break }
        }
        cursor = hosts.isEmpty ? 0 : (lastVisited + 1) % hosts.count
        guard let b = best else { return .rejected(explainRejection(r)) }
        var breakdown: [(String, Int)] = []
        _ = score(b.host, r, b.fit, breakdown: &breakdown)
        let claim = Claim(host: b.host, numa: b.fit.numa, gpus: b.fit.gpus, groups: r.groups.map(\.group))
        var placement = Placement(
            claim: claim, hostName: hosts[b.host].name, score: breakdown, gaveUp: gaveUp(r, b.fit),
            candidatesEvaluated: feasible)
        if b.fit.nvlinkSet, hosts[b.host].nvswitchFabric != nil {
            placement.nvswitchPartition = hosts[b.host].modules(Self.mask(of: b.fit.gpus))
        }
        return .placed(placement)
    }

    /// Places and applies in one step; returns the decision and, when placed, the claim ID.
    public mutating func place(_ r: ResourceRequest) -> (Decision, ClaimID?) {
        let d = decide(r)
        guard case .placed(let p) = d else { return (d, nil) }
        return (d, apply(p.claim))
    }

    /// Evaluates every host and counts the first failing filter of each.
    public mutating func explainRejection(_ r: ResourceRequest) -> RejectionSummary {
        // a short list, not a dictionary: a fleet has few distinct reasons, and comparing the
        // last one seen first is cheaper than hashing a reason per host
        var counts: [(RejectReason, Int)] = []
        var last = -1
        let c = CompiledRequest(r, policies: policies)
        for h in hosts.indices {
            let reason: RejectReason
            if let q = quickReject(h, c) {
                reason = q
            } else {
                guard case .failure(let full) = fit(h, c) else { continue }
                reason = full
            }
            if last >= 0 && counts[last].0 == reason {
                counts[last].1 += 1
            } else if let i = counts.firstIndex(where: { $0.0 == reason }) {
                counts[i].1 += 1
                last = i
            } else {
                counts.append((reason, 1))
                last = counts.count - 1
            }
        }
        return RejectionSummary(hosts: hosts.count, counts: counts)
    }

    static func mask(of gpus: [GPUAllocation]) -> UInt8 {
        gpus.reduce(UInt8(0)) { $0 | ($1.gpu < 8 ? UInt8(1 << $1.gpu) : 0) }
    }

    func gaveUp(_ r: ResourceRequest, _ fit: HostFit) -> [String] {
        var out: [String] = []
        if fit.modelMatched == false, let m = r.gpu?.model { out.append("gpu_model \(m)") }
        if r.numa == .prefer && !fit.numaLocal { out.append("numa_locality") }
        if r.gpu?.nvlink == .preferred, (r.gpu?.count ?? 0) > 1, !fit.nvlinkSet { out.append("nvlink") }
        return out
    }

    /// The score of placing `r` on `h` with `fit` (higher is better); when `breakdown` is given,
    /// its components are appended to it.
    func score(_ h: Int, _ r: ResourceRequest, _ fit: HostFit, breakdown: UnsafeMutablePointer<[(String, Int)]>?) -> Int
    {
        let cluster = hosts[h].cluster
        return Self.score(hosts[h], numbers[cluster], topologies[topologyOf[h]], r, fit, breakdown)
    }

    func score(_ h: Int, _ r: ResourceRequest, _ fit: HostFit, breakdown: inout [(String, Int)]) -> Int {
        withUnsafeMutablePointer(to: &breakdown) { score(h, r, fit, breakdown: $0) }
    }

    static func score(
        _ host: HostState, _ p: PolicyNumbers, _ topology: GPUTopology, _ r: ResourceRequest, _ fit: HostFit,
        _ out: UnsafeMutablePointer<[(String, Int)]>?
    ) -> Int {
        var total = 0
        func add(_ name: String, _ v: Int) {
            total += v
            out?.pointee.append((name, v))
        }
        if fit.modelMatched == true { add("preferred_gpu_model", p.modelFirst ? 4000 : 2000) }
        if r.numa == .prefer && fit.numaLocal { add("numa_locality", p.modelFirst ? 2000 : 4000) }
        let util = utilizationAfter(host, p, fit)
        if p.pack { add("pack_utilization", util) } else { add("spread_headroom", 1000 - util) }
        if r.gpu == nil && !host.gpus.isEmpty { add("keep_gpu_host_free", -1500) }
        if let g = r.gpu { gpuScore(host, p, topology, g, fit, add) }
        for rule in r.groups where rule.strength == .soft {
            let here = host.groupMembers[rule.group] ?? 0
            if rule.kind == .antiAffinity && here > 0 { add("soft_anti_affinity", -300 * here) }
            if rule.kind == .affinity && here > 0 { add("soft_affinity", 300) }
        }
        return total
    }

    static func gpuScore(
        _ host: HostState, _ p: PolicyNumbers, _ topology: GPUTopology, _ g: GPURequest, _ fit: HostFit,
        _ add: (String, Int) -> Void
    ) {
        var taken: UInt8 = 0
        var migGPUs = 0
        for a in fit.gpus where host.gpus[a.gpu].use.isFree {
            taken |= UInt8(1 << a.gpu)
            if host.gpus[a.gpu].migCapable { migGPUs += 1 }
        }
        let free = host.freeGPUMask
        let freeAfter = (free & ~taken).nonzeroBitCount
        if p.pack { add("gpu_packing", (host.gpus.count - freeAfter) * 40) }
        if fit.fragmentationCost > 0 { add("gpu_fragmentation", -fit.fragmentationCost) }
        let gang = g.count > 1 && g.mode == .passthrough && g.nvlink != .none
        if gang { add("nvlink_bandwidth", fit.gpuBandwidth) }
        // a gang that gets a whole NVLink set (an NVSwitch partition, a bridged pair) goes there
        // before a weaker topology: the bonus outweighs halving a free NVSwitch board (2,400)
        // plus any packing difference (1,320) and a preferred GPU model (4,000); with
        // keep_boards_whole it is not given for breaking a whole free board
        let nvlinkSet = topology.isNVLinkSet(taken)
        let largest = Int(topology.largestSet[Int(free)])
        let wholeBoard = topology.key.partitions != nil && largest == topology.gpuCount
        if gang && nvlinkSet && !(p.keepBoardsWhole && wholeBoard && taken.nonzeroBitCount < largest) {
            add("nvlink_partition", 5000)
        }
        // keep large NVLink sets whole for gangs: the largest free set shrinking by k costs
        // 150 × k², so breaking 4 or more outweighs a soft NUMA preference; a gang that takes
        // the largest free set whole breaks nothing
        let loss = largest - Int(topology.largestSet[Int(free & ~taken)])
        let wasted = loss - (gang && nvlinkSet && taken.nonzeroBitCount == largest ? largest : 0)
        if wasted > 0 { add("nvlink_island_broken", -150 * wasted * wasted) }
        // keep MIG-capable GPUs for MIG when a GPU without MIG can serve
        if g.mode != .mig && migGPUs > 0 { add("mig_capable_gpu_used", -300 * migGPUs) }
    }

    /// Permille use of the host's tightest CPU/memory dimension after placing `fit`.
    static func utilizationAfter(_ host: HostState, _ p: PolicyNumbers, _ fit: HostFit) -> Int {
        var cpuCap = 0
        var cpuUsed = 0
        var memCap = 0
        var memUsed = 0
        for n in host.numa {
            cpuCap += n.cpus
            cpuUsed += n.dedicatedUsed + (n.sharedUsed * 100 + p.cpu - 1) / p.cpu
            memCap += n.memoryMB * p.ram / 100
            memUsed += n.memoryUsedMB
        }
        for a in fit.numa {
            cpuUsed += a.dedicatedCPUs + (a.sharedVCPUs * 100 + p.cpu - 1) / p.cpu
            memUsed += a.memoryMB
        }
        let cpu = cpuCap > 0 ? cpuUsed * 1000 / cpuCap : 0
        let mem = memCap > 0 ? memUsed * 1000 / memCap : 0
        return min(1000, max(cpu, mem))
    }
}
