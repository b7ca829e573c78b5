/// What the control plane believes about a host, from its heartbeats.
public enum HostHealth: String, Sendable, CaseIterable, Codable {
    /// Heartbeats arrive.
    case online
    /// No heartbeat for longer than the suspect timeout; nothing is done yet (hysteresis).
    case suspect
    /// No heartbeat for longer than the unreachable timeout: the host is considered down.
    case unreachable
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
    /// The detector's timers: the HA configuration's heartbeat, suspect and fence-delay timeouts.
    public let config: HAConfig
    /// Current belief per host index.
    public private(set) var health: [HostHealth]
    /// Time of the last transition into `unreachable` per host.
    public private(set) var unreachableSince: [UInt64?]

    /// Starts with every host online.
    public init(hostCount: Int, config: HAConfig) {
        self.config = config
        health = Array(repeating: .online, count: hostCount)
        unreachableSince = Array(repeating: nil, count: hostCount)
    }

    /// The state a host should be in given the age of its last heartbeat.
    public func classify(now: UInt64, lastHeartbeat: UInt64?, monitoringSince: UInt64) -> HostHealth {
        let silentSince = lastHeartbeat ?? monitoringSince
        return config.health(silenceNanoseconds: now >= silentSince ? now - silentSince : 0)
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
