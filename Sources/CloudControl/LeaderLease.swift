import CloudModel

/// The HA leader lease: one holder at a time, a time-to-live, and an epoch that grows with every
/// new holder. Pure: the runtime keeps the record in its store (a compare-and-set on the epoch)
/// and calls these with its own clock.
///
/// As with Kubernetes' Lease objects, the holder may renew as long as the record still names it,
/// even after `expiresAt`: expiry only lets another candidate take the lease, and `expire` is what
/// clears the holder. Every command a leader sends carries its epoch; agents refuse older epochs.
public struct LeaderLease: Sendable, Equatable, Codable {
    /// The host holding the lease, if any.
    public private(set) var holder: HostID?
    /// The epoch of the current (or last) holder; 0 before the first.
    public private(set) var epoch: UInt64 = 0
    /// Nanoseconds after which the lease is no longer valid unless renewed.
    public private(set) var expiresAt = Instant(nanosecondsSinceUnixEpoch: 0)
    /// Time-to-live of an acquisition or renewal, nanoseconds.
    public let ttlNanoseconds: UInt64

    /// An unheld lease with the given time-to-live.
    public init(ttlNanoseconds: UInt64) {
        precondition(ttlNanoseconds > 0, "a lease lives for a positive time")
        self.ttlNanoseconds = ttlNanoseconds
    }

    /// True when `host` holds the lease and it has not expired at `now`.
    public func isValid(for host: HostID, now: Instant) -> Bool { holder == host && now < expiresAt }

    /// Renews the lease for its holder. Returns false (and changes nothing) for anyone else.
    @discardableResult
    public mutating func renew(by host: HostID, now: Instant) -> Bool {
        guard holder == host else { return false }
        expiresAt = now + ttlNanoseconds
        return true
    }

    /// Clears the holder once the lease has expired. Returns the holder and epoch that expired.
    public mutating func expire(now: Instant) -> (holder: HostID, epoch: UInt64)? {
        guard let h = holder, now >= expiresAt else { return nil }
        holder = nil
        return (h, epoch)
    }

    /// Takes an unheld lease for `candidate` under the next epoch. Returns the new epoch, or nil
    /// when someone holds it.
    public mutating func acquire(by candidate: HostID, now: Instant) -> UInt64? {
        guard holder == nil else { return nil }
        precondition(epoch < UInt64(UInt32.max), "leader epochs exhausted")
        holder = candidate
        epoch += 1
        expiresAt = now + ttlNanoseconds
        return epoch
    }
}
