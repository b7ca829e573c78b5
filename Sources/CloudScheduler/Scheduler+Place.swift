extension Scheduler {
    /// Places `r` without applying it: the best of up to `maxCandidates` feasible hosts, visited
    /// from a rotating cursor through the indexes; when none is feasible, every host is
    /// evaluated so the rejection names each host's reason.
    public mutating func decide(_ r: ResourceRequest) -> Decision {
        var best: (host: Int, fit: HostFit, score: [(String, Int)], total: Int)?
        var feasible = 0
        let limit = maxCandidates <= 0 ? Int.max : maxCandidates
        var lastVisited = cursor
        for set in candidateSets(for: r) {
            set.forEach(from: cursor) { h in
                lastVisited = h
                guard case .success(let fit) = self.fit(h, r) else { return true }
                feasible += 1
                let score = self.score(h, r, fit)
                let total = score.reduce(0) { $0 + $1.1 }
                if best == nil || total > best?.total ?? .min { best = (h, fit, score, total) }
                return feasible < limit
            }
            if best != nil { break }
        }
        cursor = hosts.isEmpty ? 0 : (lastVisited + 1) % hosts.count
        guard let b = best else { return .rejected(explainRejection(r)) }
        let claim = Claim(host: b.host, numa: b.fit.numa, gpus: b.fit.gpus, groups: r.groups.map(\.group))
        return .placed(Placement(claim: claim, hostName: hosts[b.host].name, score: b.score,
            gaveUp: gaveUp(r, b.fit), candidatesEvaluated: feasible))
    }

    /// Places and applies in one step; returns the decision and, when placed, the claim ID.
    public mutating func place(_ r: ResourceRequest) -> (Decision, ClaimID?) {
        let d = decide(r)
        guard case .placed(let p) = d else { return (d, nil) }
        return (d, apply(p.claim))
    }

    /// Evaluates every host and counts the first failing filter of each.
    public mutating func explainRejection(_ r: ResourceRequest) -> RejectionSummary {
        var counts: [RejectReason: Int] = [:]
        for h in hosts.indices {
            if case .failure(let reason) = fit(h, r) { counts[reason, default: 0] += 1 }
        }
        return RejectionSummary(hosts: hosts.count, counts: counts)
    }

    func gaveUp(_ r: ResourceRequest, _ fit: HostFit) -> [String] {
        var out: [String] = []
        if fit.modelMatched == false, let m = r.gpu?.model { out.append("gpu_model \(m)") }
        if r.numa == .prefer && !fit.numaLocal { out.append("numa_locality") }
        if r.gpu?.nvlink == .preferred, (r.gpu?.count ?? 0) > 1, fit.gpuBandwidth < 100 { out.append("nvlink") }
        return out
    }

    /// Score components of placing `r` on `h` with `fit`; higher is better.
    func score(_ h: Int, _ r: ResourceRequest, _ fit: HostFit) -> [(String, Int)] {
        let host = hosts[h]
        let policy = policies[host.cluster]
        var s: [(String, Int)] = []
        let modelWeight = policy.priority == .gpuModel ? 4000 : 2000
        let numaWeight = policy.priority == .gpuModel ? 2000 : 4000
        if fit.modelMatched == true { s.append(("preferred_gpu_model", modelWeight)) }
        if r.numa == .prefer && fit.numaLocal { s.append(("numa_locality", numaWeight)) }
        let util = utilizationAfter(host, policy, fit)
        s.append(policy.strategy == .pack ? ("pack_utilization", util) : ("spread_headroom", 1000 - util))
        if r.gpu == nil && !host.gpus.isEmpty { s.append(("keep_gpu_host_free", -1500)) }
        if let g = r.gpu {
            let freeAfter = host.freeGPUMask.nonzeroBitCount - fit.gpus.filter { host.gpus[$0.gpu].use.isFree }.count
            if policy.strategy == .pack { s.append(("gpu_packing", (host.gpus.count - freeAfter) * 40)) }
            if fit.fragmentationCost > 0 { s.append(("gpu_fragmentation", -fit.fragmentationCost)) }
            // keep large NVLink islands whole for gangs: losing k GPUs of the largest free
            // island costs 150 × k², so breaking 4 or more outweighs a soft NUMA preference
            var taken: UInt8 = 0
            for a in fit.gpus where host.gpus[a.gpu].use.isFree { taken |= UInt8(1 << a.gpu) }
            let free = host.freeGPUMask
            let cliques = topologies[topologyOf[h]].maxClique
            let loss = Int(cliques[Int(free)]) - Int(cliques[Int(free & ~taken)])
            if loss > 0 { s.append(("nvlink_island_broken", -150 * loss * loss)) }
            // keep MIG-capable GPUs for MIG when a GPU without MIG can serve
            if g.mode != .mig {
                let migGPUs = fit.gpus.filter { host.gpus[$0.gpu].use.isFree && host.gpus[$0.gpu].migCapable }.count
                if migGPUs > 0 { s.append(("mig_capable_gpu_used", -300 * migGPUs)) }
            }
            if g.count > 1 && g.mode == .passthrough && g.nvlink != .none { s.append(("nvlink_bandwidth", fit.gpuBandwidth)) }
        }
        for rule in r.groups where rule.strength == .soft {
            let here = host.groupMembers[rule.group] ?? 0
            if rule.kind == .antiAffinity && here > 0 { s.append(("soft_anti_affinity", -300 * here)) }
            if rule.kind == .affinity && here > 0 { s.append(("soft_affinity", 300)) }
        }
        return s
    }

    /// Permille use of the host's tightest CPU/memory dimension after placing `fit`.
    func utilizationAfter(_ host: HostState, _ p: ClusterPolicy, _ fit: HostFit) -> Int {
        var cpuCap = 0
        var cpuUsed = 0
        var memCap = 0
        var memUsed = 0
        for n in host.numa {
            cpuCap += n.cpus
            cpuUsed += n.dedicatedUsed + (n.sharedUsed * 100 + p.cpuOvercommitPercent - 1) / p.cpuOvercommitPercent
            memCap += n.memoryMB * p.ramOvercommitPercent / 100
            memUsed += n.memoryUsedMB
        }
        for a in fit.numa {
            cpuUsed += a.dedicatedCPUs + (a.sharedVCPUs * 100 + p.cpuOvercommitPercent - 1) / p.cpuOvercommitPercent
            memUsed += a.memoryMB
        }
        let cpu = cpuCap > 0 ? cpuUsed * 1000 / cpuCap : 0
        let mem = memCap > 0 ? memUsed * 1000 / memCap : 0
        return min(1000, max(cpu, mem))
    }
}
