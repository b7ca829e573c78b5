import Synchronization

/// The bounded FIFO of one shard. Samples leave it only once a receiver took them (or refused
/// them for good), so an outage shorter than the capacity loses nothing.
struct ShardQueue {
    var items: [PendingSample] = []
    var head = 0
    /// Samples it holds at most: the configured capacity, raised to two snapshots' worth when
    /// one snapshot needs more than half of it (else the batch in flight and the next snapshot
    /// could not both fit, and a healthy receiver would still see drops).
    var capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    var count: Int { items.count - head }
    var free: Int { capacity - count }

    mutating func append(_ s: PendingSample) { items.append(s) }

    /// Up to `n` of the oldest samples, still queued.
    func peek(_ n: Int) -> ArraySlice<PendingSample> { items[head..<min(items.count, head + n)] }

    mutating func removeFirst(_ n: Int) {
        head += n
        if head >= 4096 && head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
    }
}

/// A shard's queue behind its lock.
final class Shard: Sendable {
    let queue: Mutex<ShardQueue>

    init(capacity: Int) { queue = Mutex(ShardQueue(capacity: capacity)) }
}
