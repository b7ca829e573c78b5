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

/// The host agent's decision core: leader epochs, exactly-once command execution, the lease and
/// the watchdog, and the reconcile duty of a returning host. Pure; the runtime carries out what it
/// decides.
public struct HostAgent: Sendable {
    /// The highest leader epoch this agent has obeyed.
    public private(set) var epoch: UInt64 = 0
    /// Answers of finished commands by ID (looked up, never iterated).
    var done: [UInt64: HAInput] = [:]
    /// Commands being carried out (looked up, never iterated).
    var running: Set<UInt64> = []
    /// The last lease renewal the quorate membership accepted.
    public private(set) var lastRenewal: UInt64
    /// The last time the watchdog was fed.
    public private(set) var lastFeed: UInt64
    /// False after an operator disarmed HA (watchdog released).
    public var watchdogArmed = true
    /// True when the host must reconcile before it takes part again (it lost its lease, or booted).
    public private(set) var mustReconcile = false
    /// False after a boot until the agent first holds its lease: a host that boots without quorum
    /// runs nothing and does not arm its watchdog (so it does not reset in a loop).
    public private(set) var leaseAcquired = true

    /// An agent that just renewed its lease at `now`.
    public init(now: UInt64) {
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
        done[id] = answer
    }

    /// The round's lease step: `renewed` is true when the agent's lease renewal reached the quorate
    /// membership this round. The agent feeds its watchdog only while it renews its lease; an agent
    /// whose lease lapsed for `watchdogTimeout` must reconcile before it takes part again.
    public mutating func tick(now: UInt64, renewed: Bool, config: HAConfig) {
        if renewed {
            lastRenewal = now
            lastFeed = now
            leaseAcquired = true
        } else if now >= lastRenewal + config.watchdogTimeout {
            mustReconcile = true
        }
    }

    /// The watchdog multiplexer's check, independent of the agent process (so it also fires when
    /// the agent is stalled): unfed for `watchdogTimeout`, then the hardware timeout, resets the host.
    public func watchdog(now: UInt64, config: HAConfig) -> WatchdogVerdict {
        guard watchdogArmed && leaseAcquired else { return .fed }
        if now >= lastFeed + config.watchdogTimeout + config.hardwareWatchdog { return .expired }
        return lastFeed == now ? .fed : .starving
    }

    /// The host booted: the agent starts with its lease renewed now and must reconcile first.
    public mutating func booted(now: UInt64) {
        lastRenewal = now
        lastFeed = now
        running = []
        mustReconcile = true
        leaseAcquired = false
    }

    /// The host's storage client was blocklisted (its I/O fails): it was fenced and must reconcile.
    public mutating func storageFenced() { mustReconcile = true }

    /// Reconciliation finished.
    public mutating func reconciled() { mustReconcile = false }
}
