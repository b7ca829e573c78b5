/// The wire formats of a scrape.
public enum ExpositionFormat: Sendable, Equatable {
    /// Prometheus text format 0.0.4: what every Prometheus accepts.
    case text004
    /// OpenMetrics 1.0.
    case openMetrics

    /// The `Content-Type` header to send with the body.
    public var contentType: String {
        switch self {
        case .text004: "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }

    /// Picks the format from an `Accept` header: OpenMetrics 1.0 only when the client ranks it at
    /// least as high as text; text 0.0.4 otherwise (also when the header is absent).
    public static func negotiate(accept: String?) -> ExpositionFormat {
        guard let accept else { return .text004 }
        var om = -1.0
        var text = -1.0
        for part in accept.split(separator: ",") {
            let fields = part.split(separator: ";").map { $0.trimmingSpaces() }
            guard let type = fields.first else { continue }
            var q = 1.0
            var version = ""
            for f in fields.dropFirst() {
                if f.hasPrefix("q="), let v = Double(f.dropFirst(2)) { q = v }
                if f.hasPrefix("version=") { version = String(f.dropFirst(8)) }
            }
            if type == "application/openmetrics-text" && (version.isEmpty || version == "1.0.0") { om = max(om, q) }
            if type == "text/plain" || type == "*/*" { text = max(text, q) }
        }
        return om >= 0 && om >= text ? .openMetrics : .text004
    }
}

extension Substring {
    func trimmingSpaces() -> String { String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()) }
}

/// Renders metric families: families sorted by name, series sorted by labels, every family one
/// group, escaping and number spelling as each format requires.
public enum Exposition {
    /// The families as text (tests, files, the scenario report).
    public static func render(_ families: [MetricFamily], format: ExpositionFormat) -> String {
        String(decoding: renderBytes(families, format: format), as: UTF8.self)
    }

    /// The families as the bytes of a scrape body.
    public static func renderBytes(_ families: [MetricFamily], format: ExpositionFormat) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(families.reduce(0) { $0 + 64 + $1.samples.count * 64 })
        for f in merged(families) { write(f, format, &out) }
        if format == .openMetrics { ByteWriter.append("# EOF\n", to: &out) }
        return out
    }

    /// Families sorted by name, those of one name merged into one group.
    public static func merged(_ families: [MetricFamily]) -> [MetricFamily] {
        var merged: [MetricFamily] = []
        for f in families.sorted(by: { $0.name < $1.name }) {
            if let last = merged.last, last.name == f.name {
                merged[merged.count - 1].samples += f.samples
            } else {
                merged.append(f)
            }
        }
        return merged
    }

    static func write(_ f: MetricFamily, _ format: ExpositionFormat, _ out: inout [UInt8]) {
        writeHeader(name: f.name, sampleName: f.sampleName, help: f.help, kind: f.kind, unit: f.unit, format, &out)
        for s in sortedSamples(f) { writeSample(f, s, &out) }
    }

    /// A family's samples in label order.
    static func sortedSamples(_ f: MetricFamily) -> [Sample] {
        let s = f.samples
        if zip(s, s.dropFirst()).allSatisfy({ !precedes($1, $0) }) { return s }
        return s.sorted(by: precedes)
    }

    /// Label order of two samples: name, then value, pair by pair, compared as UTF-8 bytes (the
    /// order of the registry's rendered label text).
    @inline(__always)
    static func precedes(_ a: Sample, _ b: Sample) -> Bool {
        for (x, y) in zip(a.labels, b.labels) {
            if x.0 != y.0 { return x.0.utf8.lexicographicallyPrecedes(y.0.utf8) }
            if x.1 != y.1 { return x.1.utf8.lexicographicallyPrecedes(y.1.utf8) }
        }
        return a.labels.count < b.labels.count
    }

    /// `# HELP` and `# TYPE` (text 0.0.4, on the sample name) or `# TYPE`, `# UNIT`, `# HELP`
    /// (OpenMetrics, on the family name).
    static func writeHeader(
        name: String, sampleName: String, help: String, kind: MetricKind, unit: String?, _ format: ExpositionFormat,
        _ out: inout [UInt8]
    ) {
        switch format {
        case .text004:
            ByteWriter.append("# HELP ", to: &out)
            ByteWriter.append(sampleName, to: &out)
            out.append(0x20)
            ByteWriter.appendHelp(help, quotes: false, to: &out)
            ByteWriter.append("\n# TYPE ", to: &out)
            ByteWriter.append(sampleName, to: &out)
            out.append(0x20)
            ByteWriter.append(kind == .info ? "gauge" : kind.rawValue, to: &out)
            out.append(0x0A)
        case .openMetrics:
            ByteWriter.append("# TYPE " + name + " " + kind.rawValue + "\n", to: &out)
            if let unit { ByteWriter.append("# UNIT " + name + " " + unit + "\n", to: &out) }
            ByteWriter.append("# HELP " + name + " ", to: &out)
            ByteWriter.appendHelp(help, quotes: true, to: &out)
            out.append(0x0A)
        }
    }

    static func writeSample(_ f: MetricFamily, _ s: Sample, _ out: inout [UInt8]) {
        switch s.value {
        case .scalar(let v):
            ByteWriter.append(f.sampleName, to: &out)
            labels(s.labels, extra: nil, &out)
            out.append(0x20)
            ByteWriter.appendNumber(v, to: &out)
            out.append(0x0A)
        case .histogram(let buckets, let sum, let count):
            precondition(f.kind == .histogram, "histogram values belong to histogram families")
            var previous = -Double.infinity
            for (le, n) in buckets {
                precondition(le > previous && le.isFinite, "histogram bounds must be finite and increasing")
                previous = le
                line(f.name + "_bucket", s.labels, ("le", canonical(le)), Double(n), &out)
            }
            line(f.name + "_bucket", s.labels, ("le", "+Inf"), Double(count), &out)
            line(f.name + "_sum", s.labels, nil, sum, &out)
            line(f.name + "_count", s.labels, nil, Double(count), &out)
        }
    }

    static func line(
        _ name: String, _ ls: [(String, String)], _ extra: (String, String)?, _ v: Double, _ out: inout [UInt8]
    ) {
        ByteWriter.append(name, to: &out)
        labels(ls, extra: extra, &out)
        out.append(0x20)
        ByteWriter.appendNumber(v, to: &out)
        out.append(0x0A)
    }

    static func labels(_ ls: [(String, String)], extra: (String, String)?, _ out: inout [UInt8]) {
        if ls.isEmpty && extra == nil { return }
        out.append(0x7B)
        for (i, (k, v)) in ls.enumerated() { pair(k, v, first: i == 0, &out) }
        if let (k, v) = extra { pair(k, v, first: ls.isEmpty, &out) }
        out.append(0x7D)
    }

    @inline(__always)
    static func pair(_ k: String, _ v: String, first: Bool, _ out: inout [UInt8]) {
        precondition(MetricFamily.isValidName(k) && !k.hasPrefix("__"), "invalid label name '\(k)'")
        if !first { out.append(0x2C) }
        ByteWriter.append(k, to: &out)
        out.append(0x3D)
        out.append(0x22)
        ByteWriter.appendLabelValue(v, to: &out)
        out.append(0x22)
    }

    /// A sample value: integers without a decimal point, `NaN`, `+Inf`, `-Inf`, otherwise the
    /// shortest round-trip decimal.
    public static func number(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }

    /// OpenMetrics' canonical number for `le` and `quantile`: Go's `%g` with a `.0` added to
    /// integers (`0.005`, `1.0`, `10.0`, `1e+06`).
    public static func canonical(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        let g = goShortestG(v)
        return g.contains(".") || g.contains("e") ? g : g + ".0"
    }

    /// Go's `strconv.FormatFloat(v, 'g', -1, 64)`: shortest digits; exponent form when the
    /// decimal exponent is below -4 or at least 6.
    static func goShortestG(_ v: Double) -> String {
        if v == 0 { return v.sign == .minus ? "-0" : "0" }
        let (digits, exp10) = shortestDigits(abs(v))
        let sign = v < 0 ? "-" : ""
        if exp10 < -4 || exp10 >= 6 {
            let mantissa = digits.count > 1 ? "\(digits.first ?? "0")." + digits.dropFirst() : digits
            let e = abs(exp10) < 10 ? "0\(abs(exp10))" : "\(abs(exp10))"
            return sign + mantissa + "e" + (exp10 < 0 ? "-" : "+") + e
        }
        let dp = exp10 + 1  // digits before the decimal point
        if dp <= 0 { return sign + "0." + String(repeating: "0", count: -dp) + digits }
        if dp >= digits.count { return sign + digits + String(repeating: "0", count: dp - digits.count) }
        let i = digits.index(digits.startIndex, offsetBy: dp)
        return sign + digits[..<i] + "." + digits[i...]
    }

    /// The shortest round-trip significant digits of a positive finite value and its decimal
    /// exponent (value = 0.d1d2… × 10^(exp+1)), read from Swift's own shortest representation.
    static func shortestDigits(_ v: Double) -> (String, Int) {
        let text = String(v)  // e.g. "1000000.0", "0.005", "1e-07", "1.5e+16"
        var mantissa = Substring(text)
        var exp = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exp = Int(text[text.index(after: e)...]) ?? 0
        }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let whole = String(parts[0])
        let frac = parts.count > 1 ? String(parts[1]) : ""
        var digits = whole + frac
        var pointPos = whole.count + exp  // digits before the decimal point
        while digits.hasPrefix("0") && digits.count > 1 {
            digits.removeFirst()
            pointPos -= 1
        }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        return (digits, pointPos - 1)
    }
}
