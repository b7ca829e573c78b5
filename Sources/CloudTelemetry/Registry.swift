import Synchronization

/// A collector runs at scrape time and returns the families it describes right now (the
/// node_exporter "const metric" pattern): entity metrics need no long-lived object per entity.
public typealias MetricCollector = @Sendable () -> [MetricFamily]

/// The exporter's registry: long-lived counters, gauges and histograms registered in O(1) per
/// label set, plus scrape-time collectors. Rendering writes families in name order and series in
/// label order, so two scrapes of the same state are byte-identical.
public final class MetricRegistry: Sendable {
    let families = Mutex<[String: FamilyStore]>([:])
    let sortedNames = Mutex<[String]?>(nil)
    let collectors = Mutex<[(String, MetricCollector)]>([])

    public init() {}

    /// The family named `name`, created on first use. Registering a name again with another kind,
    /// unit or buckets is a programming error.
    func family(
        _ name: String, help: String, kind: MetricKind, unit: String?, buckets: [Double] = []
    ) -> FamilyStore {
        families.withLock { table in
            if let f = table[name] {
                precondition(
                    f.kind == kind && f.unit == unit && f.bounds == buckets,
                    "metric '\(name)' registered again with another kind, unit or buckets")
                return f
            }
            let f = FamilyStore(name: name, help: help, kind: kind, unit: unit, bounds: buckets)
            table[name] = f
            sortedNames.withLock { $0 = nil }
            return f
        }
    }

    /// Declares a family before its first series (for documentation and so it is exported with
    /// its HELP and TYPE); `labelNames` documents the labels its series will carry.
    public func declare(_ name: String, help: String, kind: MetricKind, unit: String? = nil, labelNames: [String]) {
        family(name, help: help, kind: kind, unit: unit).declaredLabels.withLock { $0 = labelNames }
    }

    /// Label names per family: those declared and those its series carry.
    public func labelNames() -> [String: [String]] {
        var out: [String: [String]] = [:]
        for n in names() {
            guard let f = families.withLock({ $0[n] }) else { continue }
            var seen = f.declaredLabels.withLock { $0 }
            for s in f.snapshot().samples { for (k, _) in s.labels where !seen.contains(k) { seen.append(k) } }
            out[n] = seen.sorted()
        }
        return out
    }

    /// A counter series (`name` without `_total`; the suffix is added).
    public func counter(
        _ name: String, help: String, unit: String? = nil, labels: [(String, String)] = []
    ) -> CounterHandle {
        let f = family(name, help: help, kind: .counter, unit: unit)
        return CounterHandle(family: f, slot: f.slot(labels))
    }

    /// A gauge series.
    public func gauge(
        _ name: String, help: String, unit: String? = nil, labels: [(String, String)] = []
    ) -> GaugeHandle {
        let f = family(name, help: help, kind: .gauge, unit: unit)
        return GaugeHandle(family: f, slot: f.slot(labels))
    }

    /// An info series (`name` without `_info`): value 1, descriptive labels.
    public func info(_ name: String, help: String, labels: [(String, String)]) {
        let f = family(name, help: help, kind: .info, unit: nil)
        f.set(f.slot(labels), 1)
    }

    /// A histogram series with these upper bounds (sorted here; `+Inf` is implicit).
    public func histogram(
        _ name: String, help: String, unit: String? = nil, buckets: [Double], labels: [(String, String)] = []
    ) -> HistogramHandle {
        let bounds = Array(Set(buckets.filter(\.isFinite))).sorted()
        precondition(!bounds.isEmpty, "histogram '\(name)' needs at least one finite bucket")
        let f = family(name, help: help, kind: .histogram, unit: unit, buckets: bounds)
        return HistogramHandle(family: f, slot: f.slot(labels))
    }

    /// Removes one series (an entity that went away); a later registration creates it afresh.
    public func remove(_ name: String, labels: [(String, String)]) {
        families.withLock { $0[name] }?.remove(labels)
    }

    /// Adds a scrape-time collector under a name (replacing one of the same name).
    public func register(collector name: String, _ collect: @escaping MetricCollector) {
        collectors.withLock { list in
            list.removeAll { $0.0 == name }
            list.append((name, collect))
        }
    }

    /// Registered family names in sorted order (cached until a family is added).
    func names() -> [String] {
        if let cached = sortedNames.withLock({ $0 }) { return cached }
        let names = families.withLock { $0.keys.sorted() }
        sortedNames.withLock { $0 = names }
        return names
    }

    /// Every family, registered and collected, as values (docs, tests, remote-write).
    public func snapshot() -> [MetricFamily] {
        let stores = names().compactMap { n in families.withLock { $0[n] } }
        return Exposition.merged(stores.map { $0.snapshot() } + collect())
    }

    /// What the collectors return now.
    public func collect() -> [MetricFamily] {
        collectors.withLock { $0 }.flatMap { $0.1() }
    }
}

/// One series of a counter family.
public struct CounterHandle: Sendable {
    let family: FamilyStore
    let slot: Int

    /// Adds `amount` (must not be negative).
    public func increment(by amount: Double = 1) {
        precondition(amount >= 0, "a counter never decreases")
        family.add(slot, amount)
    }

    /// The current value.
    public var value: Double { family.value(slot) }
}

/// One series of a gauge family.
public struct GaugeHandle: Sendable {
    let family: FamilyStore
    let slot: Int

    public func set(_ value: Double) { family.set(slot, value) }
    public func add(_ delta: Double) { family.add(slot, delta) }
    public var value: Double { family.value(slot) }
}

/// One series of a histogram family.
public struct HistogramHandle: Sendable {
    let family: FamilyStore
    let slot: Int

    public func observe(_ value: Double) { family.observe(slot, value) }
}
