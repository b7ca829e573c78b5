import CloudControl
import CloudDrivers

/// Simulation-only fault hooks of the runtime: defects switched on to prove the checkers fail.
package struct RuntimeFaultHooks: Sendable, Equatable {
    /// The manager recovers without fencing.
    package var skipFence = false
    /// Fence devices accept an unfence before they check that they can act.
    package var acceptBeforeSchedule = false

    package init(skipFence: Bool = false, acceptBeforeSchedule: Bool = false) {
        self.skipFence = skipFence
        self.acceptBeforeSchedule = acceptBeforeSchedule
    }
}

/// Fence requests and answers of one host and method, for metrics.
package struct FenceTally: Sendable, Equatable {
    package var sent = 0
    package var verified = 0
    package var failed = 0
}

/// Everything the control plane holds besides the hardware: the store's records (HA state,
/// operator queue, leader lease, host lease renewals), the leader's manager in memory, its inbox,
/// every host's agent, and the fence devices' exactly-once gate and procedures.
///
/// A class with one owner (its runtime): the loop reaches it through a protocol requirement,
/// where a struct would be copied whole on every read.
package final class ControlPlaneState {
    package let config: HAConfig
    package var faults: RuntimeFaultHooks
    /// The leader lease as the store holds it.
    package var lease: LeaderLease
    /// The leader's control step (its manager in memory); nil while no manager process leads.
    package var step: HAControlStep?
    /// The HA state and operator queue as the store holds them.
    package var record: HAStateRecord
    /// Each host's last lease renewal as the store recorded it (what the lease fence reads).
    package var hostLeases: [UInt64]
    /// Answers that reached the leader since its last round.
    package var inbox: [HAInput] = []
    /// The agent of every host.
    package var agents: [HostAgent]
    /// Fence devices act once per command ID.
    package var gate = FenceGate()
    /// Power fences in progress by command ID (looked up, never iterated).
    package var powerFences: [UInt64: PowerFenceProcedure] = [:]
    package let powerFenceTiming: PowerFenceTiming
    /// Fence requests per host and method (`FenceMethod.allCases` order).
    package var fenceTally: [[FenceTally]]
    /// Host and method of each fence request awaiting its answer (looked up, never iterated).
    package var fenceInFlight: [UInt64: (host: Int, method: Int)] = [:]
    /// True while the leader logged that the store is unavailable.
    package var storeDownLogged = false
    /// Host names by index, for rendering decisions.
    package let hostNames: [String]

    /// The control plane of a new cluster of `hostCount` hosts with the HA state `initial`.
    package init(
        config: HAConfig, initial: HAState, hostNames: [String], powerFenceTiming: PowerFenceTiming,
        faults: RuntimeFaultHooks = RuntimeFaultHooks()
    ) {
        let hostCount = hostNames.count
        precondition(initial.hosts.count == hostCount, "one HA host record per host")
        self.hostNames = hostNames
        self.config = config
        self.faults = faults
        self.powerFenceTiming = powerFenceTiming
        lease = LeaderLease(ttlNanoseconds: config.managerLeaseTTL)
        record = HAStateRecord(state: initial)
        hostLeases = Array(repeating: 0, count: hostCount)
        agents = Array(repeating: HostAgent(now: 0), count: hostCount)
        fenceTally = Array(
            repeating: Array(repeating: FenceTally(), count: FenceMethod.allCases.count), count: hostCount)
    }

    /// The persisted HA state.
    package var store: HAState { record.state }
    /// The lease holder.
    package var leader: Int? { lease.holder }
    /// The epoch of the current (or last) leader.
    package var epoch: UInt64 { lease.epoch }
}

/// What the runtime loop tells the runtime's checkers, probes and fault injector (the simulator's
/// observers; a live runtime may feed its audit log). None of them decides anything.
package protocol RuntimeObserver: ~Copyable {
    /// A round's state was persisted (`before` → `after`), before any effect is carried out.
    mutating func roundPersisted(before: HAState, after: HAState)
    /// A command is about to be carried out (it is in the persisted state).
    mutating func commandReleased(_ command: HACommand)
    /// Every effect of a round was carried out; `sent` lists its commands.
    mutating func roundCarriedOut(sent: [HACommand])
    /// An agent is about to start the guest of `vm` on `host`.
    mutating func guestStarting(_ vm: Int, on host: Int)
    /// The agent of `host` finished reconciling.
    mutating func hostReconciled(_ host: Int)
    /// A fence device proved `host` fenced (power read back off, lease expired).
    mutating func fenceProven(_ host: Int)
}

/// A runtime the control-plane loop can run on: its drivers, its membership view, its observers
/// and the control plane's state. The loop itself is in the extensions of this protocol.
package protocol ControlPlaneHost: Env, Membership, Hypervisor, FenceTransport, PortBinding, RuntimeObserver, ~Copyable
{
    /// The control plane's state (stored by the runtime, mutated only by the loop).
    var control: ControlPlaneState { get set }
    /// Runs a manager round of `step` against the runtime's placement (the scheduler and claims).
    mutating func placeRound(
        _ step: inout HAControlStep, now: UInt64, epoch: UInt64, observations: [HostObservation], inputs: [HAInput],
        queued: [AdminCommand]
    ) -> HAPersist
    /// Marks `host` schedulable for new VMs or not.
    mutating func setSchedulable(_ host: Int, _ on: Bool)
}
