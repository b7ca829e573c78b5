/// Bitset indexes over hosts, so a request only visits hosts that can plausibly take it.
struct SchedulerIndex: Sendable {
    var cpuHosts: HostBitset
    var gpuHosts: HostBitset
    /// freeGPUs[k - 1]: hosts with at least k free healthy GPUs.
    var freeGPUs: [HostBitset]
    /// migFit[p]: hosts where MIG profile p fits on some GPU.
    var migFit: [HostBitset]
    var sriovFree: HostBitset
    /// vGPU type name → hosts that can take one more; looked up, never iterated.
    var vgpuFit: [String: HostBitset] = [:]
    let hostCount: Int

    init(hostCount: Int) {
        self.hostCount = hostCount
        cpuHosts = HostBitset(count: hostCount)
        gpuHosts = HostBitset(count: hostCount)
        freeGPUs = Array(repeating: HostBitset(count: hostCount), count: 8)
        migFit = Array(repeating: HostBitset(count: hostCount), count: MIGProfile.a100h100.count)
        sriovFree = HostBitset(count: hostCount)
    }
}

extension Scheduler {
    /// Recomputes host `h`'s index memberships from its state.
    mutating func reindex(_ h: Int) {
        let host = hosts[h]  // one copy per claim change, not per decision
        let usable = !host.maintenance && !host.cordoned
        index.cpuHosts[h] = usable && host.gpus.isEmpty
        index.gpuHosts[h] = usable && !host.gpus.isEmpty
        let free = usable ? host.freeGPUMask.nonzeroBitCount : 0
        for k in 1...8 { index.freeGPUs[k - 1][h] = free >= k }
        for (p, profile) in MIGProfile.a100h100.enumerated() {
            index.migFit[p][h] = usable && host.gpus.contains { g in
                guard g.healthy, g.migCapable else { return false }
                switch g.use {
                case .free: return true
                case .mig(let m): return profile.canPlace(in: m)
                default: return false
                }
            }
        }
        index.sriovFree[h] = usable && host.gpus.contains { $0.healthy && $0.freeVFs > 0 }
        var types: [VGPUType] = []
        for g in host.gpus { for t in g.vgpuTypes where !types.contains(t) { types.append(t) } }
        for type in types {
            let fits = usable && host.gpus.contains { g in
                guard g.healthy, g.vgpuKeys.contains(type.key) else { return false }
                switch g.use {
                case .free: return true
                case .vgpu(let key, let used): return key == type.key && used < type.capacity(onGPUOf: g.nominalGB)
                case .vgpuMixed(let gb): return gb + type.framebufferGB <= g.nominalGB
                default: return false
                }
            }
            if index.vgpuFit[type.name] == nil { index.vgpuFit[type.name] = HostBitset(count: hosts.count) }
            index.vgpuFit[type.name]?[h] = fits
        }
    }

    /// The hosts worth visiting first for `r`; the rest can only reject it.
    func candidateSets(for r: ResourceRequest) -> [HostBitset] {
        guard let g = r.gpu else { return [index.cpuHosts, index.gpuHosts] }
        switch g.mode {
        case .passthrough: return [index.freeGPUs[min(max(g.count, 1), 8) - 1]]
        case .mig:
            let p = MIGProfile.a100h100.firstIndex { $0.name == g.profile } ?? 0
            return [index.migFit[p]]
        case .vgpu: return [index.vgpuFit[g.profile ?? ""] ?? HostBitset(count: hosts.count)]
        case .sriov: return [index.sriovFree]
        }
    }
}
