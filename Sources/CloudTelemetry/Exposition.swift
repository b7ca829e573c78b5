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
    public static func render(_ families: [MetricFamily], format: ExpositionFormat) -> String {
        var merged: [MetricFamily] = []
        for f in families.sorted(by: { $0.name < $1.name }) {
            if let last = merged.last, last.name == f.name {
                merged[merged.count - 1].samples += f.samples
            } else {
                merged.append(f)
            }
        }
        var out = ""
        out.reserveCapacity(merged.reduce(0) { $0 + 64 + $1.samples.count * 64 })
        for f in merged { write(f, format, &out) }
        if format == .openMetrics { out += "# EOF\n" }
        return out
    }

    static func write(_ f: MetricFamily, _ format: ExpositionFormat, _ out: inout String) {
        let samples = f.samples.sorted { a, b in
            for (x, y) in zip(a.labels, b.labels) where x != y { return x < y }
            return a.labels.count < b.labels.count
        }
        switch format {
        case .text004:
            let typed = f.sampleName
            out += "# HELP \(typed) \(escapeHelp(f.help, quotes: false))\n"
            out += "# TYPE \(typed) \(f.kind == .info ? "gauge" : f.kind.rawValue)\n"
        case .openMetrics:
            out += "# TYPE \(f.name) \(f.kind.rawValue)\n"
            if let u = f.unit { out += "# UNIT \(f.name) \(u)\n" }
            out += "# HELP \(f.name) \(escapeHelp(f.help, quotes: true))\n"
        }
        for s in samples { writeSample(f, s, format, &out) }
    }

    static func writeSample(_ f: MetricFamily, _ s: Sample, _ format: ExpositionFormat, _ out: inout String) {
        switch s.value {
        case .scalar(let v):
            out += f.sampleName + labels(s.labels, extra: nil) + " " + number(v) + "\n"
        case .histogram(let buckets, let sum, let count):
            precondition(f.kind == .histogram, "histogram values belong to histogram families")
            var previous = -Double.infinity
            for (le, n) in buckets {
                precondition(le > previous && le.isFinite, "histogram bounds must be finite and increasing")
                previous = le
                out += f.name + "_bucket" + labels(s.labels, extra: ("le", canonical(le))) + " \(n)\n"
            }
            out += f.name + "_bucket" + labels(s.labels, extra: ("le", "+Inf")) + " \(count)\n"
            out += f.name + "_sum" + labels(s.labels, extra: nil) + " " + number(sum) + "\n"
            out += f.name + "_count" + labels(s.labels, extra: nil) + " \(count)\n"
        }
    }

    static func labels(_ ls: [(String, String)], extra: (String, String)?) -> String {
        if ls.isEmpty && extra == nil { return "" }
        var out = "{"
        var first = true
        for (k, v) in ls + (extra.map { [$0] } ?? []) {
            precondition(MetricFamily.isValidName(k) && !k.hasPrefix("__"), "invalid label name '\(k)'")
            if !first { out += "," }
            first = false
            out += k + "=\"" + escapeLabel(v) + "\""
        }
        return out + "}"
    }

    static func escapeLabel(_ v: String) -> String {
        guard v.utf8.contains(where: { $0 == 0x5C || $0 == 0x22 || $0 == 0x0A }) else { return v }
        var o = ""
        for c in v.unicodeScalars {
            switch c {
            case "\\": o += "\\\\"
            case "\"": o += "\\\""
            case "\n": o += "\\n"
            default: o.unicodeScalars.append(c)
            }
        }
        return o
    }

    static func escapeHelp(_ v: String, quotes: Bool) -> String {
        var o = ""
        for c in v.unicodeScalars {
            switch c {
            case "\\": o += "\\\\"
            case "\n": o += "\\n"
            case "\"" where quotes: o += "\\\""
            default: o.unicodeScalars.append(c)
            }
        }
        return o
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
