/// What the control plane believes about a host, from its heartbeats.
public enum HostHealth: String, Sendable, CaseIterable, Codable {
    /// Heartbeats arrive.
    case online
    /// No heartbeat for longer than the suspect timeout; nothing is done yet (hysteresis).
    case suspect
    /// No heartbeat for longer than the unreachable timeout: the host is considered down.
    case unreachable
}

/// Timeouts of the heartbeat-based failure detector.
public struct HealthTimeouts: Sendable, Equatable {
    /// Interval at which agents send heartbeats, in nanoseconds.
    public var heartbeatInterval: UInt64
    /// Silence after which a host is suspect.
    public var suspectAfter: UInt64
    /// Silence after which a host is unreachable.
    public var unreachableAfter: UInt64
    /// Interval between detector evaluations.
    public var checkInterval: UInt64

    /// Creates timeouts; the suspect timeout must cover at least two heartbeats and be shorter than
    /// the unreachable timeout, or a single late heartbeat would flap the host.
    public init(
        heartbeatInterval: UInt64, suspectAfter: UInt64, unreachableAfter: UInt64, checkInterval: UInt64
    )
        throws(HealthTimeoutsError)
    {
        guard heartbeatInterval > 0, checkInterval > 0 else {
            throw HealthTimeoutsError("heartbeat_interval and check_interval must be positive")
        }
        guard suspectAfter >= 2 * heartbeatInterval else {
            throw HealthTimeoutsError("suspect_after must be at least twice heartbeat_interval")
        }
        guard unreachableAfter > suspectAfter else {
            throw HealthTimeoutsError("unreachable_after must be longer than suspect_after")
        }
        self.heartbeatInterval = heartbeatInterval
        self.suspectAfter = suspectAfter
        self.unreachableAfter = unreachableAfter
        self.checkInterval = checkInterval
    }

    /// Defaults: heartbeat every 2 s, suspect after 6 s, unreachable after 20 s, checked every 1 s.
    public static let standard = HealthTimeouts(
        uncheckedHeartbeat: 2_000_000_000, suspect: 6_000_000_000, unreachable: 20_000_000_000,
        check: 1_000_000_000)

    init(uncheckedHeartbeat: UInt64, suspect: UInt64, unreachable: UInt64, check: UInt64) {
        heartbeatInterval = uncheckedHeartbeat
        suspectAfter = suspect
        unreachableAfter = unreachable
        checkInterval = check
    }
}

/// A rejected timeout configuration.
public struct HealthTimeoutsError: Error, Equatable, CustomStringConvertible, Sendable {
    public let description: String
    init(_ d: String) { description = d }
}

/// One change of a host's health, as the monitor decided it.
public struct HealthTransition: Sendable, Equatable {
    public let host: Int
    public let from: HostHealth
    public let to: HostHealth
    /// When the last heartbeat arrived (nil: never).
    public let lastHeartbeat: UInt64?
}

/// The heartbeat failure detector: a pure state machine. Given `now` and each host's last
/// heartbeat time it returns the transitions to apply; it reads no clock and does no I/O.
public struct HostHealthMonitor: Sendable {
    public let timeouts: HealthTimeouts
    /// Current belief per host index.
    public private(set) var health: [HostHealth]
    /// Time of the last transition into `unreachable` per host.
    public private(set) var unreachableSince: [UInt64?]

    /// Starts with every host online.
    public init(hostCount: Int, timeouts: HealthTimeouts) {
        self.timeouts = timeouts
        health = Array(repeating: .online, count: hostCount)
        unreachableSince = Array(repeating: nil, count: hostCount)
    }

    /// The state a host should be in given the age of its last heartbeat.
    public func classify(now: UInt64, lastHeartbeat: UInt64?, monitoringSince: UInt64) -> HostHealth {
        let silentSince = lastHeartbeat ?? monitoringSince
        let age = now >= silentSince ? now - silentSince : 0
        if age > timeouts.unreachableAfter { return .unreachable }
        if age > timeouts.suspectAfter { return .suspect }
        return .online
    }

    /// Evaluates every host in index order and applies the transitions it returns.
    public mutating func evaluate(
        now: UInt64, lastHeartbeats: [UInt64?], monitoringSince: UInt64 = 0
    )
        -> [HealthTransition]
    {
        precondition(lastHeartbeats.count == health.count, "one heartbeat entry per host")
        var out: [HealthTransition] = []
        for h in health.indices {
            let next = classify(now: now, lastHeartbeat: lastHeartbeats[h], monitoringSince: monitoringSince)
            if next != health[h] {
                out.append(HealthTransition(host: h, from: health[h], to: next, lastHeartbeat: lastHeartbeats[h]))
                health[h] = next
                if next == .unreachable { unreachableSince[h] = now }
            }
        }
        return out
    }
}
