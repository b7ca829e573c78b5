/// Indices (hosts, instances) that changed since a checker last looked: the simulator's
/// incremental checkers visit these, not the whole fleet.
///
/// Marking is O(1) and idempotent; `drain` hands back each marked index once, in ascending
/// order (the order the full checkers visit), and clears the log.
package struct TouchLog: Sendable {
    /// Creates an empty log.
    package init() {}

    private var marked: [Bool] = []
    private var list: [Int] = []

    /// Marks index `i` as touched.
    package mutating func mark(_ i: Int) {
        if i >= marked.count { marked.append(contentsOf: repeatElement(false, count: i + 1 - marked.count)) }
        guard !marked[i] else { return }
        marked[i] = true
        list.append(i)
    }

    /// True when nothing is marked.
    package var isEmpty: Bool { list.isEmpty }

    /// The marked indices in ascending order; the log is empty afterwards.
    package mutating func drain() -> [Int] {
        let out = list.sorted()
        for i in list { marked[i] = false }
        list.removeAll(keepingCapacity: true)
        return out
    }
}
