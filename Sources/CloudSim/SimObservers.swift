import CloudControl

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

/// The recovery-time probe: when each HA instance's incident began (its host lost power, its
/// GPU failed, or the manager began fencing its host) and how long each recovery took. It runs
/// whether or not the checkers do.
struct RecoveryProbe: Sendable {
    /// When the current incident of each instance began.
    var incidentAt: [UInt64?]
    /// Recovery times, nanoseconds, in the order the recoveries finished.
    var rto: [UInt64] = []

    init(instanceCount: Int) { incidentAt = Array(repeating: nil, count: instanceCount) }

    /// Instance `v`'s incident began at `t`, unless one is already open.
    mutating func began(_ v: Int, at t: UInt64) {
        if incidentAt[v] == nil { incidentAt[v] = t }
    }

    /// Instance `v` runs again at `now`: its open incident, if any, closes.
    mutating func recovered(_ v: Int, now: UInt64) {
        guard let t = incidentAt[v] else { return }
        rto.append(now - t)
        incidentAt[v] = nil
    }
}

extension Simulation {
    /// The probe's view of a persisted round: a VM whose host the manager began fencing has an
    /// incident from the host's last fault (or now).
    mutating func probeTransitions(before: HAState, after: HAState) {
        let aligned = before.vms.count == after.vms.count
        for v in after.vms.indices where after.vms[v].state == .fence {
            let was =
                aligned && before.vms[v].id == after.vms[v].id
                ? before.vms[v].state : before[vm: after.vms[v].id]?.state
            guard let was, was != .fence, let i = world.instance(after.vms[v].id),
                let n = after.vms[v].node.flatMap(world.host)
            else { continue }
            probe.began(i, at: world.hosts[n].lastFaultAt ?? kernel.now)
        }
    }
}
