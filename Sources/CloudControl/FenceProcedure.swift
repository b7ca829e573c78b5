import CloudModel

/// What a BMC said about a power request or a status read.
public enum BMCReply: Sendable, Equatable {
    /// The request was carried out (power off accepted; says nothing of the real power state).
    case accepted
    /// The chassis status reads "off".
    case statusOff
    /// The chassis status reads "on".
    case statusOn
    /// The BMC answered with an error.
    case error
}

/// Timing of a power fence: how long to wait after the power-off before the first status read,
/// how often to read again, and how long to keep reading before giving up. `fence_ipmilan` waits
/// a few seconds, then polls about once a second until the status reads off.
public struct PowerFenceTiming: Sendable, Equatable, Codable {
    /// Wait between the power-off answer and the first status read.
    public var offWaitNanoseconds: UInt64
    /// Interval between status reads while the status still reads "on".
    public var pollIntervalNanoseconds: UInt64
    /// How long after the first status read the procedure keeps polling (0: one read only).
    public var pollTimeoutNanoseconds: UInt64

    /// A timing; the simulator's BMC reads once, 2 s after the power-off.
    public init(offWaitNanoseconds: UInt64, pollIntervalNanoseconds: UInt64, pollTimeoutNanoseconds: UInt64) {
        precondition(pollIntervalNanoseconds > 0, "a status poll interval is positive")
        self.offWaitNanoseconds = offWaitNanoseconds
        self.pollIntervalNanoseconds = pollIntervalNanoseconds
        self.pollTimeoutNanoseconds = pollTimeoutNanoseconds
    }

    /// `fence_ipmilan`'s defaults: 2 s wait, then a read every second for 20 s.
    public static let ipmilan = PowerFenceTiming(
        offWaitNanoseconds: 2 * nsPerSecond, pollIntervalNanoseconds: nsPerSecond,
        pollTimeoutNanoseconds: 20 * nsPerSecond)
}

/// A power fence ("onoff") as a state machine over a pluggable BMC transport: power off, wait,
/// read the status back until it reads off, then power on. Success only when the status reads
/// off: a BMC that reports success while the host stays on proves nothing. The runtime sends
/// what `Action` asks over its transport (the simulated BMC, or ipmitool/IPMI-over-LAN) and feeds
/// the replies back. A reply that never comes is the fence level's timeout to handle.
public struct PowerFenceProcedure: Sendable, Equatable, Codable {
    /// What the transport must do next.
    public enum Action: Sendable, Equatable {
        /// Send a chassis power-off.
        case powerOff
        /// Read the chassis power status after `afterNanoseconds`.
        case readStatus(afterNanoseconds: UInt64)
        /// The fence is proven: report `outcome`, then power the host on again.
        case verifiedPowerOn(FenceOutcome)
        /// A status-only check found the host off: report `outcome`, leave the host off.
        case verifiedOff(FenceOutcome)
        /// The fence failed: report `outcome`; `statusReadOn` tells that the BMC lied.
        case failed(FenceOutcome, statusReadOn: Bool)
    }

    enum Phase: Sendable, Equatable, Codable {
        case idle, poweringOff, reading, checking, finished
    }

    public let timing: PowerFenceTiming
    /// A status-only check (the storm guard's): one read, no power action.
    public let statusOnly: Bool
    var phase = Phase.idle
    /// When polling gives up.
    var deadline = Instant(nanosecondsSinceUnixEpoch: 0)

    /// A procedure with `timing`; `statusOnly` reads the status once and never acts.
    public init(timing: PowerFenceTiming, statusOnly: Bool = false) {
        self.timing = timing
        self.statusOnly = statusOnly
    }

    /// Starts the fence.
    public mutating func start() -> Action {
        precondition(phase == .idle, "a power fence starts once")
        if statusOnly {
            phase = .checking
            return .readStatus(afterNanoseconds: 0)
        }
        phase = .poweringOff
        return .powerOff
    }

    /// The BMC answered the power-off (or any read) at `now`.
    public mutating func reply(_ r: BMCReply, now: Instant) -> Action? {
        switch (phase, r) {
        case (.idle, _), (.finished, _):
            return nil
        case (_, .error):
            phase = .finished
            return .failed(.failed(reason: "BMC answered with an error"), statusReadOn: false)
        case (.checking, .statusOff):
            phase = .finished
            return .verifiedOff(.verified(proof: "power status read 'off' before any power action"))
        case (.checking, _):
            phase = .finished
            return .failed(
                .failed(reason: "power status reads 'on': the host may be running, so it is not fenced blind"),
                statusReadOn: false)
        case (.poweringOff, _):
            phase = .reading
            deadline = now + timing.offWaitNanoseconds + timing.pollTimeoutNanoseconds
            return .readStatus(afterNanoseconds: timing.offWaitNanoseconds)
        case (.reading, .statusOff):
            phase = .finished
            return .verifiedPowerOn(.verified(proof: "power status read back 'off'"))
        case (.reading, .statusOn), (.reading, .accepted):
            if now + timing.pollIntervalNanoseconds <= deadline {
                return .readStatus(afterNanoseconds: timing.pollIntervalNanoseconds)
            }
            phase = .finished
            return .failed(.failed(reason: "BMC reported success but power status reads 'on'"), statusReadOn: true)
        }
    }
}

/// The lease fence's verdict, from the host's lease record as the manager reads it from the store
/// (never from the agent's own memory): the host is proven fenced once its lease has been expired
/// for its whole time-to-live, since an agent without its lease resets its host before then.
public enum LeaseFence {
    /// When the lease of a host last renewed at `lastRenewal` expires.
    public static func expiry(lastRenewal: Instant, config: HAConfig) -> Instant {
        lastRenewal + config.leaseTTLNanoseconds
    }

    /// The verdict at `now` for a host last renewed at `lastRenewal`; `describe` formats a duration.
    public static func verdict(
        lastRenewal: Instant, now: Instant, config: HAConfig, describe: (UInt64) -> String
    ) -> FenceOutcome {
        guard now >= expiry(lastRenewal: lastRenewal, config: config) else {
            return .failed(reason: "host renewed its lease")
        }
        return .verified(proof: "lease expired \(describe(now.nanoseconds(since: lastRenewal))) after its last renewal")
    }
}
