/// One scheduled event: 24 bytes. `kind` and `arg` are opaque to the kernel; models use `arg` as an
/// entity index or an index into a side table of payloads.
@frozen
public struct Event: Sendable, Equatable {
    /// Virtual time in nanoseconds.
    public var time: UInt64
    /// Insertion sequence number: breaks ties between events at the same time, first in first out.
    public var seq: UInt64
    /// Model-defined argument (entity index, payload slot …).
    public var arg: UInt32
    /// Model-defined event kind.
    public var kind: UInt32

    @inlinable
    public init(time: UInt64, seq: UInt64, arg: UInt32, kind: UInt32) {
        self.time = time
        self.seq = seq
        self.arg = arg
        self.kind = kind
    }
}

/// The future-event set: a monotone radix heap over integer-nanosecond time with a FIFO lane for
/// events at the current time, ordered by (time, seq).
///
/// Buckets are chains of fixed-size chunks (32 to 256 events) carved from 16-chunk pages that
/// are never returned while the set lives, so the steady state allocates nothing per event and memory stays close to
/// 24 bytes per pending event (one partly filled chunk per non-empty bucket is the only slack).
/// Pushing a time earlier than the last popped time violates causality and traps.
public struct FutureEventSet: ~Copyable {
    /// log2 of events per chunk: 32 by default, up to 256 for large expected sizes (longer
    /// sequential runs help the cache; the slack of one partial chunk per bucket stays < 2%).
    private let chunkShift: Int
    private var chunkSize: Int { 1 << chunkShift }
    static let pageShift = 4  // 16 chunks per page
    static let bucketCount = 65

    private var pages: UnsafeMutablePointer<UnsafeMutablePointer<Event>>
    private var pageCount = 0
    private var pageCapacity = 16
    /// next-chunk link per chunk (-1 = end of chain / no chunk)
    private var links: UnsafeMutablePointer<Int32>
    private var freeHead: Int32 = -1
    /// per bucket: head chunk, tail chunk, next write slot and end of the tail chunk
    private var heads: UnsafeMutablePointer<Int32>
    private var tails: UnsafeMutablePointer<Int32>
    private var writePtr: UnsafeMutablePointer<UnsafeMutablePointer<Event>>
    private var writeEnd: UnsafeMutablePointer<UnsafeMutablePointer<Event>>
    /// write position of an empty bucket (never written through: its end equals itself)
    private let sentinel: UnsafeMutablePointer<Event>
    /// bit (b-1) set when bucket b is non-empty
    private var nonEmpty: UInt64 = 0
    /// events at time == `last`, sorted by seq, consumed from `currentHead`
    private var current: UnsafeMutablePointer<Event>
    private var currentCapacity = 64
    private var currentCount = 0
    private var currentHead = 0
    /// The time of the last popped event: no event earlier than this may be pushed.
    public private(set) var last: UInt64 = 0
    /// Number of pending events.
    public private(set) var count = 0

    /// Creates an empty set, optionally pre-sizing for `expectedPending` events so that a
    /// benchmark's warm-up does not count growth.
    public init(expectedPending: Int = 0) {
        var shift = 5
        while shift < 8 && (expectedPending >> (shift + 1)) >= 65 * 64 { shift += 1 }
        chunkShift = shift
        pages = .allocate(capacity: pageCapacity)
        links = .allocate(capacity: pageCapacity << Self.pageShift)
        heads = .allocate(capacity: Self.bucketCount)
        tails = .allocate(capacity: Self.bucketCount)
        sentinel = .allocate(capacity: 1)
        writePtr = .allocate(capacity: Self.bucketCount)
        writeEnd = .allocate(capacity: Self.bucketCount)
        heads.initialize(repeating: -1, count: Self.bucketCount)
        tails.initialize(repeating: -1, count: Self.bucketCount)
        writePtr.initialize(repeating: sentinel, count: Self.bucketCount)
        writeEnd.initialize(repeating: sentinel, count: Self.bucketCount)
        current = .allocate(capacity: currentCapacity)
        // every pending event in a full chunk, plus a partial chunk for each bucket a spread of
        // up to 2^48 ns keeps busy
        let wantedChunks = (expectedPending + chunkSize - 1) >> chunkShift + 48
        if expectedPending > 0 {
            while pageCount << Self.pageShift < wantedChunks { addPage() }
        }
    }

    deinit {
        for p in 0..<pageCount { pages[p].deallocate() }
        pages.deallocate()
        links.deallocate()
        heads.deallocate()
        tails.deallocate()
        writePtr.deallocate()
        writeEnd.deallocate()
        sentinel.deallocate()
        current.deallocate()
    }

    /// True when no event is pending.
    public var isEmpty: Bool { count == 0 }

    /// Bytes held by the structure (pages, links, bucket table, current lane).
    public var allocatedBytes: Int {
        let eventBytes = MemoryLayout<Event>.stride
        return pageCount * (chunkSize << Self.pageShift) * eventBytes
            + pageCapacity * (MemoryLayout<UnsafeMutablePointer<Event>>.stride + 4 << Self.pageShift)
            + Self.bucketCount * 24 + currentCapacity * eventBytes
    }

    private mutating func addPage() {
        if pageCount == pageCapacity {
            let newCap = pageCapacity * 2
            let np = UnsafeMutablePointer<UnsafeMutablePointer<Event>>.allocate(capacity: newCap)
            np.moveInitialize(from: pages, count: pageCount)
            pages.deallocate()
            pages = np
            let nl = UnsafeMutablePointer<Int32>.allocate(capacity: newCap << Self.pageShift)
            nl.moveInitialize(from: links, count: pageCount << Self.pageShift)
            links.deallocate()
            links = nl
            pageCapacity = newCap
        }
        pages[pageCount] = .allocate(capacity: chunkSize << Self.pageShift)
        let first = Int32(pageCount << Self.pageShift)
        let n = Int32(1 << Self.pageShift)
        for c in first..<(first + n) { links[Int(c)] = c + 1 < first + n ? c + 1 : freeHead }
        freeHead = first
        pageCount += 1
    }

    @inline(__always)
    private func chunkBase(_ chunk: Int32) -> UnsafeMutablePointer<Event> {
        let c = Int(chunk)
        return pages[c >> Self.pageShift] + ((c & ((1 << Self.pageShift) - 1)) << chunkShift)
    }

    @inline(__always)
    private mutating func takeChunk() -> Int32 {
        if freeHead < 0 { addPage() }
        let c = freeHead
        freeHead = links[Int(c)]
        links[Int(c)] = -1
        return c
    }

    @inline(__always)
    private mutating func append(_ e: Event, bucket b: Int) {
        var p = writePtr[b]
        if p == writeEnd[b] { p = newTailChunk(bucket: b) }
        p.initialize(to: e)
        writePtr[b] = p + 1
    }

    private mutating func newTailChunk(bucket b: Int) -> UnsafeMutablePointer<Event> {
        let c = takeChunk()
        let tail = tails[b]
        if tail < 0 {
            heads[b] = c
            nonEmpty |= 1 &<< UInt64(b - 1)
        } else {
            links[Int(tail)] = c
        }
        tails[b] = c
        let base = chunkBase(c)
        writeEnd[b] = base + chunkSize
        return base
    }

    @inline(__always)
    private mutating func appendCurrent(_ e: Event) {
        if currentCount == currentCapacity {
            let cap = currentCapacity * 2
            let n = UnsafeMutablePointer<Event>.allocate(capacity: cap)
            n.moveInitialize(from: current, count: currentCount)
            current.deallocate()
            current = n
            currentCapacity = cap
        }
        (current + currentCount).initialize(to: e)
        currentCount &+= 1
    }

    /// Adds an event. Its time must not be earlier than the last popped time.
    @inline(__always)
    public mutating func push(_ e: Event) {
        precondition(e.time >= last, "event scheduled in the past")
        count &+= 1
        let diff = e.time ^ last
        if diff == 0 {
            appendCurrent(e)
        } else {
            append(e, bucket: 64 - diff.leadingZeroBitCount)
        }
    }

    /// Removes and returns the earliest event (by time, then sequence), or nil when empty.
    @inline(__always)
    public mutating func pop() -> Event? {
        if currentHead == currentCount {
            guard refill() else { return nil }
        }
        let e = current[currentHead]
        currentHead &+= 1
        count &-= 1
        return e
    }

    /// The time of the earliest pending event, or nil when empty.
    public mutating func peekTime() -> UInt64? {
        if currentHead == currentCount {
            guard refill() else { return nil }
        }
        return current[currentHead].time
    }

    /// Moves the lowest non-empty bucket's events down; the earliest go to the current lane.
    private mutating func refill() -> Bool {
        currentHead = 0
        currentCount = 0
        guard nonEmpty != 0 else { return false }
        let b = nonEmpty.trailingZeroBitCount + 1
        let head = heads[b]
        let lastChunk = tails[b]
        let lastFill = writePtr[b] - chunkBase(lastChunk)
        heads[b] = -1
        tails[b] = -1
        writePtr[b] = sentinel
        writeEnd[b] = sentinel
        nonEmpty &= ~(1 &<< UInt64(b - 1))
        // pass 1: minimum time
        var minTime = UInt64.max
        var c = head
        while c >= 0 {
            let base = chunkBase(c)
            let n = c == lastChunk ? lastFill : chunkSize
            for i in 0..<n where base[i].time < minTime { minTime = base[i].time }
            c = links[Int(c)]
        }
        last = minTime
        // pass 2: redistribute into lower buckets, freeing each chunk once read
        c = head
        while c >= 0 {
            let base = chunkBase(c)
            let n = c == lastChunk ? lastFill : chunkSize
            let next = links[Int(c)]
            for i in 0..<n {
                let e = base[i]
                let diff = e.time ^ minTime
                if diff == 0 { appendCurrent(e) } else { append(e, bucket: 64 - diff.leadingZeroBitCount) }
            }
            links[Int(c)] = freeHead
            freeHead = c
            c = next
        }
        sortCurrentBySequence()
        return true
    }

    /// Insertion sort of the current lane by seq; it is almost always one element or already sorted.
    private mutating func sortCurrentBySequence() {
        guard currentCount > 1 else { return }
        for i in 1..<currentCount {
            let e = current[i]
            var j = i
            while j > 0 && current[j - 1].seq > e.seq {
                current[j] = current[j - 1]
                j -= 1
            }
            current[j] = e
        }
    }
}
