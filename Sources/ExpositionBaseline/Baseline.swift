import Prometheus

/// swift-prometheus 2.4.1 as the baseline of `cloudplane bench exposition`: the same series
/// registered in its `PrometheusCollectorRegistry` and emitted with `emit(into:)`.
public final class SwiftPrometheusBaseline {
    let registry = PrometheusCollectorRegistry()
    var gauges: [Gauge] = []

    public init() {}

    /// Registers one gauge series (labels already sorted by name, as its docs require).
    public func add(name: String, help: String, labels: [(String, String)], value: Double) {
        let g = registry.makeGauge(name: name, labels: labels, help: help)
        g.set(value)
        gauges.append(g)
    }

    /// Emits every series into `buffer` (cleared first) and returns its byte count.
    public func emit(into buffer: inout [UInt8]) -> Int {
        buffer.removeAll(keepingCapacity: true)
        registry.emit(into: &buffer)
        return buffer.count
    }
}
