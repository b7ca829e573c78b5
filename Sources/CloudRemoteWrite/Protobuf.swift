/// Hand-written protobuf 3 wire encoding of the remote-write messages
/// (`prometheus/prompb/remote.proto`, `types.proto`; `io.prometheus.write.v2.Request`).
enum Protobuf {
    @inline(__always)
    static func varint(_ v: UInt64, _ out: inout [UInt8]) {
        var v = v
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(truncatingIfNeeded: v))
    }

    @inline(__always)
    static func varintSize(_ v: UInt64) -> Int {
        var n = 1
        var v = v >> 7
        while v != 0 {
            n += 1
            v >>= 7
        }
        return n
    }

    @inline(__always)
    static func double(_ v: Double, _ out: inout [UInt8]) {
        let bits = v.bitPattern
        for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: bits >> (8 * UInt64(i)))) }
    }

    /// A length-delimited field holding bytes.
    static func bytesField(_ tag: UInt8, _ bytes: [UInt8], _ out: inout [UInt8]) {
        out.append(tag)
        varint(UInt64(bytes.count), &out)
        out.append(contentsOf: bytes)
    }

    static func stringField(_ tag: UInt8, _ s: String, _ out: inout [UInt8]) { bytesField(tag, Array(s.utf8), &out) }

    /// v1 `Label { string name = 1; string value = 2; }` list, each as `TimeSeries.labels` (field 1).
    static func v1Labels(_ labels: [(String, String)]) -> [UInt8] {
        var out: [UInt8] = []
        for (k, v) in labels {
            var label: [UInt8] = []
            stringField(0x0A, k, &label)
            stringField(0x12, v, &label)
            bytesField(0x0A, label, &out)
        }
        return out
    }

    /// The size of an encoded v1 `Sample { double value = 1; int64 timestamp = 2; }`.
    @inline(__always)
    static func sampleSize(_ ts: Int64) -> Int { 9 + 1 + varintSize(UInt64(bitPattern: ts)) }

    /// Appends `Sample` as a field with `tag` (v1 `TimeSeries.samples` = 0x12, v2 the same).
    @inline(__always)
    static func sample(_ tag: UInt8, _ value: Double, _ ts: Int64, _ out: inout [UInt8]) {
        out.append(tag)
        varint(UInt64(sampleSize(ts)), &out)
        out.append(0x09)
        double(value, &out)
        out.append(0x10)
        varint(UInt64(bitPattern: ts), &out)
    }
}

/// One sample bound for a receiver: a series (index into the writer's series table), a
/// timestamp in milliseconds and a value.
public struct PendingSample: Sendable, Equatable {
    public let series: Int32
    public let timestamp: Int64
    public let value: Double

    public init(series: Int32, timestamp: Int64, value: Double) {
        self.series = series
        self.timestamp = timestamp
        self.value = value
    }

    public static func == (a: PendingSample, b: PendingSample) -> Bool {
        a.series == b.series && a.timestamp == b.timestamp && a.value.bitPattern == b.value.bitPattern
    }
}

/// The wire version of a request.
public enum RemoteWriteVersion: String, Sendable, CaseIterable {
    case v1 = "1.0"
    case v2 = "2.0"

    /// `Content-Type` of the body.
    public var contentType: String {
        self == .v1 ? "application/x-protobuf" : "application/x-protobuf;proto=io.prometheus.write.v2.Request"
    }

    /// `X-Prometheus-Remote-Write-Version`.
    public var versionHeader: String { self == .v1 ? "0.1.0" : "2.0.0" }
}

/// Encodes batches into `WriteRequest` (1.0) or `io.prometheus.write.v2.Request` (2.0) bodies.
/// Series labels are encoded once, when a series is first seen, and copied per request.
public struct RequestEncoder: Sendable {
    /// v1 encoded labels per series.
    var v1Labels: [[UInt8]] = []
    /// Label pairs per series (sorted by name, `__name__` first among equals by byte order).
    var labels: [[(String, String)]] = []

    public init() {}

    /// Registers a series and returns its index. Labels are sorted by name, as the spec requires.
    public mutating func add(series: [(String, String)]) -> Int32 {
        let sorted = series.sorted { $0.0 < $1.0 }
        labels.append(sorted)
        v1Labels.append(Protobuf.v1Labels(sorted))
        return Int32(labels.count - 1)
    }

    public var seriesCount: Int { labels.count }

    /// Labels of a series.
    public func labels(of series: Int32) -> [(String, String)] { labels[Int(series)] }

    /// A 1.0 `WriteRequest`; consecutive samples of one series share a `TimeSeries`.
    public func encodeV1(_ batch: ArraySlice<PendingSample>, into out: inout [UInt8]) {
        var i = batch.startIndex
        while i < batch.endIndex {
            let s = batch[i].series
            var j = i
            var size = v1Labels[Int(s)].count
            while j < batch.endIndex && batch[j].series == s {
                let n = Protobuf.sampleSize(batch[j].timestamp)
                size += 1 + Protobuf.varintSize(UInt64(n)) + n
                j += 1
            }
            out.append(0x0A)
            Protobuf.varint(UInt64(size), &out)
            out.append(contentsOf: v1Labels[Int(s)])
            for k in i..<j { Protobuf.sample(0x12, batch[k].value, batch[k].timestamp, &out) }
            i = j
        }
    }

    /// A 2.0 request: one symbol table (`symbols[0] == ""`), label refs, samples and metadata.
    public func encodeV2(_ batch: ArraySlice<PendingSample>, into out: inout [UInt8]) {
        var symbols: [String] = [""]
        var index: [String: UInt32] = ["": 0]
        func ref(_ s: String) -> UInt32 {
            if let r = index[s] { return r }
            let r = UInt32(symbols.count)
            symbols.append(s)
            index[s] = r
            return r
        }
        var series: [UInt8] = []
        var i = batch.startIndex
        while i < batch.endIndex {
            let s = batch[i].series
            var refs: [UInt8] = []
            for (k, v) in labels[Int(s)] {
                Protobuf.varint(UInt64(ref(k)), &refs)
                Protobuf.varint(UInt64(ref(v)), &refs)
            }
            var ts: [UInt8] = []
            Protobuf.bytesField(0x0A, refs, &ts)  // packed labels_refs = 1
            while i < batch.endIndex && batch[i].series == s {
                Protobuf.sample(0x12, batch[i].value, batch[i].timestamp, &ts)
                i += 1
            }
            Protobuf.bytesField(0x2A, ts, &series)  // timeseries = 5
        }
        for s in symbols { Protobuf.stringField(0x22, s, &out) }  // symbols = 4
        out.append(contentsOf: series)
    }
}
