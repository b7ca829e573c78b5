import CloudModel

/// What an agent does with a command it received.
public enum AgentVerdict: Sendable, Equatable {
    /// New command: carry it out, then call `finish`.
    case execute
    /// Seen before and finished: report the recorded answer again, do nothing.
    case alreadyDone(HAInput)
    /// Seen before and still running: do nothing (its answer will follow).
    case inProgress
    /// Sent under an older leader epoch than one the agent already obeyed: rejected.
    case staleEpoch(seen: UInt64)
}

/// What the watchdog check of a round decided.
public enum WatchdogVerdict: Sendable, Equatable {
    /// The agent holds its lease and fed the watchdog.
    case fed
    /// The lease is lost; the watchdog is still counting down.
    case starving
    /// The watchdog expired: the host resets itself (self-fence).
    case expired
}

/// What an agent does with a start command it may carry out.
public enum StartVerdict: Sendable, Equatable {
    /// Launch the guest.
    case launch
    /// The guest already runs here: report success without touching it.
    case alreadyRunning
    /// Refuse, with the reason reported to the manager.
    case refuse(reason: String)
}

/// The host agent's decision core: leader epochs, exactly-once command execution, the lease and
/// the watchdog, the reconcile duty of a returning host and the preconditions of a start. Pure;
/// the runtime carries out what it decides. `Codable`, so a restarted agent process reloads it
/// (its answers of finished commands survive the restart).
public struct HostAgent: Sendable, Equatable, Codable {
    /// The highest leader epoch this agent has obeyed.
    public private(set) var epoch: UInt64 = 0
    /// Answers of finished commands (bounded; looked up, never iterated).
    var done = AnswerLog()
    /// Commands being carried out (looked up, never iterated).
    var running: Set<UInt64> = []
    /// The last lease renewal the quorate membership accepted.
    public private(set) var lastRenewal: Instant
    /// The last time the watchdog was fed.
    public private(set) var lastFeed: Instant
    /// False after an operator disarmed HA (watchdog released).
    public var watchdogArmed = true
    /// True when the host must reconcile before it takes part again (it lost its lease, or booted).
    public private(set) var mustReconcile = false
    /// False after a boot until the agent first holds its lease: a host that boots without quorum
    /// runs nothing and does not arm its watchdog (so it does not reset in a loop).
    public private(set) var leaseAcquired = true
    /// When the agent last finished reconciling since the host booted (nil: not since the boot).
    public private(set) var reconciledAt: Instant?

    /// An agent that just renewed its lease at `now`.
    public init(now: Instant) {
        lastRenewal = now
        lastFeed = now
    }

    /// Checks a command's epoch and ID. Commands from an older epoch are rejected; an ID is
    /// executed at most once.
    public mutating func accept(_ c: HACommand) -> AgentVerdict {
        if c.epoch < epoch { return .staleEpoch(seen: epoch) }
        epoch = c.epoch
        if let answer = done[c.id] { return .alreadyDone(answer) }
        if running.contains(c.id) { return .inProgress }
        running.insert(c.id)
        return .execute
    }

    /// Records the answer of a command carried out.
    public mutating func finish(_ id: UInt64, _ answer: HAInput) {
        running.remove(id)
        done.record(id, answer)
    }

    /// The round's lease step: `renewed` is true when the agent's lease renewal reached the quorate
    /// membership this round. The agent feeds its watchdog only while it renews its lease; an agent
    /// whose lease lapsed for `watchdogTimeoutNanoseconds` must reconcile before it takes part again.
    public mutating func tick(now: Instant, renewed: Bool, config: HAConfig) {
        if renewed {
            lastRenewal = now
            lastFeed = now
            leaseAcquired = true
        } else if now >= lastRenewal + config.watchdogTimeoutNanoseconds {
            mustReconcile = true
        }
    }

    /// The watchdog multiplexer's check, independent of the agent process (so it also fires when
    /// the agent is stalled): unfed for `watchdogTimeoutNanoseconds`, then the hardware timeout, resets the host.
    public func watchdog(now: Instant, config: HAConfig) -> WatchdogVerdict {
        guard watchdogArmed && leaseAcquired else { return .fed }
        if now >= lastFeed + config.watchdogTimeoutNanoseconds + config.hardwareWatchdogNanoseconds { return .expired }
        return lastFeed == now ? .fed : .starving
    }

    /// The host booted: the agent starts with its lease renewed now and must reconcile first.
    /// Answers of finished commands are kept (the agent reloads them from its own disk).
    public mutating func booted(now: Instant) {
        lastRenewal = now
        lastFeed = now
        running = []
        mustReconcile = true
        leaseAcquired = false
        reconciledAt = nil
    }

    /// The host's storage I/O fails since `blocklistedAt` (its client was blocklisted): unless it
    /// reconciled after that, it was fenced and must reconcile.
    public mutating func storageFailing(since blocklistedAt: Instant) {
        if reconciledAt.map({ $0 <= blocklistedAt }) ?? true { mustReconcile = true }
    }

    /// Reconciliation finished at `now`.
    public mutating func reconciled(now: Instant) {
        mustReconcile = false
        reconciledAt = now
    }

    /// The instances among `running` (guest processes found on host `host`) that the persisted HA
    /// state does not let run here: they must be killed before the host takes part again. An
    /// instance HA does not manage is kept.
    public static func reconcilePlan(host: HostID, running: [VMID], state: HAState) -> [VMID] {
        running.filter { instance in
            guard let v = state.vm(instance) else { return false }
            let r = state.vms[v]
            return !(r.node == host && [.started, .migrate, .freeze].contains(r.state))
        }
    }

    /// The preconditions of a start on this agent's host: the guest's port must be bound to this
    /// chassis (so a stale copy elsewhere cannot take the network), and a guest already running
    /// here is reported as started, not launched twice.
    public static func startVerdict(portBoundHere: Bool, alreadyRunning: Bool) -> StartVerdict {
        guard portBoundHere else { return .refuse(reason: "port not bound to this chassis") }
        return alreadyRunning ? .alreadyRunning : .launch
    }
}

/// The observed status of an instance, reconciled from what runs and what HA decided.
public enum InstanceStatusReconciler {
    /// The status of an instance whose guest process runs (`running`) or not, with the HA state
    /// of its record (nil: HA does not manage it) and its previous status. A guest that never ran
    /// stays `pending`; one HA gave up on is in `error`.
    public static func observed(running: Bool, haState: HAVMState?, previous: InstanceStatus) -> InstanceStatus {
        if running { return .running }
        if haState == .error { return .error }
        return previous == .pending ? .pending : .down
    }
}
