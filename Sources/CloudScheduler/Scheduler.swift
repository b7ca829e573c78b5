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
        for h in hosts.indices { indexNewHost(h) }
    }

    /// Records the GPU topology of host `h` and indexes it.
    mutating func indexNewHost(_ h: Int) {
        let key = (hosts[h].gpuBandwidth, hosts[h].nvlinkPeers)
        if let t = topologies.firstIndex(where: { $0.bandwidth == key.0 && $0.peers == key.1 }) {
            topologyOf.append(t)
        } else {
            topologyOf.append(topologies.count)
            topologies.append(GPUTopology(bandwidth: key.0, peers: key.1))
        }
        indexHardware(h)
        reindex(h)
    }

    /// Adds a host to the fleet while it runs (a node registered); returns its index.
    public mutating func addHost(_ host: HostState) -> Int {
        precondition(policies.indices.contains(host.cluster), "every host needs a cluster policy")
        precondition(!hosts.contains { $0.name == host.name }, "host '\(host.name)' added twice")
        hosts.append(host)
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
        guard g.count >= 1 && g.count <= 64 else { throw SchedulerError(field: "gpu.count", message: "must be 1...64") }
        switch g.mode {
        case .mig:
            guard let p = g.profile, MIGProfile.named(p) != nil else {
                let known = MIGProfile.a100h100.map(\.name).joined(separator: ", ")
                throw SchedulerError(
                    field: "gpu.profile", message: "unknown MIG profile '\(g.profile ?? "")' (\(known))")
            }
        case .vgpu:
            guard let p = g.profile, VGPUType(p) != nil else {
                throw SchedulerError(field: "gpu.profile", message: "unknown vGPU type '\(g.profile ?? "")'")
            }
        case .passthrough where g.count > 8:
            throw SchedulerError(field: "gpu.count", message: "a host has at most 8 GPUs")
        default: break
        }
    }
}
