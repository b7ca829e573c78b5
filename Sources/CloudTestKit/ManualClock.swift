import CloudModel

/// A clock that moves only when told: the `now` a test hands to pure controllers.
public struct ManualClock: Sendable, Equatable {
    /// Nanoseconds since the clock's origin.
    public private(set) var nowNanoseconds: UInt64

    /// A clock at `nanoseconds`.
    public init(nanoseconds: UInt64 = 0) { nowNanoseconds = nanoseconds }

    /// The clock's reading as an instant (its origin is the Unix epoch).
    public var now: Instant { Instant(nanosecondsSinceUnixEpoch: nowNanoseconds) }

    /// Moves the clock forward.
    public mutating func advance(nanoseconds: UInt64) { nowNanoseconds += nanoseconds }

    /// Moves the clock to `seconds` after its origin (never backwards).
    public mutating func set(seconds: UInt64) {
        let t = seconds * ManualClock.nanosecondsPerSecond
        precondition(t >= nowNanoseconds, "a manual clock does not go backwards")
        nowNanoseconds = t
    }

    /// Nanoseconds per second.
    public static let nanosecondsPerSecond: UInt64 = 1_000_000_000
}
