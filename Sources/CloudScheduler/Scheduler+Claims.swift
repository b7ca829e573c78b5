/// A claim that cannot be released: unknown or already released.
public struct ClaimError: Error, Equatable, Sendable, CustomStringConvertible {
    public let id: ClaimID
    public var description: String { "\(id) is not live (never applied or already released)" }
}

extension Scheduler {
    /// Applies a claim atomically: every NUMA and GPU allocation, the group memberships and the
    /// indexes. The claim must fit (it came from `decide`); a claim that does not traps.
    public mutating func apply(_ c: Claim) -> ClaimID {
        var host = hosts[c.host]
        for a in c.numa {
            host.numa[a.node].dedicatedUsed += a.dedicatedCPUs
            host.numa[a.node].sharedUsed += a.sharedVCPUs
            host.numa[a.node].memoryUsedMB += a.memoryMB
            host.numa[a.node].huge2MUsed += a.huge2M
            host.numa[a.node].huge1GUsed += a.huge1G
        }
        for g in c.gpus { host.gpus[g.gpu].use = Self.adding(g, to: host.gpus[g.gpu].use) }
        for group in c.groups {
            host.groupMembers[group, default: 0] += 1
            groupTotals[group, default: 0] += 1
        }
        host.claimCount += 1
        hosts[c.host] = host
        reindex(c.host)
        let id: UInt32
        if let free = freeClaimIDs.popLast() {
            id = free
            claims[Int(id)] = c
        } else {
            id = UInt32(claims.count)
            claims.append(c)
        }
        hostClaims[c.host].append(id)
        return ClaimID(rawValue: id)
    }

    /// Releases a live claim exactly once; a second release of the same ID throws.
    public mutating func release(_ id: ClaimID) throws(ClaimError) {
        guard Int(id.rawValue) < claims.count, let c = claims[Int(id.rawValue)] else { throw ClaimError(id: id) }
        claims[Int(id.rawValue)] = nil
        freeClaimIDs.append(id.rawValue)
        hostClaims[c.host].removeAll { $0 == id.rawValue }
        var host = hosts[c.host]
        for a in c.numa {
            host.numa[a.node].dedicatedUsed -= a.dedicatedCPUs
            host.numa[a.node].sharedUsed -= a.sharedVCPUs
            host.numa[a.node].memoryUsedMB -= a.memoryMB
            host.numa[a.node].huge2MUsed -= a.huge2M
            host.numa[a.node].huge1GUsed -= a.huge1G
        }
        for g in c.gpus { host.gpus[g.gpu].use = Self.removing(g, from: host.gpus[g.gpu].use) }
        for group in c.groups {
            host.groupMembers[group, default: 0] -= 1
            if host.groupMembers[group] == 0 { host.groupMembers[group] = nil }
            groupTotals[group, default: 0] -= 1
            if groupTotals[group] == 0 { groupTotals[group] = nil }
        }
        host.claimCount -= 1
        hosts[c.host] = host
        reindex(c.host)
    }

    static func adding(_ a: GPUAllocation, to use: GPUUse) -> GPUUse {
        switch (a, use) {
        case (.passthrough, .free): return .passthrough
        case (.vfs(_, let n), .free): return .sriov(usedVFs: n)
        case (.vfs(_, let n), .sriov(let u)): return .sriov(usedVFs: u + n)
        case (.vgpu(_, let t, let n), .free): return .vgpu(type: key(t), used: n)
        case (.vgpu(_, let t, let n), .vgpu(let t2, let u)) where key(t) == t2: return .vgpu(type: t2, used: u + n)
        case (.vgpuMixed(_, let t, let n, let gb), .free):
            return .vgpuMixed(usedGB: gb, counts: VGPUCounts().adding(key(t), n))
        case (.vgpuMixed(_, let t, let n, let gb), .vgpuMixed(let u, let counts)):
            return .vgpuMixed(usedGB: u + gb, counts: counts.adding(key(t), n))
        case (.mig(_, let p, let s), .free):
            let profile = MIGProfile.named(p)
            return .mig(occupied: profile.map { $0.mask(at: s) } ?? 0, media: profile?.mediaEngines == true)
        case (.mig(_, let p, let s), .mig(let m, let media)):
            let profile = MIGProfile.named(p)
            let mask = profile.map { $0.mask(at: s) } ?? 0xFF
            precondition(m & mask == 0, "MIG slices double-booked")
            precondition(!(media && profile?.mediaEngines == true), "MIG media engines double-booked")
            return .mig(occupied: m | mask, media: media || profile?.mediaEngines == true)
        default: preconditionFailure("GPU allocation \(a) does not fit a GPU in state \(use)")
        }
    }

    static func key(_ type: String) -> VGPUKey {
        guard let t = VGPUType(type) else { preconditionFailure("claim names malformed vGPU type '\(type)'") }
        return t.key
    }

    static func removing(_ a: GPUAllocation, from use: GPUUse) -> GPUUse {
        switch (a, use) {
        case (.passthrough, .passthrough): return .free
        case (.vfs(_, let n), .sriov(let u)): return u - n == 0 ? .free : .sriov(usedVFs: u - n)
        case (.vgpu(_, let t, let n), .vgpu(let t2, let u)) where key(t) == t2:
            return u - n == 0 ? .free : .vgpu(type: t2, used: u - n)
        case (.vgpuMixed(_, let t, let n, let gb), .vgpuMixed(let u, let counts)):
            return u - gb == 0 ? .free : .vgpuMixed(usedGB: u - gb, counts: counts.adding(key(t), -n))
        case (.mig(_, let p, let s), .mig(let m, let media)):
            let profile = MIGProfile.named(p)
            let mask = profile.map { $0.mask(at: s) } ?? 0
            let stillMedia = media && profile?.mediaEngines != true
            return m & ~mask == 0 ? .free : .mig(occupied: m & ~mask, media: stillMedia)
        default: preconditionFailure("GPU allocation \(a) is not held by a GPU in state \(use)")
        }
    }

    /// Marks a host in or out of maintenance, or cordoned; existing claims stay.
    public mutating func setHost(_ h: Int, maintenance: Bool? = nil, cordoned: Bool? = nil) {
        if let m = maintenance { hosts[h].maintenance = m }
        if let c = cordoned { hosts[h].cordoned = c }
        reindex(h)
    }

    /// Marks a GPU healthy or not; an unhealthy GPU takes no new claims.
    public mutating func setGPU(host h: Int, gpu g: Int, healthy: Bool) {
        hosts[h].gpus[g].healthy = healthy
        reindex(h)
    }
}
