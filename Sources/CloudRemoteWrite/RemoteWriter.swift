import CloudTelemetry
import Synchronization

/// A remote-write sender: snapshots of metric families become samples (stale markers included),
/// spread over shards by series, batched, encoded, Snappy-compressed and POSTed, with retries.
public final class RemoteWriter: Sendable {
    public let config: RemoteWriteConfig
    let transport: any RemoteWriteTransport
    let tracker: Mutex<SeriesTracker>
    let shardOf = Mutex<[UInt8]>([])
    let queues: [Shard]
    let version: Mutex<RemoteWriteVersion>
    let stopping = Mutex(false)
    let flushing = Mutex(0)
    let stats: RemoteWriteStats

    /// Creates a sender; its own metrics go to `registry` (`cloudplane_remote_write_*`).
    public init(
        config: RemoteWriteConfig, transport: any RemoteWriteTransport, registry: MetricRegistry = MetricRegistry(),
        extraLabels: [(String, String)] = []
    ) {
        precondition(config.shards >= 1 && config.shards <= 255, "shards must be in 1…255")
        precondition(
            config.maxSamplesPerSend >= 1 && config.capacityPerShard >= config.maxSamplesPerSend,
            "capacity per shard must hold at least one batch")
        self.config = config
        self.transport = transport
        self.tracker = Mutex(SeriesTracker(extraLabels: extraLabels))
        self.queues = (0..<config.shards).map { _ in Shard(capacity: config.capacityPerShard) }
        self.version = Mutex(config.version)
        self.stats = RemoteWriteStats(registry: registry, config: config)
    }

    /// Sets (or replaces) an external label such as `instance` once it is known (the port a
    /// listener bound). Only before the first push: a series keeps the labels it was first
    /// sent with. Returns false, changing nothing, after the first push.
    @discardableResult
    public func setExtraLabel(_ name: String, _ value: String) -> Bool {
        tracker.withLock { t in
            guard t.encoder.seriesCount == 0 else { return false }
            t.extraLabels.removeAll { $0.0 == name }
            t.extraLabels.append((name, value))
            return true
        }
    }

    /// The version in use (2.0 becomes 1.0 after a fallback).
    public var currentVersion: RemoteWriteVersion { version.withLock { $0 } }

    /// Samples waiting in all shards.
    public var pending: Int { queues.reduce(0) { $0 + $1.queue.withLock { $0.count } } }

    /// Queues one snapshot taken at `timestamp` (ms). With `block`, waits for buffer space
    /// (back-pressure); otherwise samples that do not fit are dropped and counted. Returns the
    /// samples queued.
    @discardableResult
    public func push(_ families: [MetricFamily], timestamp: Int64, block: Bool) async -> Int {
        let (samples, shards) = tracker.withLock { t -> ([PendingSample], [UInt8]) in
            let samples = t.samples(families, timestamp: timestamp)
            let n = config.shards
            let known = shardOf.withLock { map -> [UInt8] in
                while map.count < t.encoder.seriesCount {
                    map.append(UInt8(t.shardKey(Int32(map.count)) % UInt64(n)))
                }
                return map
            }
            return (samples, known)
        }
        ensureRoom(samples, shards)
        var queued = 0
        var dropped = 0
        for s in samples {
            let q = queues[Int(shards[Int(s.series)])]
            while true {
                let ok = q.queue.withLock { queue -> Bool in
                    guard queue.free > 0 else { return false }
                    queue.append(s)
                    return true
                }
                if ok {
                    queued += 1
                    break
                }
                if !block || stopping.withLock({ $0 }) {
                    dropped += 1
                    break
                }
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        stats.queued(queued, dropped: dropped, timestamp: timestamp, pending: pending)
        return queued
    }

    /// Raises a shard's capacity when it cannot hold a batch in flight plus two snapshots (the one
    /// arriving and the rest of the last), and says so: a healthy receiver never sees drops.
    func ensureRoom(_ samples: [PendingSample], _ shards: [UInt8]) {
        var perShard = [Int](repeating: 0, count: queues.count)
        for s in samples { perShard[Int(shards[Int(s.series)])] += 1 }
        for (i, n) in perShard.enumerated() {
            let raised = queues[i].queue.withLock { q -> Int? in
                let needed = 2 * n + config.maxSamplesPerSend
                guard needed > q.capacity else { return nil }
                q.capacity = needed
                return q.capacity
            }
            if let raised {
                config.log(
                    "remote-write: shard \(i) gets \(n) samples per snapshot; its buffer grows to \(raised) "
                        + "(a batch in flight and two snapshots) from --remote-write-capacity \(config.capacityPerShard)"
                )
            }
        }
    }

    /// Runs the shard senders until `stop()`; queued samples are sent before it returns.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<queues.count { group.addTask { await self.runShard(i) } }
        }
    }

    /// Sends whatever is queued now without waiting for full batches; true when everything went
    /// out (or was refused for good) within `timeout`.
    public func flush(timeout: Duration) async -> Bool {
        flushing.withLock { $0 += 1 }
        defer { flushing.withLock { $0 -= 1 } }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while pending > 0 {
            if clock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return true
    }

    /// Asks the shards to send what is queued and return.
    public func stop() { stopping.withLock { $0 = true } }

    func runShard(_ i: Int) async {
        let clock = ContinuousClock()
        var lastSend = clock.now
        while !Task.isCancelled {  // cancelled: the process is shutting down; the buffer goes with it
            let batch = queues[i].queue.withLock { $0.peek(config.maxSamplesPerSend) }
            let stop = stopping.withLock { $0 }
            if batch.isEmpty {
                if stop { return }
                try? await Task.sleep(for: .milliseconds(5))
                lastSend = clock.now
                continue
            }
            let urgent = stop || flushing.withLock { $0 > 0 } || clock.now - lastSend >= config.batchDeadline
            if batch.count < config.maxSamplesPerSend && !urgent {
                try? await Task.sleep(for: .milliseconds(5))
                continue
            }
            await send(Array(batch))
            lastSend = clock.now
            queues[i].queue.withLock { $0.removeFirst(batch.count) }
            stats.setPending(pending)
        }
    }
}
