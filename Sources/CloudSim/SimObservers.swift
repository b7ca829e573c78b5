import CloudControl
import CloudModel

/// What the safety checkers (S1–S13) remember between events: their evidence, read by nothing but
/// the checks. Switching the checkers off (`Simulation(checkers: false)`) stops the checks; the
/// evidence, cheap to keep, is still recorded, and no figure of the run changes.
struct CheckerEvidence: Sendable {
    /// Physical fence proofs per host (when a device confirmed, or a host reconciled), for S2/S5.
    var proofAt: [UInt64?]
    /// When each host's current fence began, for S2/S5.
    var fenceBeganAt: [UInt64?]
    /// Times of completed fences per host (S7).
    var fenceTimes: [[UInt64]]
    /// Starts executed per instance since its last successful start (S9).
    var startAttempts: [Int]

    init(hostCount: Int, instanceCount: Int) {
        proofAt = Array(repeating: nil, count: hostCount)
        fenceBeganAt = Array(repeating: nil, count: hostCount)
        fenceTimes = Array(repeating: [], count: hostCount)
        startAttempts = Array(repeating: 0, count: instanceCount)
    }
}

/// One recovery: an HA instance's tier and how long it was down.
public struct Recovery: Sendable, Equatable {
    public let instance: String
    public let tier: HAPriority
    /// When it stopped running (virtual nanoseconds).
    public let downAt: UInt64
    /// From the moment the VM stopped running in the world to the moment it ran again.
    public let nanoseconds: UInt64
}

/// The recovery-time probe. RTO has one definition: from the moment an HA VM stopped running in
/// the world (its host lost power or was reset or powered off, its GPU failed, a reconcile killed
/// it) to the moment a process of it runs again. A planned stop opens no incident; a fence that is
/// called off while the VM kept running records nothing. It runs whether or not the checkers do.
struct RecoveryProbe: Sendable {
    /// When the current incident of each instance began.
    var incidentAt: [UInt64?]
    /// Recoveries in the order they finished.
    var recoveries: [Recovery] = []

    init(instanceCount: Int) { incidentAt = Array(repeating: nil, count: instanceCount) }

    /// Instance `v`'s incident began at `t`, unless one is already open.
    mutating func began(_ v: Int, at t: UInt64) {
        if incidentAt[v] == nil { incidentAt[v] = t }
    }

    /// Instance `v` (named `name`, of `tier`) runs again at `now`: its open incident closes.
    mutating func recovered(_ v: Int, name: String, tier: HAPriority, now: UInt64) {
        guard let t = incidentAt[v] else { return }
        recoveries.append(Recovery(instance: name, tier: tier, downAt: t, nanoseconds: now - t))
        incidentAt[v] = nil
    }

    /// Recovery times in completion order.
    var rto: [UInt64] { recoveries.map(\.nanoseconds) }
}
