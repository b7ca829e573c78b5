import CloudControl
import CloudModel

/// The simulated world's HA side, hardware truth and fault state only: membership, process
/// stalls, watchdogs, storage blocklists, OVN port bindings, the QEMU processes. The checkers'
/// evidence is `CheckerEvidence`, the RTO probe `RecoveryProbe`; the control plane's own state
/// (lease, store, agents, fence gate) is `Simulation.control`, run by CloudRuntime.
struct SimHA: Sendable {
    /// Membership component per host (-1: not a member), and the quorate one.
    var component: [Int]
    var quorate: Int?
    var storeUp = true
    var storageUp = true
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
    var procs: GuestTable
    var startFailuresVM: [Int]
    var startFailuresHost: [Int]
    var crashTrigger: (trigger: CrashTrigger, restartAfter: UInt64)?
    /// Commands to each host's agent sent before `until` arrive `delay` late.
    var commandDelay: [(until: UInt64, delay: UInt64)?]

    init(hostCount: Int, instanceCount: Int, processes: [[Int]], ids: [VMID]) {
        component = Array(repeating: 0, count: hostCount)
        managerDownUntil = Array(repeating: 0, count: hostCount)
        agentStalledUntil = Array(repeating: 0, count: hostCount)
        managerStalledUntil = Array(repeating: 0, count: hostCount)
        watchdogBroken = Array(repeating: false, count: hostCount)
        blocklisted = Array(repeating: false, count: hostCount)
        blocklistedAt = Array(repeating: nil, count: hostCount)
        portChassis = processes.map(\.first)
        procs = GuestTable(processes: processes, ids: ids, hostCount: hostCount)
        startFailuresVM = Array(repeating: 0, count: instanceCount)
        startFailuresHost = Array(repeating: 0, count: hostCount)
        commandDelay = Array(repeating: nil, count: hostCount)
    }

    func agentAlive(_ h: Int, now: UInt64) -> Bool { now >= agentStalledUntil[h] }

    func managerUp(_ h: Int, now: UInt64) -> Bool { now >= managerDownUntil[h] && now >= managerStalledUntil[h] }
}
