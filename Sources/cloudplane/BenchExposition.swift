import ArgumentParser
import CloudScenario
import CloudTelemetry
import ExpositionBaseline

struct BenchExposition: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exposition",
        abstract:
            "Scrape-body rendering of N series: our registry against swift-prometheus 2.4.1, same series, same run.")

    @Option(help: "Series in total (families of --per-family series, 4 labels each).") var series = 1_000_000
    @Option(help: "Series per family.") var perFamily = 100
    @Option(help: "Measured renders of each implementation (the median is reported).") var runs = 5
    @Option(help: "text or json.") var format: OutputFormat = .text

    func validate() throws {
        guard series >= 1 && series <= 20_000_000 else { throw ValidationError("--series must be 1...20000000") }
        guard perFamily >= 1 && perFamily <= 100_000 else { throw ValidationError("--per-family must be 1...100000") }
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
    }

    func run() throws {
        let clock = ContinuousClock()
        let registry = MetricRegistry()
        let baseline = SwiftPrometheusBaseline()
        var families: [MetricFamily] = []  // the same series as a scrape-time collector returns them
        var registerOurs = Duration.zero
        var registerTheirs = Duration.zero
        for i in 0..<series {
            let name = "cloudplane_bench_family_\(i / perFamily)"
            let labels = [
                ("host", "host-\(i % 997)"), ("tenant", "tenant-\(i % 31)"), ("vm", "vm-\(i)"),
                ("zone", "az-\(i % 3)"),
            ]
            let value = Double(i) * 0.25
            var t = clock.now
            registry.gauge(name, help: "Benchmark series.", labels: labels).set(value)
            registerOurs += clock.now - t
            t = clock.now
            baseline.add(name: name, help: "Benchmark series.", labels: labels, value: value)
            registerTheirs += clock.now - t
            if i % perFamily == 0 { families.append(MetricFamily(name: name, help: "Benchmark series.", kind: .gauge)) }
            families[families.count - 1].samples.append(Sample(labels, value))
        }
        var ours: [Double] = []
        var theirs: [Double] = []
        var collected: [Double] = []
        var bytes = 0
        var theirBytes = 0
        var buffer: [UInt8] = []
        var body: [UInt8] = []
        // One warm-up each: ours sorts and caches the series order; both grow their buffers.
        registry.render(format: .text004, into: &body)
        _ = baseline.emit(into: &buffer)
        for _ in 0..<runs {
            var t = clock.now
            registry.render(format: .text004, into: &body)
            ours.append(seconds(clock.now - t))
            bytes = body.count
            t = clock.now
            theirBytes = baseline.emit(into: &buffer)
            theirs.append(seconds(clock.now - t))
            t = clock.now
            _ = Exposition.renderBytes(families, format: .text004)
            collected.append(seconds(clock.now - t))
        }
        let m = median(ours)
        let mt = median(theirs)
        let report = JSON.object([
            ("benchmark", .string("exposition.text004")),
            ("series", .int(Int64(series))),
            ("series_per_family", .int(Int64(perFamily))),
            ("runs", .int(Int64(runs))),
            ("seconds", JSON.rounded(m, 4)),
            ("seconds_runs", .array(ours.map { JSON.rounded($0, 4) })),
            ("series_per_second", .int(Int64(Double(series) / m))),
            ("bytes", .int(Int64(bytes))),
            ("bytes_per_series", JSON.rounded(Double(bytes) / Double(series), 2)),
            ("swift_prometheus_seconds", JSON.rounded(mt, 4)),
            ("swift_prometheus_seconds_runs", .array(theirs.map { JSON.rounded($0, 4) })),
            ("swift_prometheus_bytes", .int(Int64(theirBytes))),
            ("ratio", JSON.rounded(m / mt, 3)),
            ("collector_seconds", JSON.rounded(median(collected), 4)),
            ("register_seconds", JSON.rounded(seconds(registerOurs), 3)),
            ("swift_prometheus_register_seconds", JSON.rounded(seconds(registerTheirs), 3)),
        ])
        print(format == .json ? report.serialized() : report.pretty())
    }
}
