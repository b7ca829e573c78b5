import CloudModel

/// Bad input to the scheduler: a request naming something the fleet does not have.
public struct SchedulerError: Error, Equatable, Sendable, CustomStringConvertible {
    public let field: String
    public let message: String
    public var description: String { "field '\(field)': \(message)" }
}

/// A chosen host with the reasons it won.
public struct Placement: Sendable, Equatable {
    public let claim: Claim
    public let hostName: String
    /// Score components (name, points); the host with the highest total wins.
    public let score: [(String, Int)]
    /// Preferences that could not be met on the chosen host (e.g. `numa_locality`).
    public let gaveUp: [String]
    /// Hosts fully evaluated and feasible when the choice was made.
    public let candidatesEvaluated: Int
    /// The NVSwitch partition a multi-GPU passthrough claim took, as module IDs (nil when the
    /// GPUs are not one partition of an NVSwitch board).
    public var nvswitchPartition: [Int]? = nil

    public var totalScore: Int { score.reduce(0) { $0 + $1.1 } }

    public static func == (a: Placement, b: Placement) -> Bool {
        a.claim == b.claim && a.hostName == b.hostName && a.score.map(\.0) == b.score.map(\.0)
            && a.score.map(\.1) == b.score.map(\.1) && a.gaveUp == b.gaveUp
    }
}

/// The outcome of a placement attempt.
public enum Decision: Sendable, Equatable {
    case placed(Placement)
    case rejected(RejectionSummary)

    /// The placement, when placed.
    public var placement: Placement? {
        if case .placed(let p) = self { return p }
        return nil
    }

    /// The reasons, when rejected.
    public var rejection: RejectionSummary? {
        if case .rejected(let r) = self { return r }
        return nil
    }
}

/// The topology-aware scheduler: pure, deterministic, no clock. It holds the fleet's capacity
/// state, places requests (returning a claim or the aggregated reasons for rejection), applies
/// and releases claims, and checks its own accounting.
public struct Scheduler: Sendable {
    public internal(set) var hosts: [HostState]
    public let policies: [ClusterPolicy]
    let numbers: [PolicyNumbers]
    let zones: [String]
    /// Feasible hosts to evaluate fully before choosing (0: all). Bounds the worst case.
    public var maxCandidates: Int
    var topologies: [GPUTopology] = []
    package internal(set) var topologyOf: [Int] = []
    var claims: [Claim?] = []
    /// Live claim IDs per host, in the order they were applied.
    var hostClaims: [[UInt32]] = []
    /// Hosts whose capacity state changed since the simulator's checkers last drained it.
    package var touchedHosts = TouchLog()
    var freeClaimIDs: [UInt32] = []
    var groupTotals: [String: Int] = [:]
    var index: SchedulerIndex
    var cursor = 0

    /// Creates a scheduler over `hosts`; each host's `cluster` indexes `policies`.
    public init(hosts: [HostState], policies: [ClusterPolicy], maxCandidates: Int = 8) {
        precondition(hosts.allSatisfy { policies.indices.contains($0.cluster) }, "every host needs a cluster policy")
        self.hosts = hosts
        self.policies = policies
        numbers = policies.map(PolicyNumbers.init)
        zones = policies.map(\.zone)
        self.maxCandidates = maxCandidates
        index = SchedulerIndex(hostCount: hosts.count)
        hostClaims = Array(repeating: [], count: hosts.count)
        for h in hosts.indices { indexNewHost(h) }
    }

    /// Records the GPU topology of host `h` and indexes it.
    mutating func indexNewHost(_ h: Int) {
        let model = policies[hosts[h].cluster].nvswitchModel
        let partitions = hosts[h].partitionMasks(model)
        let key = GPUTopologyKey(
            bandwidth: hosts[h].gpuBandwidth, peers: hosts[h].nvlinkPeers, numaOf: hosts[h].gpus.map(\.numaNode),
            partitions: partitions, partitionsOnly: partitions != nil && model == .fullPassthrough)
        if let t = topologies.firstIndex(where: { $0.key == key }) {
            topologyOf.append(t)
        } else {
            topologyOf.append(topologies.count)
            topologies.append(GPUTopology(key))
        }
        indexHardware(h)
        reindex(h)
    }

    /// Adds a host to the fleet while it runs (a node registered); returns its index.
    public mutating func addHost(_ host: HostState) -> Int {
        precondition(policies.indices.contains(host.cluster), "every host needs a cluster policy")
        precondition(!hosts.contains { $0.name == host.name }, "host '\(host.name)' added twice")
        hosts.append(host)
        hostClaims.append([])
        index.appendHost()
        let h = hosts.count - 1
        indexNewHost(h)
        return h
    }

    /// Takes a host out of the fleet for good: it takes no new claim (its index stays, so claims
    /// and records that name it stay valid). Refused while it holds claims.
    public mutating func retireHost(_ h: Int) -> Bool {
        guard hosts[h].claimCount == 0 else { return false }
        setHost(h, maintenance: true, cordoned: true)
        return true
    }

    /// Live claims.
    public var claimCount: Int { claims.count - freeClaimIDs.count }

    /// The claim behind an ID, if live.
    public func claim(_ id: ClaimID) -> Claim? {
        Int(id.rawValue) < claims.count ? claims[Int(id.rawValue)] : nil
    }

    /// The host of claim `id` (nil: no such claim), without copying the claim.
    public func claimHost(_ id: ClaimID) -> Int? {
        Int(id.rawValue) < claims.count ? claims[Int(id.rawValue)]?.host : nil
    }

    /// Checks that a request names only clusters and zones the fleet has and asks for a
    /// well-formed GPU part. Thrown errors name the field.
    public func validate(_ r: ResourceRequest) throws(SchedulerError) {
        guard r.vcpus >= 1 else { throw SchedulerError(field: "vcpus", message: "must be at least 1") }
        guard r.memoryMB >= 64 else { throw SchedulerError(field: "memory_mb", message: "must be at least 64") }
        if let c = r.cluster, !policies.contains(where: { $0.name == c }) {
            throw SchedulerError(field: "cluster", message: "unknown cluster '\(c)'")
        }
        if let z = r.zone, !policies.contains(where: { $0.zone == z }) {
            throw SchedulerError(field: "zone", message: "unknown zone '\(z)'")
        }
        guard let g = r.gpu else { return }
        try validateGPU(g)
    }

    /// The GPU part: count, a profile only where the mode takes one and one the fleet offers, a
    /// model the fleet has.
    func validateGPU(_ g: GPURequest) throws(SchedulerError) {
        guard g.count >= 1 && g.count <= Self.maxGPUCount else {
            throw SchedulerError(field: "gpu.count", message: "\(g.count) is outside 1...\(Self.maxGPUCount)")
        }
        switch g.mode {
        case .mig:
            guard let p = g.profile, MIGProfile.a100h100.contains(where: { $0.name == p }) else {
                let known = MIGProfile.a100h100.map(\.name).joined(separator: ", ")
                throw SchedulerError(
                    field: "gpu.profile", message: "unknown MIG profile '\(g.profile ?? "")' (allowed: \(known))")
            }
        case .vgpu:
            // the index already knows which types the fleet offers
            let known = index.vgpuSupported.keys.sorted()
            guard let p = g.profile, VGPUType(p) != nil, index.vgpuSupported[p] != nil else {
                throw SchedulerError(
                    field: "gpu.profile",
                    message:
                        "unknown vGPU type '\(g.profile ?? "")' (allowed: \(known.joined(separator: ", ")))")
            }
        case .passthrough, .sriov:
            if let p = g.profile {
                throw SchedulerError(
                    field: "gpu.profile",
                    message: "'\(p)' given, but \(g.mode.rawValue) takes no profile (only mig and vgpu do)")
            }
            if g.mode == .passthrough && g.count > 8 {
                throw SchedulerError(
                    field: "gpu.count", message: "\(g.count) is outside 1...8 (a host has at most 8 GPUs)")
            }
        }
        if let m = g.model {
            var models: [String] = []
            for h in hosts { for gpu in h.gpus where !models.contains(gpu.model) { models.append(gpu.model) } }
            guard models.contains(m) else {
                throw SchedulerError(
                    field: "gpu.model",
                    message: "unknown GPU model '\(m)' (allowed: \(models.sorted().joined(separator: ", ")))")
            }
        }
    }

    /// The most GPUs, VFs, vGPUs or MIG instances one request may ask for.
    public static let maxGPUCount = 64
}
