/// The exactly-once gate of a fence device (BMC, storage cluster, lease checker).
///
/// Every command ID is carried out at most once. A command counts as accepted only when the
/// runtime has actually scheduled its work (`begin`): a command that arrives while the device
/// cannot act (the storage cluster is down) is not swallowed, and a resend with the same ID is
/// carried out once the device can act again. Work that was scheduled but aborted before it
/// produced an answer (`abandon`) may be carried out again by a resend.
public struct FenceGate: Sendable, Equatable, Codable {
    /// What the device does with a command it received.
    public enum Verdict: Sendable, Equatable {
        /// Not seen, or seen and abandoned: carry it out if you can, and call `begin`.
        case new
        /// Being carried out: do nothing (its answer will follow).
        case running
        /// Finished: report this answer again, do nothing.
        case done(HAInput)
    }

    /// Commands whose work is scheduled (looked up, never iterated).
    private var running: Set<UInt64> = []
    private var done: AnswerLog

    /// A gate that remembers the answers of the last `capacity` commands.
    public init(capacity: Int = 4096) { done = AnswerLog(capacity: capacity) }

    /// What to do with command `id`.
    public func check(_ id: UInt64) -> Verdict {
        if let answer = done[id] { return .done(answer) }
        return running.contains(id) ? .running : .new
    }

    /// The work of command `id` is scheduled.
    public mutating func begin(_ id: UInt64) {
        precondition(check(id) == .new, "fence command \(id) begun twice")
        running.insert(id)
    }

    /// The work of command `id` was aborted before it produced an answer (the device went away):
    /// a resend carries it out again.
    public mutating func abandon(_ id: UInt64) { running.remove(id) }

    /// Command `id` finished with `answer`; resends are answered with it.
    public mutating func finish(_ id: UInt64, _ answer: HAInput) {
        running.remove(id)
        done.record(id, answer)
    }

    /// Number of commands being carried out.
    public var inFlight: Int { running.count }
}
