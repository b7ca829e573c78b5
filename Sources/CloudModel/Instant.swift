/// A point in time for everything the control plane persists or compares across nodes:
/// nanoseconds since the Unix epoch. A live runtime takes it from the wall clock (so a leader on
/// another node can compare a stored time with its own clock); the simulator counts virtual time
/// from a fixed virtual epoch, so its instants look like real dates and stay deterministic.
/// Durations are plain nanosecond counts and say so in their names.
public struct Instant: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// Nanoseconds since 1970-01-01T00:00:00Z.
    public let nanosecondsSinceUnixEpoch: UInt64

    /// The instant `nanosecondsSinceUnixEpoch` after the Unix epoch.
    public init(nanosecondsSinceUnixEpoch: UInt64) { self.nanosecondsSinceUnixEpoch = nanosecondsSinceUnixEpoch }

    /// The simulator's virtual epoch: virtual time 0 is 2026-01-01T00:00:00Z.
    public static let virtualEpoch = Instant(nanosecondsSinceUnixEpoch: 1_767_225_600 * 1_000_000_000)

    /// The instant `elapsedNanoseconds` of virtual time after the virtual epoch.
    public static func virtual(_ elapsedNanoseconds: UInt64) -> Instant {
        virtualEpoch.adding(nanoseconds: elapsedNanoseconds)
    }

    /// Later than every instant a clock reads (a deadline that never passes).
    public static let distantFuture = Instant(nanosecondsSinceUnixEpoch: .max)

    /// This instant plus `nanoseconds` (saturating at `distantFuture`).
    public func adding(nanoseconds: UInt64) -> Instant {
        let (sum, overflow) = nanosecondsSinceUnixEpoch.addingReportingOverflow(nanoseconds)
        return Instant(nanosecondsSinceUnixEpoch: overflow ? .max : sum)
    }

    /// Nanoseconds from `earlier` to this instant; 0 when `earlier` is not before it.
    public func nanoseconds(since earlier: Instant) -> UInt64 {
        nanosecondsSinceUnixEpoch > earlier.nanosecondsSinceUnixEpoch
            ? nanosecondsSinceUnixEpoch - earlier.nanosecondsSinceUnixEpoch : 0
    }

    /// Nanoseconds since the virtual epoch (the simulator's virtual time); 0 before it.
    public var virtualNanoseconds: UInt64 { nanoseconds(since: .virtualEpoch) }

    /// The same instant as an API timestamp.
    public var timestamp: Timestamp {
        Timestamp(nanoseconds: Int64(clamping: nanosecondsSinceUnixEpoch))
    }

    public static func < (a: Instant, b: Instant) -> Bool { a.nanosecondsSinceUnixEpoch < b.nanosecondsSinceUnixEpoch }

    /// `a` plus `nanoseconds` (saturating).
    public static func + (a: Instant, nanoseconds: UInt64) -> Instant { a.adding(nanoseconds: nanoseconds) }

    public init(from decoder: any Decoder) throws {
        nanosecondsSinceUnixEpoch = try decoder.singleValueContainer().decode(UInt64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(nanosecondsSinceUnixEpoch)
    }

    public var description: String { timestamp.iso8601 }
}
