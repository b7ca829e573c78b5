import Foundation
import Testing

/// House rules no compiler checks: function and file sizes, no clock or system randomness in the
/// deterministic core, no public fault switch on a production type.
@Suite struct TidyTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Every Swift file under Sources, with its module (the folder under Sources).
    static func sources() throws -> [(module: String, path: String, lines: [Substring])] {
        let base = root.appendingPathComponent("Sources").path
        guard let walker = FileManager.default.enumerator(atPath: base) else { return [] }
        var files: [(String, String, [Substring])] = []
        while let rel = walker.nextObject() as? String {
            guard rel.hasSuffix(".swift") else { continue }
            let text = try String(contentsOfFile: base + "/" + rel, encoding: .utf8)
            let module = String(rel.split(separator: "/").first ?? "")
            files.append((module, "Sources/" + rel, text.split(separator: "\n", omittingEmptySubsequences: false)))
        }
        return files.sorted { $0.1 < $1.1 }
    }

    /// The deterministic core: what runs inside the simulator.
    static let core: Set<String> = [
        "CloudModel", "CloudScheduler", "CloudControl", "CloudDrivers", "CloudRuntime", "CloudSim", "CloudStore",
        "CloudMetrics",
    ]

    @Test func theTreeHasTheModulesTheRulesNameAndSources() throws {
        let modules = Set(try Self.sources().map(\.module))
        #expect(Self.core.isSubset(of: modules), "missing: \(Self.core.subtracting(modules).sorted())")
    }

    @Test func filesStayUnder400Lines() throws {
        let long = try Self.sources().filter { $0.lines.count > 400 }.map { "\($0.path): \($0.lines.count) lines" }
        #expect(long.isEmpty, "\(long)")
    }

    /// Lines from a function's opening brace to its closing one, for every function in `lines`.
    static func functionLengths(_ lines: [Substring]) -> [(line: Int, length: Int)] {
        var out: [(Int, Int)] = []
        for (i, line) in lines.enumerated() {
            let code = line.drop { $0 == " " }
            guard !code.hasPrefix("//"), code.contains("func ") else { continue }
            var depth = 0
            var start: Int?
            var j = i
            scan: while j < lines.count {
                for ch in lines[j] {
                    if ch == "{" {
                        depth += 1
                        if start == nil { start = j }
                    } else if ch == "}" {
                        depth -= 1
                        if start != nil && depth == 0 { break scan }
                    }
                }
                if start == nil && j > i + 12 { break }  // a requirement without a body
                j += 1
            }
            if let s = start { out.append((i + 1, j - s + 1)) }
        }
        return out
    }

    @Test func functionsStayUnder70Lines() throws {
        var long: [String] = []
        for f in try Self.sources() {
            for (line, length) in Self.functionLengths(f.lines) where length > 70 {
                long.append("\(f.path):\(line): \(length) lines")
            }
        }
        #expect(long.isEmpty, "\(long)")
    }

    @Test func theLengthCounterSeesALongFunction() {
        let body = (0..<80).map { _ in "    x += 1" }
        let lines = (["func f() {"] + body + ["}", "func g() { }"]).map { Substring($0) }
        let lengths = Self.functionLengths(lines)
        #expect(lengths.map(\.length) == [82, 1])
    }

    /// Clocks, sleeps and system randomness: none may reach a decision of the core.
    static let banned = [
        "Date()", "Task.sleep", "ContinuousClock", "SuspendingClock", "SystemRandomNumberGenerator", ".random(",
        "DispatchTime", "ProcessInfo", "clock_gettime", "arc4random", "drand48",
    ]

    @Test func theCoreReadsNoClockAndNoSystemRandomness() throws {
        var hits: [String] = []
        for f in try Self.sources() where Self.core.contains(f.module) {
            for (i, line) in f.lines.enumerated() where !line.drop(while: { $0 == " " }).hasPrefix("//") {
                for word in Self.banned where line.contains(word) { hits.append("\(f.path):\(i + 1): \(word)") }
            }
        }
        #expect(hits.isEmpty, "\(hits)")
    }

    @Test func noPublicFaultSwitchAndNoForceTry() throws {
        var hits: [String] = []
        // the simulator's scenario settings may carry its fault hooks; no production module may
        for f in try Self.sources() where f.module != "CloudSim" {
            for (i, line) in f.lines.enumerated() {
                if line.contains("public var unsafe") || line.contains("public let unsafe") {
                    hits.append("\(f.path):\(i + 1): public fault switch")
                }
                if line.contains("try!") { hits.append("\(f.path):\(i + 1): try!") }
            }
        }
        #expect(hits.isEmpty, "\(hits)")
    }
}
