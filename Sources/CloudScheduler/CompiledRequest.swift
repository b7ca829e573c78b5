/// A request resolved once per decision: names looked up, profiles parsed, so the per-host
/// loop compares integers.
struct CompiledRequest {
    let r: ResourceRequest
    /// Cluster index the request is pinned to (-1: a name no cluster has).
    let cluster: Int?
    let zone: String?
    let mig: MIGProfile?
    let vgpu: VGPUType?
    let model: String?
    let hasStrictGroups: Bool
    let hasLabels: Bool
    /// Labels, strict groups or a target host: the packed prefilter cannot decide.
    let needsFullFit: Bool

    init(_ r: ResourceRequest, policies: [ClusterPolicy]) {
        self.r = r
        cluster = r.cluster.map { c in policies.firstIndex { $0.name == c } ?? -1 }
        zone = r.zone
        mig = r.gpu?.mode == .mig ? r.gpu?.profile.flatMap(MIGProfile.named) : nil
        vgpu = r.gpu?.mode == .vgpu ? r.gpu?.profile.flatMap(VGPUType.init) : nil
        model = r.gpu?.model
        hasStrictGroups = r.groups.contains { $0.strength == .strict }
        hasLabels = !r.labels.isEmpty
        needsFullFit = hasLabels || hasStrictGroups || r.onlyHost != nil
    }

    /// True when the request excludes host `h` (a short list: a linear scan).
    func excludes(_ h: Int) -> Bool { !r.excludedHosts.isEmpty && r.excludedHosts.contains(h) }
}

/// The numbers of a cluster policy, without its names: what the per-host loop reads.
struct PolicyNumbers: Sendable {
    let cpu: Int
    let ram: Int
    let pack: Bool
    let modelFirst: Bool
    let vgpuMixed: Bool
    let keepBoardsWhole: Bool

    init(_ p: ClusterPolicy) {
        cpu = p.cpuOvercommitPercent
        ram = p.ramOvercommitPercent
        pack = p.strategy == .pack
        modelFirst = p.priority == .gpuModel
        vgpuMixed = p.vgpuMixed
        keepBoardsWhole = p.gangPlacement == .keepBoardsWhole
    }
}
