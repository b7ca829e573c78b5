import CloudTelemetry

/// Turns successive snapshots of metric families into remote-write samples: every series gets a
/// stable index the first time it appears (in the snapshot's sorted order, so indices are
/// deterministic), histograms become their `_bucket`/`_sum`/`_count` series, and a series that was
/// present in the previous snapshot but is gone now gets one stale marker.
public struct SeriesTracker: Sendable {
    /// The Prometheus stale marker: a NaN with this exact bit pattern, used for nothing else.
    public static let staleMarker = Double(bitPattern: 0x7ff0_0000_0000_0002)

    public private(set) var encoder = RequestEncoder()
    var index: [String: Int32] = [:]
    var previous: [Int32] = []
    /// Labels added to every series (e.g. `job`, `instance`).
    public internal(set) var extraLabels: [(String, String)]

    public init(extraLabels: [(String, String)] = []) { self.extraLabels = extraLabels }

    /// The samples of one snapshot taken at `timestamp` (ms), stale markers last.
    public mutating func samples(_ families: [MetricFamily], timestamp: Int64) -> [PendingSample] {
        var out: [PendingSample] = []
        var present: [Int32] = []
        for f in families {
            for s in f.samples {
                switch s.value {
                case .scalar(let v):
                    emit(f.sampleName, s.labels, v, timestamp, &out, &present)
                case .histogram(let buckets, let sum, let count):
                    for (le, n) in buckets {
                        emit(
                            f.name + "_bucket", s.labels + [("le", Exposition.canonical(le))], Double(n), timestamp,
                            &out, &present)
                    }
                    emit(f.name + "_bucket", s.labels + [("le", "+Inf")], Double(count), timestamp, &out, &present)
                    emit(f.name + "_sum", s.labels, sum, timestamp, &out, &present)
                    emit(f.name + "_count", s.labels, Double(count), timestamp, &out, &present)
                }
            }
        }
        present.sort()
        var k = 0
        for p in previous {
            while k < present.count && present[k] < p { k += 1 }
            if k >= present.count || present[k] != p {
                out.append(PendingSample(series: p, timestamp: timestamp, value: Self.staleMarker))
            }
        }
        previous = present
        return out
    }

    mutating func emit(
        _ name: String, _ labels: [(String, String)], _ v: Double, _ ts: Int64, _ out: inout [PendingSample],
        _ present: inout [Int32]
    ) {
        var key = name
        for (k, v) in labels {
            key += "\u{0}" + k + "\u{1}" + v
        }
        let id: Int32
        if let known = index[key] {
            id = known
        } else {
            var all = [("__name__", name)] + labels
            for (k, v) in extraLabels where !all.contains(where: { $0.0 == k }) { all.append((k, v)) }
            id = encoder.add(series: all.filter { !$0.1.isEmpty })
            index[key] = id
        }
        present.append(id)
        out.append(PendingSample(series: id, timestamp: ts, value: v))
    }

    /// A series' labels.
    public func labels(of series: Int32) -> [(String, String)] { encoder.labels(of: series) }

    /// A stable shard key of a series (FNV-1a of its labels), independent of process hashing.
    public func shardKey(_ series: Int32) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for (k, v) in encoder.labels(of: series) {
            for b in k.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            h = (h ^ 0xFF) &* 0x100_0000_01b3
            for b in v.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        }
        return h
    }
}
