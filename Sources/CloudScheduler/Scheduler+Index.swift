/// One host's free capacity summed over NUMA nodes, and its GPU facts, for prefilters.
struct HostSums: Sendable {
    var cluster: Int32 = 0
    var usable = false
    var migCapable = false
    var sriovCapable = false
    var gpuCount: Int8 = 0
    var freeGPUs: Int8 = 0
    var sharedFree: Int32 = 0
    var dedicatedFree: Int32 = 0
    var memoryFreeMB: Int64 = 0
    var huge2MFreeMB: Int64 = 0
    var huge1GFreeMB: Int64 = 0
    var freeVFs: Int32 = 0
}

/// Bitset indexes over hosts, so a request only visits hosts that can plausibly take it.
struct SchedulerIndex: Sendable {
    var cpuHosts: HostBitset
    var gpuHosts: HostBitset
    /// freeGPUs[k - 1]: hosts with at least k free healthy GPUs.
    var freeGPUs: [HostBitset]
    /// nvlinkFree[k - 2]: hosts with a free NVLink set of exactly k GPUs (k = 2...8), visited
    /// first by gangs that want NVLink.
    var nvlinkFree: [HostBitset]
    /// migFit[p]: hosts where MIG profile p fits on some GPU.
    var migFit: [HostBitset]
    var sriovFree: HostBitset
    /// vGPU type name → hosts that can take one more; looked up, never iterated.
    var vgpuFit: [String: HostBitset] = [:]
    /// vGPU type name → hosts with a GPU of that type at all (static).
    var vgpuSupported: [String: HostBitset] = [:]
    /// Host-level sums, packed for fast scans: the first filters read these instead of the
    /// host's NUMA and GPU arrays.
    var sums: [HostSums]
    /// Grows every set by one host (not a member of any until it is indexed).
    mutating func appendHost() {
        sums.append(HostSums())
        cpuHosts.appendHost()
        gpuHosts.appendHost()
        for k in freeGPUs.indices { freeGPUs[k].appendHost() }
        for k in nvlinkFree.indices { nvlinkFree[k].appendHost() }
        for p in migFit.indices { migFit[p].appendHost() }
        sriovFree.appendHost()
        for name in vgpuFit.keys.sorted() { vgpuFit[name]?.appendHost() }
        for name in vgpuSupported.keys.sorted() { vgpuSupported[name]?.appendHost() }
    }

    init(hostCount: Int) {
        sums = Array(repeating: HostSums(), count: hostCount)
        cpuHosts = HostBitset(count: hostCount)
        gpuHosts = HostBitset(count: hostCount)
        freeGPUs = Array(repeating: HostBitset(count: hostCount), count: 8)
        nvlinkFree = Array(repeating: HostBitset(count: hostCount), count: 7)
        migFit = Array(repeating: HostBitset(count: hostCount), count: MIGProfile.a100h100.count)
        sriovFree = HostBitset(count: hostCount)
    }
}

extension Scheduler {
    /// True when some healthy GPU of `host` takes one more vGPU of `type`: time-sliced within
    /// its equal-size or mixed-size maximum, MIG-backed where its MIG profile still fits.
    static func vgpuFits(_ host: borrowing HostState, _ type: VGPUType) -> Bool {
        let profile = type.mig
        for g in host.gpus where g.healthy && g.vgpuKeys.contains(type.key) {
            switch g.use {
            case .free: if profile == nil || g.migCapable { return true }
            case .vgpu(let key, let used) where profile == nil:
                if key == type.key && used < type.capacity(onGPUOf: g.nominalGB) { return true }
            case .vgpuMixed(let gb, let counts) where profile == nil:
                if gb + type.framebufferGB <= g.nominalGB && counts[type.key] < type.mixedCapacity(onGPUOf: g.nominalGB)
                {
                    return true
                }
            case .mig(let m, let media): if let p = profile, p.canPlace(in: m, media: media) { return true }
            default: break
            }
        }
        return false
    }

    /// Records which vGPU types each host supports at all (hardware facts, set once).
    mutating func indexHardware(_ h: Int) {
        for g in hosts[h].gpus {
            for t in g.vgpuTypes {
                if index.vgpuSupported[t.name] == nil { index.vgpuSupported[t.name] = HostBitset(count: hosts.count) }
                index.vgpuSupported[t.name]?[h] = true
            }
        }
    }

    /// Recomputes host `h`'s index memberships from its state.
    mutating func reindex(_ h: Int) {
        touchedHosts.mark(h)
        let host = hosts[h]  // one copy per claim change, not per decision
        let usable = !host.maintenance && !host.cordoned
        index.cpuHosts[h] = usable && host.gpus.isEmpty
        index.gpuHosts[h] = usable && !host.gpus.isEmpty
        let free = usable ? host.freeGPUMask.nonzeroBitCount : 0
        for k in 1...8 { index.freeGPUs[k - 1][h] = free >= k }
        let sizes = usable ? topologies[topologyOf[h]].setSizes[Int(host.freeGPUMask)] : 0
        for k in 2...8 { index.nvlinkFree[k - 2][h] = sizes & UInt16(1 << k) != 0 }
        for (p, profile) in MIGProfile.a100h100.enumerated() {
            index.migFit[p][h] =
                usable
                && host.gpus.contains { g in
                    guard g.healthy, g.migCapable else { return false }
                    switch g.use {
                    case .free: return true
                    case .mig(let m, let media): return profile.canPlace(in: m, media: media)
                    default: return false
                    }
                }
        }
        index.sriovFree[h] = usable && host.gpus.contains { $0.healthy && $0.freeVFs > 0 }
        let p = numbers[host.cluster]
        var sums = HostSums()
        sums.cluster = Int32(host.cluster)
        sums.usable = usable
        sums.migCapable = host.gpus.contains(where: \.migCapable)
        sums.sriovCapable = host.gpus.contains { $0.sriovVFs > 0 }
        sums.gpuCount = Int8(host.gpus.count)
        sums.freeGPUs = Int8(host.freeGPUMask.nonzeroBitCount)
        for n in host.numa {
            sums.sharedFree += Int32(max(0, n.sharedFree(ratio: p.cpu)))
            sums.dedicatedFree += Int32(n.dedicatedFree(ratio: p.cpu))
            sums.memoryFreeMB += Int64(max(0, n.memoryFree(ratio: p.ram)))
            sums.huge2MFreeMB += Int64((n.huge2M - n.huge2MUsed) * 2)
            sums.huge1GFreeMB += Int64((n.huge1G - n.huge1GUsed) * 1024)
        }
        for g in host.gpus where g.healthy { sums.freeVFs += Int32(g.freeVFs) }
        index.sums[h] = sums
        for type in host.vgpuTypes {
            let fits = usable && Self.vgpuFits(host, type)
            if index.vgpuFit[type.name] == nil { index.vgpuFit[type.name] = HostBitset(count: hosts.count) }
            index.vgpuFit[type.name]?[h] = fits
        }
    }

    /// The hosts worth visiting for `r`, in order; the rest can only reject it. Without
    /// `fillUp` a later set is visited only when no host of the earlier ones fits (CPU requests
    /// go to GPU hosts last); with it, later sets fill the candidate list up to the limit after
    /// the earlier ones (gangs that want NVLink meet the hosts that have a free NVLink set first,
    /// and are still compared with the rest by score).
    func candidateSets(for r: ResourceRequest, _ c: CompiledRequest) -> (sets: [HostBitset], fillUp: Bool) {
        guard let g = r.gpu else { return ([index.cpuHosts, index.gpuHosts], false) }
        switch g.mode {
        case .passthrough:
            let k = min(max(g.count, 1), 8)
            let keepWhole =
                c.cluster.map { numbers.indices.contains($0) && numbers[$0].keepBoardsWhole }
                ?? numbers.allSatisfy(\.keepBoardsWhole)
            // NVLink required: only a host with a free NVLink set of k can take it
            if k >= 2 && g.nvlink == .required { return ([index.nvlinkFree[k - 2]], false) }
            if k >= 2 && g.nvlink == .preferred {
                // keep_boards_whole visits hosts in cursor order and lets the score decide
                // (measured: visiting NVLink hosts first there packs the fleet worse), unless the
                // gang takes a whole board or prefers a model that may make one worth halving
                if keepWhole && k < 8 && g.model == nil { return ([index.freeGPUs[k - 1]], false) }
                return ([index.nvlinkFree[k - 2], index.freeGPUs[k - 1]], true)
            }
            return ([index.freeGPUs[k - 1]], false)
        case .mig:
            let p = MIGProfile.a100h100.firstIndex { $0.name == g.profile } ?? 0
            return ([index.migFit[p]], false)
        case .vgpu: return ([index.vgpuFit[g.profile ?? ""] ?? HostBitset(count: hosts.count)], false)
        case .sriov: return ([index.sriovFree], false)
        }
    }
}

extension Scheduler {
    /// The reason host `h` fails the host-level filters (state, cluster, zone, CPU and memory
    /// totals, GPU capacity) read from the packed sums and bitsets, in the same order and with
    /// the same result as `fitHost`; nil when the host passes them and needs the full fit.
    /// Requests with labels or strict group rules always take the full fit.
    func quickReject(_ h: Int, _ c: CompiledRequest) -> RejectReason? {
        guard !c.needsFullFit else { return nil }
        let s = index.sums[h]
        if !s.usable { return hosts[h].maintenance ? .maintenance : .cordoned }
        if c.excludes(h) { return .cordoned }
        if let cl = c.cluster, Int(s.cluster) != cl { return .otherCluster(c.r.cluster ?? "") }
        if let z = c.zone, zones[Int(s.cluster)] != z { return .otherZone(z) }
        let r = c.r
        let cpu = r.cpuPolicy == .dedicated ? Int(s.dedicatedFree) : Int(s.sharedFree)
        if cpu < r.vcpus { return r.cpuPolicy == .dedicated ? .dedicatedCPU : .sharedCPU }
        let mem: Int64
        switch r.hugepages {
        case .none: mem = s.memoryFreeMB
        case .size2M: mem = s.huge2MFreeMB
        case .size1G: mem = s.huge1GFreeMB
        }
        if mem < Int64(r.memoryMB) { return r.hugepages == .none ? .memory : .hugepages(r.hugepages.rawValue) }
        guard let g = r.gpu else { return nil }
        if s.gpuCount == 0 { return .noGPUs }
        switch g.mode {
        case .passthrough: return Int(s.freeGPUs) < g.count ? .notEnoughFreeGPUs(g.count) : nil
        case .mig:
            guard let p = c.mig else { return .unsupportedMode("MIG \(g.profile ?? "")") }
            if !s.migCapable { return .unsupportedMode("MIG") }
            let i = MIGProfile.a100h100.firstIndex { $0.name == p.name } ?? 0
            return index.migFit[i][h] ? nil : .noMIGPlacement(p.name)
        case .vgpu:
            guard let t = c.vgpu, index.vgpuSupported[t.name]?[h] == true else {
                return .unsupportedMode("vGPU \(g.profile ?? "")")
            }
            return index.vgpuFit[t.name]?[h] == true ? nil : .noVGPUCapacity(t.name)
        case .sriov:
            if !s.sriovCapable { return .unsupportedMode("SR-IOV") }
            return Int(s.freeVFs) < g.count ? .sriovPoolExhausted : nil
        }
    }
}
