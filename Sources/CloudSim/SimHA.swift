import CloudControl
import CloudModel

/// The simulated runtime's HA side: membership, leases, the leader, the store, agents, fence
/// devices, storage blocklists, OVN port bindings and the QEMU processes the invariants look at.
struct SimHA: Sendable {
    var config: HAConfig
    var agents: [HostAgent]
    /// Membership component per host (-1: not a member), and the quorate one.
    var component: [Int]
    var quorate: Int?
    /// The leader lease as the store holds it.
    var lease: LeaderLease
    /// The leader's control step (its manager in memory); nil while no manager process leads.
    var step: HAControlStep?
    /// What the store holds: the HA state (persisted before every action) and the operator
    /// requests waiting for a leader.
    var record: HAStateRecord
    /// Each host's last lease renewal as the store recorded it (what the lease fence reads).
    var hostLeases: [UInt64]
    var storeUp = true
    var storeDownLogged = false
    var storageUp = true
    /// Answers that reached the leader since its last round.
    var inbox: [HAInput] = []
    var managerDownUntil: [UInt64]
    var agentStalledUntil: [UInt64]
    var managerStalledUntil: [UInt64]
    var watchdogBroken: [Bool]
    var blocklisted: [Bool]
    /// When each host's blocklist entry was published (its client's I/O fails from then on).
    var blocklistedAt: [UInt64?]
    var osdEpoch: UInt64 = 1
    /// OVN `requested-chassis` per instance.
    var portChassis: [Int?]
    /// Hosts where a QEMU process of the instance exists.
    var procs: [[Int]]
    var startFailuresVM: [Int]
    var startFailuresHost: [Int]
    /// Fence devices act once per command ID, like agents.
    var gate = FenceGate()
    /// Power fences in progress by command ID (looked up, never iterated; removed when answered).
    var powerFences: [UInt64: PowerFenceProcedure] = [:]
    /// The simulated BMC is read once, 2 s after its power-off answer.
    let powerFenceTiming = PowerFenceTiming(
        offWaitNanoseconds: 2 * SimTime.second, pollIntervalNanoseconds: SimTime.second, pollTimeoutNanoseconds: 0)
    /// When the current incident of an instance began (for RTO).
    var incidentAt: [UInt64?]
    var rto: [UInt64] = []
    /// Fence requests per host and method, and answers: [host][method] → (sent, verified, failed).
    var fenceTally: [[(sent: Int, verified: Int, failed: Int)]]
    /// Host and method index of each fence request awaiting its answer (looked up by command ID,
    /// never iterated; removed when answered).
    var fenceInFlight: [UInt64: (host: Int, method: Int)] = [:]
    var crashTrigger: (trigger: CrashTrigger, restartAfter: UInt64)?
    /// Physical fence proofs per host (time the device confirmed), for S2/S5.
    var proofAt: [UInt64?]
    var fenceBeganAt: [UInt64?]
    /// Times of completed fences per host (S7).
    var fenceTimes: [[UInt64]]
    /// Starts executed per instance since its last successful start (S9).
    var startAttempts: [Int]

    init(config: HAConfig, hostCount: Int, instanceCount: Int, vms: [HAVMRecord], processes: [[Int]]) {
        self.config = config
        agents = Array(repeating: HostAgent(now: 0), count: hostCount)
        component = Array(repeating: 0, count: hostCount)
        lease = LeaderLease(ttlNanoseconds: config.managerLeaseTTL)
        record = HAStateRecord(state: HAState(hostCount: hostCount, vms: vms))
        hostLeases = Array(repeating: 0, count: hostCount)
        managerDownUntil = Array(repeating: 0, count: hostCount)
        agentStalledUntil = Array(repeating: 0, count: hostCount)
        managerStalledUntil = Array(repeating: 0, count: hostCount)
        watchdogBroken = Array(repeating: false, count: hostCount)
        blocklisted = Array(repeating: false, count: hostCount)
        blocklistedAt = Array(repeating: nil, count: hostCount)
        fenceTally = Array(repeating: Array(repeating: (0, 0, 0), count: FenceMethod.allCases.count), count: hostCount)
        portChassis = processes.map(\.first)
        procs = processes
        startFailuresVM = Array(repeating: 0, count: instanceCount)
        startFailuresHost = Array(repeating: 0, count: hostCount)
        incidentAt = Array(repeating: nil, count: instanceCount)
        proofAt = Array(repeating: nil, count: hostCount)
        fenceBeganAt = Array(repeating: nil, count: hostCount)
        fenceTimes = Array(repeating: [], count: hostCount)
        startAttempts = Array(repeating: 0, count: instanceCount)
    }

    /// The persisted HA state.
    var store: HAState { record.state }

    /// The lease holder.
    var leader: Int? { lease.holder }

    /// The epoch of the current (or last) leader.
    var epoch: UInt64 { lease.epoch }

    func agentAlive(_ h: Int, now: UInt64) -> Bool { now >= agentStalledUntil[h] }

    func managerUp(_ h: Int, now: UInt64) -> Bool { now >= managerDownUntil[h] && now >= managerStalledUntil[h] }
}
