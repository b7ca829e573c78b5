/// The kind of a metric family.
public enum MetricKind: String, Sendable {
    case counter, gauge, histogram
    /// A pseudo-metric of value 1 whose labels carry names, models and versions (`*_info`).
    case info
}

/// One series of a family: its labels (sorted by name, unique) and its value.
public struct Sample: Sendable, Equatable {
    public let labels: [(String, String)]
    public let value: SampleValue

    /// Creates a sample; labels are sorted by name so that the label order never makes two series.
    public init(_ labels: [(String, String)] = [], _ value: SampleValue) {
        self.labels = labels.sorted { $0.0 < $1.0 }
        self.value = value
    }

    /// A plain value.
    public init(_ labels: [(String, String)] = [], _ value: Double) { self.init(labels, .scalar(value)) }

    public static func == (a: Sample, b: Sample) -> Bool {
        a.labels.map(\.0) == b.labels.map(\.0) && a.labels.map(\.1) == b.labels.map(\.1) && a.value == b.value
    }
}

/// A sample's value.
public enum SampleValue: Sendable, Equatable {
    case scalar(Double)
    /// Cumulative counts per upper bound (ascending, without +Inf), the sum and the total count.
    case histogram(buckets: [(Double, UInt64)], sum: Double, count: UInt64)

    public static func == (a: SampleValue, b: SampleValue) -> Bool {
        switch (a, b) {
        case (.scalar(let x), .scalar(let y)): x == y || (x.isNaN && y.isNaN)
        case (.histogram(let bx, let sx, let cx), .histogram(let by, let sy, let cy)):
            bx.map(\.0) == by.map(\.0) && bx.map(\.1) == by.map(\.1) && sx == sy && cx == cy
        default: false
        }
    }
}

/// A metric family: a base name (without `_total` or `_info`), help, kind, optional unit and
/// its series.
public struct MetricFamily: Sendable, Equatable {
    public let name: String
    public let help: String
    public let kind: MetricKind
    /// Base unit (`seconds`, `bytes`, `joules`…), which must end the name.
    public let unit: String?
    public var samples: [Sample]

    /// Creates a family; names and units are checked against Prometheus' rules.
    public init(name: String, help: String, kind: MetricKind, unit: String? = nil, samples: [Sample] = []) {
        MetricFamily.checkName(name, unit: unit)
        self.name = name
        self.help = help
        self.kind = kind
        self.unit = unit
        self.samples = samples
    }

    /// Checks a family name against Prometheus' rules: valid characters, the unit as its suffix,
    /// no `_total`/`_info` (the sample name adds them).
    static func checkName(_ name: String, unit: String?) {
        precondition(isValidName(name), "invalid metric name '\(name)'")
        precondition(unit.map { name.hasSuffix("_" + $0) } ?? true, "unit must be a suffix of '\(name)'")
        precondition(!name.hasSuffix("_total") && !name.hasSuffix("_info"), "give the base name; the suffix is added")
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*` (no colons: those are for recording rules).
    public static func isValidName(_ s: String) -> Bool {
        guard let first = s.utf8.first, isNameStart(first) else { return false }
        return s.utf8.allSatisfy { isNameStart($0) || ($0 >= 0x30 && $0 <= 0x39) }
    }

    static func isNameStart(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F }

    /// The name samples carry: `_total` for counters, `_info` for info metrics.
    public var sampleName: String {
        switch kind {
        case .counter: name + "_total"
        case .info: name + "_info"
        default: name
        }
    }
}
