import Synchronization

/// The series of one registered family in flat arrays: the rendered label text of every series in
/// one byte arena, values side by side, and a hash index from label text to slot. Adding a series
/// appends (O(1)); nothing is copied per registration.
final class FamilyStore: Sendable {
    let name: String
    let help: String
    let kind: MetricKind
    let unit: String?
    /// Histogram upper bounds, ascending, without `+Inf`.
    let bounds: [Double]
    let sampleName: String
    let table = Mutex(SeriesTable())
    let declaredLabels = Mutex<[String]>([])

    init(name: String, help: String, kind: MetricKind, unit: String?, bounds: [Double]) {
        MetricFamily.checkName(name, unit: unit)
        self.name = name
        self.help = help
        self.kind = kind
        self.unit = unit
        self.bounds = bounds
        self.sampleName = kind == .counter ? name + "_total" : kind == .info ? name + "_info" : name
    }

    /// The slot of a label set, created when new. Labels are sorted by name first, so order never
    /// makes two series.
    func slot(_ labels: [(String, String)]) -> Int {
        let sorted = labels.sorted { $0.0 < $1.0 }
        let text = labelText(sorted)
        let width = bounds.count + 1
        return table.withLock { $0.slot(for: text, labels: sorted, width: width) }
    }

    /// `k="v",…` for labels sorted by name, checked: valid, unique names, none reserved.
    func labelText(_ sorted: [(String, String)]) -> [UInt8] {
        var text: [UInt8] = []
        for (i, (k, v)) in sorted.enumerated() {
            precondition(
                MetricFamily.isValidName(k) && !k.hasPrefix("__") && k != "le",
                "invalid label name '\(k)' on '\(name)'")
            precondition(i == 0 || sorted[i - 1].0 != k, "label '\(k)' given twice on '\(name)'")
            if i > 0 { text.append(0x2C) }
            ByteWriter.append(k, to: &text)
            text.append(0x3D)
            text.append(0x22)
            ByteWriter.appendLabelValue(v, to: &text)
            text.append(0x22)
        }
        return text
    }

    func add(_ slot: Int, _ d: Double) { table.withLock { $0.values[slot] += d } }
    func set(_ slot: Int, _ v: Double) { table.withLock { $0.values[slot] = v } }
    func value(_ slot: Int) -> Double { table.withLock { $0.values[slot] } }

    func observe(_ slot: Int, _ v: Double) {
        var bucket = bounds.count
        for (i, b) in bounds.enumerated() where v <= b {
            bucket = i
            break
        }
        let width = bounds.count + 1
        table.withLock { t in
            t.counts[slot * width + bucket] &+= 1
            t.values[slot] += v
        }
    }

    func remove(_ labels: [(String, String)]) {
        let sorted = labels.sorted { $0.0 < $1.0 }
        let key = String(decoding: labelText(sorted), as: UTF8.self)
        table.withLock { t in
            guard let s = t.index[key] else { return }
            t.live[s] = false
            t.order = nil
        }
    }

    /// The family as a value (docs, tests, remote-write).
    func snapshot() -> MetricFamily {
        table.withLock { t in
            var f = MetricFamily(name: name, help: help, kind: kind, unit: unit)
            for s in t.sortedOrder() {
                if kind == .histogram {
                    let width = bounds.count + 1
                    var cumulative: UInt64 = 0
                    var buckets: [(Double, UInt64)] = []
                    for (i, b) in bounds.enumerated() {
                        cumulative &+= t.counts[s * width + i]
                        buckets.append((b, cumulative))
                    }
                    cumulative &+= t.counts[s * width + bounds.count]
                    f.samples.append(
                        Sample(t.labels[s], .histogram(buckets: buckets, sum: t.values[s], count: cumulative)))
                } else {
                    f.samples.append(Sample(t.labels[s], t.values[s]))
                }
            }
            return f
        }
    }
}

/// The mutable part of a family: parallel arrays indexed by slot.
struct SeriesTable {
    var index: [String: Int] = [:]
    /// Rendered `k="v",…` text of every slot, end to end; `starts[s]..<starts[s+1]`.
    var arena: [UInt8] = []
    var starts: [Int] = [0]
    var labels: [[(String, String)]] = []
    var values: [Double] = []
    /// Histogram bucket counts (non-cumulative), `width` per slot.
    var counts: [UInt64] = []
    var live: [Bool] = []
    /// Live slots sorted by label text, cached until a series is added or removed.
    var order: [Int]?

    mutating func slot(for text: [UInt8], labels sorted: [(String, String)], width: Int) -> Int {
        let key = String(decoding: text, as: UTF8.self)
        if let s = index[key] {
            if !live[s] {
                live[s] = true
                values[s] = 0
                if width > 1 { for i in 0..<width { counts[s * width + i] = 0 } }
                order = nil
            }
            return s
        }
        let s = values.count
        index[key] = s
        arena.append(contentsOf: text)
        starts.append(arena.count)
        labels.append(sorted)
        values.append(0)
        if width > 1 { counts.append(contentsOf: repeatElement(0, count: width)) }
        live.append(true)
        order = nil
        return s
    }

    mutating func sortedOrder() -> [Int] {
        if let order { return order }
        let result = arena.withUnsafeBufferPointer { a in
            (0..<values.count).filter { live[$0] }.sorted { x, y in
                let l = UnsafeBufferPointer(rebasing: a[starts[x]..<starts[x + 1]])
                let r = UnsafeBufferPointer(rebasing: a[starts[y]..<starts[y + 1]])
                return l.lexicographicallyPrecedes(r)
            }
        }
        order = result
        return result
    }
}
