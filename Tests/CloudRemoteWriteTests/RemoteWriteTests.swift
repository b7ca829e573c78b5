import CloudTelemetry
import Synchronization
import Testing

@testable import CloudRemoteWrite

/// A receiver that answers from a script (then `fallback`) and records every request.
final class ScriptedTransport: RemoteWriteTransport {
    let script: Mutex<[TransportResponse]>
    let fallback: TransportResponse
    let requests = Mutex<[([(String, String)], [UInt8])]>([])

    init(_ script: [TransportResponse], then fallback: TransportResponse = .init(status: 204, headers: [:], body: "")) {
        self.script = Mutex(script)
        self.fallback = fallback
    }

    func post(url: String, headers: [(String, String)], body: [UInt8]) async throws -> TransportResponse {
        requests.withLock { $0.append((headers, body)) }
        return script.withLock { $0.isEmpty ? fallback : $0.removeFirst() }
    }
}

/// Minimal protobuf reader for checking what the encoder wrote.
struct Reader {
    var bytes: [UInt8]
    var i = 0
    mutating func varint() -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = bytes[i]
            i += 1
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift += 7
        }
    }
    mutating func field() -> (UInt64, [UInt8])? {
        guard i < bytes.count else { return nil }
        let tag = varint()
        switch tag & 7 {
        case 2:
            let n = Int(varint())
            defer { i += n }
            return (tag >> 3, Array(bytes[i..<i + n]))
        case 1:
            defer { i += 8 }
            return (tag >> 3, Array(bytes[i..<i + 8]))
        default:
            return (tag >> 3, Array(String(varint()).utf8))
        }
    }
}

/// Decodes a v1 WriteRequest into (labels, [(value, timestamp)]) per TimeSeries.
func decodeV1(_ body: [UInt8]) -> [([String: String], [(Double, Int64)])] {
    var out: [([String: String], [(Double, Int64)])] = []
    var r = Reader(bytes: body)
    while let (f, ts) = r.field() {
        #expect(f == 1)
        var labels: [String: String] = [:]
        var samples: [(Double, Int64)] = []
        var t = Reader(bytes: ts)
        while let (g, inner) = t.field() {
            var x = Reader(bytes: inner)
            if g == 1 {
                var name = ""
                var value = ""
                while let (h, s) = x.field() {
                    if h == 1 {
                        name = String(decoding: s, as: UTF8.self)
                    } else {
                        value = String(decoding: s, as: UTF8.self)
                    }
                }
                labels[name] = value
            } else {
                var v = 0.0
                var ts: Int64 = 0
                while let (h, s) = x.field() {
                    if h == 1 {
                        v = Double(
                            bitPattern: s.enumerated().reduce(UInt64(0)) {
                                $0 | UInt64($1.element) << (8 * UInt64($1.offset))
                            })
                    } else {
                        ts = Int64(bitPattern: UInt64(String(decoding: s, as: UTF8.self)) ?? 0)
                    }
                }
                samples.append((v, ts))
            }
        }
        out.append((labels, samples))
    }
    return out
}

func family(_ n: Int, value: Double = 1) -> [MetricFamily] {
    [
        MetricFamily(
            name: "cloudplane_vm_up", help: "Up.", kind: .gauge,
            samples: (0..<n).map { Sample([("vm", "vm-\($0)")], value) })
    ]
}

func config(_ shards: Int = 1) -> RemoteWriteConfig {
    var c = RemoteWriteConfig(url: "http://127.0.0.1:1/api/v1/write")
    c.shards = shards
    c.minBackoff = .milliseconds(1)
    c.maxBackoff = .milliseconds(4)
    c.batchDeadline = .milliseconds(1)
    return c
}

func send(_ w: RemoteWriter, _ snapshots: [[MetricFamily]]) async {
    let task = Task { await w.run() }
    for (i, s) in snapshots.enumerated() { await w.push(s, timestamp: Int64(1000 * (i + 1)), block: true) }
    _ = await w.flush(timeout: .seconds(10))
    w.stop()
    await task.value
}

@Suite struct RemoteWriteTests {
    @Test func encodesSortedLabelsAndSamplesAndSnappyRoundTrips() throws {
        var e = RequestEncoder()
        let s = e.add(series: [("zone", "a"), ("__name__", "cloudplane_x"), ("host", "h1")])
        var raw: [UInt8] = []
        e.encodeV1(
            [PendingSample(series: s, timestamp: -5, value: 2.5), PendingSample(series: s, timestamp: 7, value: .nan)][
                ...],
            into: &raw)
        let decoded = decodeV1(try #require(Snappy.decompress(Snappy.compress(raw))))
        #expect(decoded.count == 1)
        #expect(decoded[0].0 == ["__name__": "cloudplane_x", "host": "h1", "zone": "a"])
        #expect(decoded[0].1.map(\.1) == [-5, 7] && decoded[0].1[0].0 == 2.5)
        #expect(Snappy.decompress([0xff, 0x06, 0, 0]) == nil)
    }

    @Test func staleMarkersForVanishedSeries() {
        var t = SeriesTracker(extraLabels: [("job", "cp")])
        _ = t.samples(family(3), timestamp: 1)
        let second = t.samples(family(1), timestamp: 2)
        #expect(second.count == 3)
        let stale = second.filter { $0.value.bitPattern == SeriesTracker.staleMarker.bitPattern }
        #expect(stale.count == 2 && stale.allSatisfy { $0.timestamp == 2 })
        #expect(t.labels(of: 0).contains { $0 == ("job", "cp") })
    }

    @Test func retries5xxThenSends() async {
        let transport = ScriptedTransport([
            .init(status: 503, headers: [:], body: "busy"),
            .init(status: 500, headers: ["retry-after": "0"], body: ""),
        ])
        let registry = MetricRegistry()
        let w = RemoteWriter(config: config(), transport: transport, registry: registry)
        await send(w, [family(10)])
        let bodies = transport.requests.withLock { $0.map(\.1) }
        #expect(bodies.count == 3 && Set(bodies).count == 1)
        #expect(w.stats.sentSamples.value == 10 && w.stats.retriedSamples.value == 20)
    }

    @Test(arguments: [(400, false, 1), (429, false, 1), (429, true, 2)])
    func fourHundredsAreDroppedUnless429IsRetried(status: Int, retry429: Bool, requests: Int) async {
        let transport = ScriptedTransport([.init(status: status, headers: [:], body: "no")])
        var c = config()
        c.retryOn429 = retry429
        let registry = MetricRegistry()
        let w = RemoteWriter(config: c, transport: transport, registry: registry)
        await send(w, [family(5)])
        #expect(transport.requests.withLock { $0.count } == requests)
        let failed = registry.counter(
            "cloudplane_remote_write_samples_failed", help: "", labels: [("status", "\(status)")])
        #expect(failed.value == (retry429 ? 0 : 5))
    }

    @Test func v2FallsBackToV1WithoutWrittenHeaders() async {
        let transport = ScriptedTransport([.init(status: 204, headers: [:], body: "")])
        var c = config()
        c.version = .v2
        let w = RemoteWriter(config: c, transport: transport, registry: MetricRegistry())
        await send(w, [family(2), family(2)])
        let headers = transport.requests.withLock { $0.map { Dictionary($0.0, uniquingKeysWith: { a, _ in a }) } }
        #expect(headers.first?["Content-Type"] == RemoteWriteVersion.v2.contentType)
        #expect(headers.dropFirst().allSatisfy { $0["Content-Type"] == "application/x-protobuf" })
        #expect(w.currentVersion == .v1 && w.stats.sentSamples.value == 4)
    }

    @Test func eachSeriesStaysInOrderAcrossShards() async throws {
        let transport = ScriptedTransport([])
        let w = RemoteWriter(config: config(4), transport: transport, registry: MetricRegistry())
        await send(w, (0..<20).map { family(50, value: Double($0)) })
        var last: [String: Int64] = [:]
        var total = 0
        for (_, body) in transport.requests.withLock({ $0 }) {
            for (labels, samples) in decodeV1(try #require(Snappy.decompress(body))) {
                let key = labels["vm"] ?? ""
                for (_, ts) in samples {
                    #expect(ts > last[key, default: 0])
                    last[key] = ts
                    total += 1
                }
            }
        }
        #expect(total == 1000)
    }

    @Test func aFullBufferDropsAndCountsWithoutBlocking() async {
        var c = config()
        c.capacityPerShard = 10_000
        let w = RemoteWriter(config: c, transport: ScriptedTransport([]), registry: MetricRegistry())
        // nothing is sent (no run()): four snapshots of 2,500 fill 10,000, the fifth is dropped
        var queued = 0
        for t in 1...5 { queued += await w.push(family(2500), timestamp: Int64(t), block: false) }
        #expect(queued == 10_000 && w.stats.droppedFull.value == 2500 && w.pending == 10_000)
    }

    @Test func aBufferTooSmallForTwoSnapshotsGrowsToABatchAndTwoSnapshots() async {
        var c = config()
        c.capacityPerShard = 2000
        let w = RemoteWriter(config: c, transport: ScriptedTransport([]), registry: MetricRegistry())
        #expect(await w.push(family(2500), timestamp: 1, block: false) == 2500)
        #expect(await w.push(family(2500), timestamp: 2, block: false) == 2500)
        // a batch in flight (maxSamplesPerSend) and two snapshots fit; beyond that it drops
        let room = 2 * 2500 + c.maxSamplesPerSend
        #expect(await w.push(family(2500), timestamp: 3, block: false) == room - 5000)
        #expect(w.stats.droppedFull.value == Double(7500 - room) && w.pending == room)
    }

    @Test func retryAfterIsParsedAndCapped() {
        #expect(RemoteWriter.retryAfter("2", cap: .seconds(30)) == .seconds(2))
        #expect(RemoteWriter.retryAfter("999", cap: .seconds(30)) == .seconds(30))
        #expect(RemoteWriter.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT", cap: .seconds(30)) == nil)
    }
}
