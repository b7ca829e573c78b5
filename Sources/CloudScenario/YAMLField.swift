import Yams

/// A scenario file that cannot be used: where and why.
public struct ScenarioError: Error, Equatable, CustomStringConvertible, Sendable {
    public let file: String
    /// 1-based line, when known.
    public let line: Int?
    /// Dotted path of the field, e.g. `timeline[2].at`.
    public let field: String
    public let message: String

    public init(file: String, line: Int?, field: String, message: String) {
        self.file = file
        self.line = line
        self.field = field
        self.message = message
    }

    /// `FILE:LINE: field 'PATH': MESSAGE`
    public var description: String {
        let loc = line.map { "\(file):\($0)" } ?? file
        return field.isEmpty ? "\(loc): \(message)" : "\(loc): field '\(field)': \(message)"
    }
}

/// A YAML node with the path that led to it, so every error names file, line and field.
struct Field {
    let node: Node
    let path: String
    let file: String

    var line: Int? { node.mark?.line }

    func fail(_ message: String) -> ScenarioError {
        ScenarioError(file: file, line: line, field: path, message: message)
    }

    func child(_ node: Node, _ key: String) -> Field {
        Field(node: node, path: path.isEmpty ? key : path + "." + key, file: file)
    }

    /// The entries of a mapping, rejecting keys outside `allowed`.
    func mapping(allowed: [String]) throws(ScenarioError) -> [String: Field] {
        guard let m = node.mapping else {
            throw fail("expected a mapping with keys \(allowed.joined(separator: ", "))")
        }
        var out: [String: Field] = [:]
        for (k, v) in m {
            guard let key = k.string else { throw fail("keys must be strings") }
            let f = child(v, key)
            guard allowed.contains(key) else {
                throw ScenarioError(
                    file: file, line: k.mark?.line, field: f.path,
                    message: "unknown key '\(key)' (allowed: \(allowed.joined(separator: ", ")))")
            }
            guard out[key] == nil else {
                throw ScenarioError(file: file, line: k.mark?.line, field: f.path, message: "duplicate key '\(key)'")
            }
            out[key] = f
        }
        return out
    }

    func sequence() throws(ScenarioError) -> [Field] {
        guard let s = node.sequence else { throw fail("expected a list") }
        return s.enumerated().map { Field(node: $0.element, path: "\(path)[\($0.offset)]", file: file) }
    }

    func string() throws(ScenarioError) -> String {
        guard let s = node.scalar?.string, !s.isEmpty else { throw fail("expected a non-empty string") }
        return s
    }

    func int(in range: ClosedRange<Int> = Int.min...Int.max) throws(ScenarioError) -> Int {
        guard let text = node.scalar?.string, let v = Int(text) else {
            throw fail("expected an integer, found '\(node.scalar?.string ?? "a non-scalar")'")
        }
        guard range.contains(v) else { throw fail("\(v) is outside \(range.lowerBound)...\(range.upperBound)") }
        return v
    }

    func uint64() throws(ScenarioError) -> UInt64 {
        guard let text = node.scalar?.string, let v = UInt64(text) else {
            throw fail("expected a non-negative integer, found '\(node.scalar?.string ?? "a non-scalar")'")
        }
        return v
    }

    /// A ratio such as `4`, `1.5` or `1.25` as an integer percentage (400, 150, 125).
    func percent(in range: ClosedRange<Int>) throws(ScenarioError) -> Int {
        let text = node.scalar?.string ?? ""
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = Int(parts[0]), whole >= 0, whole < 1000 else {
            throw fail("expected a ratio such as 4 or 1.5, found '\(text)'")
        }
        var value = whole * 100
        if parts.count == 2 {
            let frac = parts[1]
            guard (1...2).contains(frac.count), let f = Int(frac), f >= 0 else {
                throw fail("expected at most two decimals in '\(text)'")
            }
            value += frac.count == 1 ? f * 10 : f
        }
        guard range.contains(value) else {
            throw fail("ratio \(text) is outside \(Double(range.lowerBound) / 100)...\(Double(range.upperBound) / 100)")
        }
        return value
    }

    func bool() throws(ScenarioError) -> Bool {
        switch node.scalar?.string {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw fail("expected true or false")
        }
    }

    func strings() throws(ScenarioError) -> [String] {
        if node.scalar != nil { return [try string()] }
        var out: [String] = []
        for f in try sequence() { out.append(try f.string()) }
        return out
    }

    /// A duration such as `120s`, `2m`, `1.5h`, `250ms`, `90` (seconds), in nanoseconds.
    func duration() throws(ScenarioError) -> UInt64 {
        guard let text = node.scalar?.string.trimmingCharacters(in: " ") else {
            throw fail("expected a duration such as 120s")
        }
        guard !text.hasPrefix("-") else { throw fail("negative time '\(text)': times count from the start, at 0s") }
        guard let ns = Self.parseDuration(text) else {
            throw fail("bad duration '\(text)' (use a number with ns, us, ms, s, m, h or d, e.g. 120s)")
        }
        return ns
    }

    static func parseDuration(_ text: String) -> UInt64? {
        let units: [(String, UInt64)] = [
            ("ns", 1), ("us", 1_000), ("ms", 1_000_000), ("s", 1_000_000_000), ("m", 60_000_000_000),
            ("h", 3_600_000_000_000), ("d", 86_400_000_000_000),
        ]
        var number = Substring(text)
        var scale: UInt64 = 1_000_000_000
        for (suffix, s) in units where text.hasSuffix(suffix) {
            let stem = text.dropLast(suffix.count)
            if stem.last?.isNumber == true {
                number = stem
                scale = s
                break
            }
        }
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = UInt64(parts[0]) else { return nil }
        var total = whole.multipliedReportingOverflow(by: scale)
        guard !total.overflow else { return nil }
        if parts.count == 2 {
            let frac = parts[1]
            guard !frac.isEmpty, frac.count <= 9, frac.allSatisfy(\.isNumber), let f = UInt64(frac) else { return nil }
            var div: UInt64 = 1
            for _ in 0..<frac.count { div *= 10 }
            let fracNanoseconds = scale >= div ? (scale / div) * f : f * scale / div
            total = total.partialValue.addingReportingOverflow(fracNanoseconds)
            guard !total.overflow else { return nil }
        }
        return total.partialValue
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        String(drop(while: { $0 == set }).reversed().drop(while: { $0 == set }).reversed())
    }
}
