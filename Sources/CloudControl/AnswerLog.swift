/// A bounded record of finished commands and their answers, for exactly-once execution.
///
/// Agents and fence devices look a command ID up here before they act on it: a resend of a
/// finished command is answered from the log instead of being carried out again. The log keeps
/// the newest `capacity` answers and forgets the oldest first, so a month-long agent does not
/// grow without bound. The manager resends a command only while it is in flight, which is far
/// shorter than the time `capacity` answers take to arrive.
public struct AnswerLog: Sendable, Equatable, Codable {
    /// How many answers are kept.
    public let capacity: Int
    /// Answers by command ID (looked up, never iterated).
    private var answers: [UInt64: HAInput] = [:]
    /// Command IDs in the order they finished, oldest first, starting at `head`.
    private var order: [UInt64] = []
    private var head = 0

    /// An empty log that keeps at most `capacity` answers.
    public init(capacity: Int = 4096) {
        precondition(capacity > 0, "an answer log keeps at least one answer")
        self.capacity = capacity
    }

    /// The recorded answer of command `id`, if it finished and is still remembered.
    public subscript(id: UInt64) -> HAInput? { answers[id] }

    /// Number of answers kept.
    public var count: Int { answers.count }

    /// Records the answer of command `id`, forgetting the oldest answer when full.
    public mutating func record(_ id: UInt64, _ answer: HAInput) {
        if answers.updateValue(answer, forKey: id) != nil { return }
        order.append(id)
        if answers.count > capacity {
            answers.removeValue(forKey: order[head])
            head += 1
        }
        if head > capacity {
            order.removeFirst(head)
            head = 0
        }
        precondition(answers.count <= capacity, "answer log over capacity")
    }
}
