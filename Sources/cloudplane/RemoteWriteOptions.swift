import ArgumentParser
import CloudRemoteWrite
import CloudTelemetry
import Foundation

/// Remote-write options shared by `serve` and `scenario run`.
struct RemoteWriteOptions: ParsableArguments {
    @Option(
        name: .customLong("remote-write"),
        help: "Push samples to this remote-write URL (e.g. http://127.0.0.1:9090/api/v1/write).")
    var url: String?
    @Option(name: .customLong("remote-write-version"), help: "Protocol: 1.0 (default) or 2.0 (falls back to 1.0).")
    var version: String = "1.0"
    @Option(name: .customLong("remote-write-shards"), help: "Parallel senders.") var shards = 4
    @Option(name: .customLong("remote-write-capacity"), help: "Samples buffered per shard.")
    var capacity = 250_000
    @Flag(name: .customLong("remote-write-retry-429"), help: "Retry 429 Too Many Requests (off: dropped).")
    var retry429 = false

    func check() throws {
        guard let url else { return }
        guard let u = URL(string: url), u.scheme == "http" || u.scheme == "https", u.host != nil else {
            throw ValidationError("--remote-write must be an http(s) URL, got '\(url)'")
        }
        guard RemoteWriteVersion(rawValue: version) != nil else {
            throw ValidationError("--remote-write-version must be 1.0 or 2.0, got '\(version)'")
        }
        guard (1...64).contains(shards) else { throw ValidationError("--remote-write-shards must be 1...64") }
        guard capacity >= 2000 else { throw ValidationError("--remote-write-capacity must be at least 2000") }
    }

    /// The sender, or nil when no URL was given.
    func makeWriter(registry: MetricRegistry, labels: [(String, String)]) -> RemoteWriter? {
        guard let url else { return nil }
        var c = RemoteWriteConfig(url: url)
        c.version = RemoteWriteVersion(rawValue: version) ?? .v1
        c.shards = shards
        c.capacityPerShard = capacity
        c.retryOn429 = retry429
        c.log = { printError($0) }
        return RemoteWriter(config: c, transport: URLSessionTransport(), registry: registry, extraLabels: labels)
    }
}

/// `cloudplane_build_info` and the exporter's self-metrics, registered once per process.
enum ExporterMetrics {
    static let version = "0.5.0"

    /// Help text of the serving loop's swift-metrics instrumentation.
    static let swiftMetricsHelp = [
        "cloudplane_serve_clock_lag_seconds": "How far the simulated clock trails the wall clock × speed.",
        "cloudplane_serve_advances": "Steps of the simulated clock.",
    ]

    static func register(_ registry: MetricRegistry) {
        #if swift(>=6.3)
            let swift = "6.3"
        #else
            let swift = "6"
        #endif
        registry.info(
            "cloudplane_build", help: "Version of the running cloudplane binary.",
            labels: [("version", version), ("swift_version", swift)])
    }
}
