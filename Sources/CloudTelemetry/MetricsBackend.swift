import CoreMetrics

/// The swift-metrics backend: the project's own instrumentation (`Counter`, `Gauge`, `Timer`,
/// `Recorder` from swift-metrics) lands in a `MetricRegistry`.
///
/// Mapping: counters → counter (`_total` added, an existing `_total` suffix is not doubled);
/// meters and non-aggregating recorders → gauge; aggregating recorders → histogram; timers →
/// histogram in seconds (`_seconds` added when missing). Invalid characters in labels become `_`.
/// swift-metrics has no help text, so the factory takes it by metric name.
public struct CloudMetricsFactory: MetricsFactory {
    public let registry: MetricRegistry
    /// Help text by exported family name (without `_total`).
    public let help: [String: String]
    /// Histogram buckets by family name; timers default to 0.5 ms … 10 s, recorders to 1 … 10⁶.
    public let buckets: [String: [Double]]

    public static let defaultTimerBuckets: [Double] = [
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]
    public static let defaultValueBuckets: [Double] = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000]

    public init(registry: MetricRegistry, help: [String: String] = [:], buckets: [String: [Double]] = [:]) {
        self.registry = registry
        self.help = help
        self.buckets = buckets
    }

    /// A valid Prometheus name from a swift-metrics label: other characters become `_`.
    public static func sanitize(_ label: String) -> String {
        var out = String(
            label.unicodeScalars.map { c -> Character in
                c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "_") ? Character(c) : "_"
            })
        if let first = out.unicodeScalars.first, ("0"..."9").contains(first) { out = "_" + out }
        return out.isEmpty ? "_" : out
    }

    /// The base unit a name ends with, if any.
    static func unit(of name: String) -> String? {
        ["seconds", "bytes", "joules", "celsius", "watts", "ratio"].first { name.hasSuffix("_" + $0) }
    }

    func helpText(_ name: String, _ label: String) -> String { help[name] ?? "\(label) (swift-metrics)." }

    func dims(_ d: [(String, String)]) -> [(String, String)] { d.map { (Self.sanitize($0.0), $0.1) } }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        var name = Self.sanitize(label)
        if name.hasSuffix("_total") { name.removeLast(6) }
        return CounterBox(
            registry.counter(
                name, help: helpText(name, label), unit: Self.unit(of: name),
                labels: dims(dimensions)))
    }

    public func makeFloatingPointCounter(
        label: String, dimensions: [(String, String)]
    ) -> any FloatingPointCounterHandler {
        var name = Self.sanitize(label)
        if name.hasSuffix("_total") { name.removeLast(6) }
        return CounterBox(
            registry.counter(
                name, help: helpText(name, label), unit: Self.unit(of: name),
                labels: dims(dimensions)))
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        let name = Self.sanitize(label)
        return GaugeBox(
            registry.gauge(
                name, help: helpText(name, label), unit: Self.unit(of: name),
                labels: dims(dimensions)))
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        let name = Self.sanitize(label)
        if !aggregate {
            return GaugeBox(
                registry.gauge(
                    name, help: helpText(name, label), unit: Self.unit(of: name),
                    labels: dims(dimensions)))
        }
        return HistogramBox(
            registry.histogram(
                name, help: helpText(name, label), unit: Self.unit(of: name),
                buckets: buckets[name] ?? Self.defaultValueBuckets, labels: dims(dimensions)))
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        var name = Self.sanitize(label)
        if !name.hasSuffix("_seconds") { name += "_seconds" }
        return HistogramBox(
            registry.histogram(
                name, help: helpText(name, label), unit: "seconds",
                buckets: buckets[name] ?? Self.defaultTimerBuckets, labels: dims(dimensions)))
    }

    public func destroyCounter(_ handler: any CounterHandler) {}
    public func destroyMeter(_ handler: any MeterHandler) {}
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    public func destroyRecorder(_ handler: any RecorderHandler) {}
    public func destroyTimer(_ handler: any TimerHandler) {}
}

final class CounterBox: CounterHandler, FloatingPointCounterHandler {
    let handle: CounterHandle
    init(_ handle: CounterHandle) { self.handle = handle }
    func increment(by amount: Int64) { if amount > 0 { handle.increment(by: Double(amount)) } }
    func increment(by amount: Double) { if amount > 0 { handle.increment(by: amount) } }
    func reset() { handle.family.set(handle.slot, 0) }
}

final class GaugeBox: MeterHandler, RecorderHandler {
    let handle: GaugeHandle
    init(_ handle: GaugeHandle) { self.handle = handle }
    func set(_ value: Int64) { handle.set(Double(value)) }
    func set(_ value: Double) { handle.set(value) }
    func increment(by amount: Double) { handle.add(amount) }
    func decrement(by amount: Double) { handle.add(-amount) }
    func record(_ value: Int64) { handle.set(Double(value)) }
    func record(_ value: Double) { handle.set(value) }
}

final class HistogramBox: RecorderHandler, TimerHandler {
    let handle: HistogramHandle
    init(_ handle: HistogramHandle) { self.handle = handle }
    func record(_ value: Int64) { handle.observe(Double(value)) }
    func record(_ value: Double) { handle.observe(value) }
    func recordNanoseconds(_ duration: Int64) { handle.observe(Double(duration) / 1e9) }
    func preferDisplayUnit(_ unit: TimeUnit) {}
}
