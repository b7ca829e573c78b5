extension Scheduler {
    /// The accounting invariant: per host, NUMA node, GPU, VF pool, MIG slice map and vGPU type,
    /// the live claims add up exactly to the used capacity, and nothing exceeds capacity.
    /// Returns the first discrepancy, or nil.
    public func accountingViolation() -> String? {
        var expected = hosts.indices.map(emptyUse)
        for c in claims.compactMap({ $0 }) {
            if let v = accumulate(c, into: &expected[c.host]) { return v }
        }
        for h in hosts.indices {
            if let v = compare(h, expected[h]) { return v }
        }
        return nil
    }

    /// The accounting invariant over the hosts in `subset` (ascending) only, from their own
    /// claims: what `accountingViolation()` reports when every other host is known to be
    /// consistent (the simulator's incremental checkers pass the hosts an event touched).
    package func accountingViolation(hosts subset: [Int]) -> String? {
        var position: [Int: Int] = [:]  // looked up, never iterated
        for (i, h) in subset.enumerated() { position[h] = i }
        var expected = subset.map(emptyUse)
        for id in subset.flatMap({ hostClaims[$0] }).sorted() {
            guard let c = claims[Int(id)], let i = position[c.host] else { continue }
            if let v = accumulate(c, into: &expected[i]) { return v }
        }
        for (i, h) in subset.enumerated() {
            if let v = compare(h, expected[i]) { return v }
        }
        return nil
    }

    func emptyUse(_ h: Int) -> HostUse {
        HostUse(
            numa: hosts[h].numa.map { _ in NUMAAllocation(node: 0) }, gpus: hosts[h].gpus.map { _ in GPUUse.free },
            claims: 0, groups: [:])
    }

    /// Adds claim `c` to its host's expected use; the violation when it double-books a GPU.
    func accumulate(_ c: Claim, into e: inout HostUse) -> String? {
        e.claims += 1
        for a in c.numa {
            e.numa[a.node].dedicatedCPUs += a.dedicatedCPUs
            e.numa[a.node].sharedVCPUs += a.sharedVCPUs
            e.numa[a.node].memoryMB += a.memoryMB
            e.numa[a.node].huge2M += a.huge2M
            e.numa[a.node].huge1G += a.huge1G
        }
        for g in c.gpus {
            guard let next = Self.checkedAdding(g, to: e.gpus[g.gpu]) else {
                return "\(hosts[c.host].name) gpu\(g.gpu): \(g) double-booked"
            }
            e.gpus[g.gpu] = next
        }
        for group in c.groups { e.groups[group, default: 0] += 1 }
        return nil
    }

    struct HostUse {
        var numa: [NUMAAllocation]
        var gpus: [GPUUse]
        var claims: Int
        var groups: [String: Int]
    }

    func compare(_ h: Int, _ e: HostUse) -> String? {
        let host = hosts[h]
        let p = numbers[host.cluster]
        guard host.claimCount == e.claims else {
            return "\(host.name): \(host.claimCount) claims counted, \(e.claims) live"
        }
        for (i, n) in host.numa.enumerated() {
            let x = e.numa[i]
            guard n.dedicatedUsed == x.dedicatedCPUs, n.sharedUsed == x.sharedVCPUs, n.memoryUsedMB == x.memoryMB,
                n.huge2MUsed == x.huge2M, n.huge1GUsed == x.huge1G
            else { return "\(host.name) numa\(i): used \(n) but claims add up to \(x)" }
            guard n.dedicatedUsed <= n.cpus, n.sharedFree(ratio: p.cpu) >= 0,
                n.memoryFree(ratio: p.ram) >= 0, n.huge2MUsed <= n.huge2M, n.huge1GUsed <= n.huge1G
            else { return "\(host.name) numa\(i): over capacity: \(n)" }
        }
        for (g, gpu) in host.gpus.enumerated() {
            guard gpu.use == e.gpus[g] else {
                return "\(host.name) gpu\(g): state \(gpu.use), claims add up to \(e.gpus[g])"
            }
            switch gpu.use {
            case .sriov(let u) where u > gpu.sriovVFs: return "\(host.name) gpu\(g): \(u) VFs of \(gpu.sriovVFs)"
            case .vgpu(let t, let u) where u > gpu.nominalGB / t.gigabytes:
                return "\(host.name) gpu\(g): \(u) × \(t) over capacity"
            case .vgpuMixed(let gb, _) where gb > gpu.nominalGB: return "\(host.name) gpu\(g): \(gb) GB of vGPU"
            case .vgpuMixed(_, let counts):
                for (k, n) in counts.items
                where n > gpu.vgpuTypes.first(where: { $0.key == k }).map({
                    $0.mixedCapacity(onGPUOf: gpu.nominalGB)
                }) ?? 0 {
                    return "\(host.name) gpu\(g): \(n) × \(k) over the mixed-size maximum"
                }
            default: break
            }
        }
        for (group, n) in e.groups.sorted(by: { $0.key < $1.key }) where host.groupMembers[group] != n {
            return "\(host.name): group \(group) has \(host.groupMembers[group] ?? 0) members, claims say \(n)"
        }
        let counted = host.groupMembers.values.reduce(0, +)
        guard counted == e.groups.values.reduce(0, +) else { return "\(host.name): stale group members" }
        return nil
    }

    static func checkedAdding(_ a: GPUAllocation, to use: GPUUse) -> GPUUse? {
        switch (a, use) {
        case (.passthrough, .free), (.vfs, .free), (.vfs, .sriov), (.vgpu, .free), (.vgpuMixed, .free),
            (.vgpuMixed, .vgpuMixed), (.mig, .free):
            return adding(a, to: use)
        case (.vgpu(_, let t, _), .vgpu(let t2, _)) where VGPUType(t)?.key == t2: return adding(a, to: use)
        case (.mig(_, let p, let s), .mig(let m, let media)):
            guard let profile = MIGProfile.named(p), m & profile.mask(at: s) == 0, !(media && profile.mediaEngines)
            else { return nil }
            return adding(a, to: use)
        default: return nil
        }
    }
}
