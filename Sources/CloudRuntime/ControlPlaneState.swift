import CloudControl
import CloudDrivers
import CloudModel

/// Simulation-only fault hooks of the runtime: defects switched on to prove the checkers fail.
package struct RuntimeFaultHooks: Sendable, Equatable {
    /// The manager recovers without fencing.
    package var skipFence = false
    /// Fence devices accept an unfence before they check that they can act.
    package var acceptBeforeSchedule = false
    /// The manager ignores the tiers of VMs on other hosts' fences.
    package var ignorePriority = false

    package init(skipFence: Bool = false, acceptBeforeSchedule: Bool = false, ignorePriority: Bool = false) {
        self.skipFence = skipFence
        self.acceptBeforeSchedule = acceptBeforeSchedule
        self.ignorePriority = ignorePriority
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
    package var hostLeases: [Instant]
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
    /// The driver handles of hosts and instances (the runtime's positions) and their IDs.
    package private(set) var handles: RuntimeHandles

    /// The control plane of a new cluster with the HA state `initial`; `handles` maps the
    /// runtime's host and instance handles to IDs (one HA host record per host handle).
    package init(
        config: HAConfig, initial: HAState, handles: RuntimeHandles, powerFenceTiming: PowerFenceTiming, now: Instant,
        faults: RuntimeFaultHooks = RuntimeFaultHooks()
    ) {
        let hostCount = handles.hosts.count
        precondition(initial.hosts.count == hostCount, "one HA host record per host")
        precondition(
            zip(initial.hosts, handles.hosts).allSatisfy { $0.id == $1 }, "host handles in the HA state's order")
        self.handles = handles
        self.config = config
        self.faults = faults
        self.powerFenceTiming = powerFenceTiming
        lease = LeaderLease(ttlNanoseconds: config.managerLeaseTTLNanoseconds)
        record = HAStateRecord(state: initial)
        hostLeases = Array(repeating: now, count: hostCount)
        agents = Array(repeating: HostAgent(now: now), count: hostCount)
        fenceTally = Array(
            repeating: Array(repeating: FenceTally(), count: FenceMethod.allCases.count), count: hostCount)
    }

    /// The persisted HA state.
    package var store: HAState { record.state }
    /// The lease holder.
    package var leader: Int? { lease.holder.flatMap { handles.host($0) } }

    /// The name of host `id` for log lines, from the persisted HA state.
    package func hostName(_ id: HostID) -> String { record.state[host: id]?.name ?? id.rawValue }

    /// Adds a host that joined (its agent registered): a handle, an agent, a lease row and fence
    /// tallies. The HA manager learns of it through `HAManager.addHost`.
    package func addHost(_ id: HostID, now: Instant) -> Int {
        let h = handles.addHost(id)
        hostLeases.append(now)
        agents.append(HostAgent(now: now))
        fenceTally.append(Array(repeating: FenceTally(), count: FenceMethod.allCases.count))
        return h
    }

    /// Adds an instance (created through the API); returns its handle.
    package func addVM(_ id: VMID) -> Int { handles.addVM(id) }
    /// The epoch of the current (or last) leader.
    package var epoch: UInt64 { lease.epoch }
}

/// The runtime's handles of hosts and instances (positions in its own arrays, what drivers take)
/// and the IDs the control plane names them by. Handles are dense and only grow.
package struct RuntimeHandles: Sendable {
    /// Host IDs by handle.
    package private(set) var hosts: [HostID] = []
    /// Instance IDs by handle.
    package private(set) var vms: [VMID] = []
    private var hostByID: [HostID: Int] = [:]
    private var vmByID: [VMID: Int] = [:]

    /// Handles for `hosts` and `vms`, numbered in order.
    package init(hosts: [HostID], vms: [VMID]) {
        for h in hosts { _ = addHost(h) }
        for v in vms { _ = addVM(v) }
    }

    /// Adds host `id`; returns its handle.
    package mutating func addHost(_ id: HostID) -> Int {
        precondition(hostByID[id] == nil, "host '\(id)' registered twice")
        hostByID[id] = hosts.count
        hosts.append(id)
        return hosts.count - 1
    }

    /// Adds instance `id`; returns its handle.
    package mutating func addVM(_ id: VMID) -> Int {
        precondition(vmByID[id] == nil, "instance '\(id)' registered twice")
        vmByID[id] = vms.count
        vms.append(id)
        return vms.count - 1
    }

    /// The handle of host `id`.
    package func host(_ id: HostID) -> Int? { hostByID[id] }

    /// The handle of instance `id`.
    package func vm(_ id: VMID) -> Int? { vmByID[id] }
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
    /// The agent of `host` rejected command `c` as sent under an older leader epoch.
    mutating func commandRejected(_ c: HACommand, on host: Int)
}

/// A runtime the control-plane loop can run on: its drivers, its membership view, its observers
/// and the control plane's state. The loop itself is in the extensions of this protocol.
package protocol ControlPlaneHost:
    Env, Membership, Hypervisor, FenceTransport, PortBinding, GPUInventory, RuntimeObserver, ~Copyable
{
    /// The control plane's state (stored by the runtime, mutated only by the loop).
    var control: ControlPlaneState { get set }
    /// Runs a manager round of `step` against the runtime's placement (the scheduler and claims).
    mutating func placeRound(
        _ step: inout HAControlStep, now: Instant, epoch: UInt64, observations: [HostObservation], inputs: [HAInput],
        queued: [AdminCommand]
    ) -> HAPersist
    /// True when the path to `host`'s agent holds command `c` and delivers it later (through
    /// `agentReceive`); false delivers it now.
    mutating func holdsCommand(_ c: HACommand, for host: Int) -> Bool
    /// Marks `host` schedulable for new VMs or not.
    mutating func setSchedulable(_ host: Int, _ on: Bool)
}
