/// A fixed-size set of host indices, iterated in index order from any starting point.
struct HostBitset: Sendable, Equatable {
    private(set) var words: [UInt64]
    private(set) var count: Int

    init(count: Int) {
        self.count = count
        words = [UInt64](repeating: 0, count: (count + 63) / 64)
    }

    /// Grows the set by one host (not a member).
    mutating func appendHost() {
        count += 1
        if words.count * 64 < count { words.append(0) }
    }

    @inline(__always)
    subscript(i: Int) -> Bool {
        get { words[i >> 6] & (1 << UInt64(i & 63)) != 0 }
        set {
            if newValue {
                words[i >> 6] |= 1 << UInt64(i & 63)
            } else {
                words[i >> 6] &= ~(1 << UInt64(i & 63))
            }
        }
    }

    /// Calls `body` with each member from `start` to the end, then from 0 to `start`, until it
    /// returns false.
    func forEach(from start: Int, _ body: (Int) -> Bool) {
        guard count > 0 else { return }
        let s = start % count
        if !scan(from: s, to: count, body) { return }
        _ = scan(from: 0, to: s, body)
    }

    private func scan(from lo: Int, to hi: Int, _ body: (Int) -> Bool) -> Bool {
        guard lo < hi else { return true }
        var w = lo >> 6
        var word = words[w] & (~0 << UInt64(lo & 63))
        while true {
            while word != 0 {
                let i = w << 6 | word.trailingZeroBitCount
                if i >= hi { return true }
                if !body(i) { return false }
                word &= word - 1
            }
            w += 1
            if w >= words.count || w << 6 >= hi { return true }
            word = words[w]
        }
    }
}
