import CloudSim

/// The classic hold model for measuring a future-event set: `pending` events are scheduled
/// uniformly over the first second; each step pops the earliest and schedules one new event at
/// now + U[1 ns, 2 s] for the same target. The benchmark times `run(events:)` from outside: the
/// core reads no clock.
public struct HoldModel: ~Copyable {
    /// The kernel under test.
    public var kernel: EventKernel

    /// Fills the kernel with `pending` events.
    public init(pending: Int, seed: UInt64) {
        precondition(pending > 0, "the hold model needs at least one pending event")
        kernel = EventKernel(seed: seed, expectedPending: pending)
        for i in 0..<pending {
            let t = kernel.rng.below(SimTime.second)
            kernel.schedule(at: t, kind: 0, arg: UInt32(truncatingIfNeeded: i))
        }
    }

    /// Dispatches `events` events, each scheduling its successor.
    public mutating func run(events: Int) {
        for _ in 0..<events {
            guard let e = kernel.next() else { preconditionFailure("hold model ran dry") }
            let delay = 1 + kernel.rng.below(2 * SimTime.second)
            kernel.schedule(at: e.time &+ delay, kind: 0, arg: e.arg)
        }
    }

    /// Bytes per pending event held by the future-event set.
    public var bytesPerPendingEvent: Double { Double(kernel.queueBytes) / Double(max(kernel.pending, 1)) }
}
