/// Virtual time helpers: the simulator's clock is integer nanoseconds.
public enum SimTime {
    public static let nanosecond: UInt64 = 1
    public static let microsecond: UInt64 = 1_000
    public static let millisecond: UInt64 = 1_000_000
    public static let second: UInt64 = 1_000_000_000
    public static let minute: UInt64 = 60 * second
    public static let hour: UInt64 = 60 * minute

    /// `12.5s`-style text for reports and logs (millisecond precision, trailing zeros trimmed).
    public static func format(_ ns: UInt64) -> String {
        let ms = ns / millisecond
        let s = ms / 1000
        let frac = ms % 1000
        if frac == 0 { return "\(s)s" }
        var f = String(frac)
        f = String(repeating: "0", count: 3 - f.count) + f
        while f.hasSuffix("0") { f.removeLast() }
        return "\(s).\(f)s"
    }
}

/// The discrete-event kernel: virtual clock, future-event set, sequence numbers, the run's PRNG
/// and the rolling trace hash. Single-threaded and deterministic: one kernel per seed.
public struct EventKernel: ~Copyable {
    /// Current virtual time in nanoseconds.
    public private(set) var now: UInt64 = 0
    private var fes: FutureEventSet
    private var nextSeq: UInt64 = 0
    /// The run's only random source.
    public var rng: Xoshiro256StarStar
    /// Rolling fingerprint of every dispatched event.
    public var trace = TraceHasher()
    /// Events dispatched so far.
    public private(set) var dispatched: UInt64 = 0

    /// Creates a kernel seeded with `seed`.
    public init(seed: UInt64, expectedPending: Int = 0) {
        rng = Xoshiro256StarStar(seed: seed)
        fes = FutureEventSet(expectedPending: expectedPending)
    }

    /// Pending events.
    public var pending: Int { fes.count }

    /// Bytes held by the future-event set.
    public var queueBytes: Int { fes.allocatedBytes }

    /// Schedules an event at absolute time `time` (not before `now`).
    @inline(__always)
    public mutating func schedule(at time: UInt64, kind: UInt32, arg: UInt32) {
        // the queue itself traps on a time before the last dispatched event (== now)
        fes.push(Event(time: time, seq: nextSeq, arg: arg, kind: kind))
        nextSeq &+= 1
    }

    /// Schedules an event `delay` nanoseconds from now.
    @inline(__always)
    public mutating func schedule(after delay: UInt64, kind: UInt32, arg: UInt32) {
        schedule(at: now &+ delay, kind: kind, arg: arg)
    }

    /// Pops the next event if it is due at or before `limit`, advances the clock to it and mixes it
    /// into the trace. Returns nil when nothing is due by `limit`; the clock then moves to `limit`.
    public mutating func next(until limit: UInt64) -> Event? {
        guard let t = fes.peekTime(), t <= limit else {
            if limit > now { now = limit }
            return nil
        }
        return next()
    }

    /// Pops the next event, advances the clock to it and mixes it into the trace; nil when empty.
    @inline(__always)
    public mutating func next() -> Event? {
        guard let e = fes.pop() else { return nil }
        now = e.time
        dispatched &+= 1
        trace.mix(e.time)
        trace.mix(e.seq)
        trace.mix(UInt64(e.kind) << 32 | UInt64(e.arg))
        return e
    }

    /// The final trace hash: the rolling hash plus the next PRNG draw (the "unseed"), which
    /// catches divergence in randomness that did not yet reach an event.
    public mutating func finalTraceHash() -> String {
        var t = trace
        t.mix(rng.next())
        return t.hex
    }
}
