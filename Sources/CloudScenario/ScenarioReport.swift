import CloudModel
import CloudSim

/// One executed scenario file, ready for reporting.
public struct ScenarioRun: Sendable {
    public let file: String
    public let result: SimulationResult
    public let wallSeconds: Double
    /// How the decision log differs from the golden log (nil: equal, or no golden log).
    public let goldenProblem: String?

    public init(file: String, result: SimulationResult, wallSeconds: Double, goldenProblem: String? = nil) {
        self.file = file
        self.result = result
        self.wallSeconds = wallSeconds
        self.goldenProblem = goldenProblem
    }

    /// Expectations met, no invariant violated, and the golden log matched.
    public var passed: Bool { result.passed && goldenProblem == nil }

    /// The one-line command that replays this run.
    public var replayCommand: String { "cloudplane scenario run \(file) --seed \(result.seed)" }
}

/// Renders runs as the JSON of the command-line contract, as text and as JUnit XML.
public enum ScenarioReport {
    /// `{"passed", "scenarios": [...]}` as fixed in DESIGN.md.
    public static func json(_ runs: [ScenarioRun]) -> JSON {
        .object([
            ("passed", .bool(runs.allSatisfy(\.passed))),
            ("scenarios", .array(runs.map(scenarioJSON))),
        ])
    }

    static func scenarioJSON(_ run: ScenarioRun) -> JSON {
        let r = run.result
        let violations: [JSON] =
            r.violation.map { v in
                [
                    .object([
                        ("seed", .uint(r.seed)), ("invariant", .string(v.invariant)),
                        ("detail", .string(v.detail)), ("time_seconds", JSON.rounded(Double(v.time) / 1e9, 3)),
                        ("event", .int(Int64(v.event))), ("event_description", .string(v.eventDescription)),
                        ("replay", .string(run.replayCommand)),
                    ])
                ]
            } ?? []
        var fields: [(String, JSON)] = [
            ("file", .string(run.file)),
            ("name", .string(r.name)),
            ("passed", .bool(run.passed)),
            ("seed", .uint(r.seed)),
            ("trace_hash", .string(r.traceHash)),
            ("events", .int(Int64(r.events))),
            ("simulated_seconds", JSON.rounded(Double(r.simulatedNanoseconds) / 1e9, 3)),
            ("wall_seconds", JSON.rounded(run.wallSeconds, 4)),
            ("rto_seconds", rtoJSON(r.rtoNanoseconds)),
            ("rto_by_tier_seconds", rtoByTierJSON(r.recoveries)),
            ("recoveries", .array(r.recoveries.map(recoveryJSON))),
            ("rto_samples_seconds", .array(r.rtoNanoseconds.map { JSON.rounded(Double($0) / 1e9, 3) })),
            ("golden_log", run.goldenProblem.map { .string($0) } ?? .string("ok")),
            (
                "expectations",
                .array(
                    r.expectations.map { e in
                        .object([("name", .string(e.name)), ("passed", .bool(e.passed)), ("detail", .string(e.detail))])
                    })
            ),
            ("violations", .array(violations)),
            ("instances", .object(r.summary.instanceCounts.map { ($0.0, .int(Int64($0.1))) })),
            ("hosts", .array(r.summary.hosts.map(hostJSON))),
            ("vms", .array(r.summary.vms.map(vmJSON))),
            ("gpu_placements", .array(r.summary.gpuPlacements.map(gpuPlacementJSON))),
            ("log", .array(r.log.map { .string(String($0.drop(while: { $0 == " " }))) })),
        ]
        if let p = r.processes { fields.insert(("processes", processesJSON(p)), at: fields.count - 1) }
        return .object(fields)
    }

    /// `{"arrivals", "rejected", "deletions", "failures": [{"process", "failures", "repairs"}]}`.
    public static func processesJSON(_ p: ProcessStats) -> JSON {
        .object([
            ("arrivals", .int(Int64(p.arrivals))), ("rejected", .int(Int64(p.rejected))),
            ("deletions", .int(Int64(p.deletions))),
            (
                "failures",
                .array(
                    p.labels.indices.map { i in
                        .object([
                            ("process", .string(p.labels[i])), ("failures", .int(Int64(p.failures[i]))),
                            ("repairs", .int(Int64(p.repairs[i]))),
                        ])
                    })
            ),
        ])
    }

    /// `{"instance", "host", "gpus": [{"gpu", "UUID", "model", "mode", "profile", "count", "mig_start"}]}`.
    static func gpuPlacementJSON(_ p: GPUPlacementSummary) -> JSON {
        .object([
            ("instance", .string(p.instance)), ("host", .string(p.host)),
            (
                "gpus",
                .array(
                    p.gpus.map { g in
                        .object([
                            ("gpu", .int(Int64(g.gpu))), ("UUID", .string(g.uuid)), ("model", .string(g.model)),
                            ("mode", .string(g.mode)), ("profile", .string(g.profile)), ("count", .int(Int64(g.count))),
                            ("mig_start", g.migStart.map { .int(Int64($0)) } ?? .null),
                        ])
                    })
            ),
        ])
    }

    /// `{"p50", "p90", "p99", "max", "count"}` in seconds, or null without recoveries.
    public static func rtoJSON(_ ns: [UInt64]) -> JSON {
        guard let p = Percentiles(ns) else { return .null }
        func s(_ v: UInt64) -> JSON { JSON.rounded(Double(v) / 1e9, 3) }
        return .object([
            ("p50", s(p.p50)), ("p90", s(p.p90)), ("p99", s(p.p99)), ("max", s(p.max)),
            ("count", .int(Int64(ns.count))),
        ])
    }

    /// `{"critical": {p50, p90, p99, max, count}, …}` for the tiers that had recoveries.
    public static func rtoByTierJSON(_ recoveries: [Recovery]) -> JSON {
        .object(recoveries.byTier.map { ($0.tier.rawValue, rtoJSON($0.nanoseconds)) })
    }

    /// One text line per tier: `critical: 4 VM(s), p50 …, p90 …, p99 …, max …`.
    public static func rtoByTierText(_ recoveries: [Recovery], indent: String) -> String {
        recoveries.byTier.map { t in
            guard let p = Percentiles(t.nanoseconds) else { return "" }
            return "\(indent)\(t.tier.rawValue): \(t.nanoseconds.count) VM(s), p50 \(SimTime.format(p.p50)), p90 "
                + "\(SimTime.format(p.p90)), p99 \(SimTime.format(p.p99)), max \(SimTime.format(p.max))\n"
        }.joined()
    }

    static func vmJSON(_ v: VMSummary) -> JSON {
        let node: JSON = v.node.map { .string($0) } ?? .null
        let blocked: JSON = v.blocked.map { .string($0) } ?? .null
        return .object([
            ("name", .string(v.name)), ("tier", .string(v.tier)), ("ha_state", .string(v.haState)), ("node", node),
            ("blocked", blocked), ("running_on", .array(v.runningOn.map { .string($0) })),
        ])
    }

    static func recoveryJSON(_ v: Recovery) -> JSON {
        .object([
            ("vm", .string(v.instance)), ("tier", .string(v.tier.rawValue)),
            ("down_at_seconds", JSON.rounded(Double(v.downAt) / 1e9, 3)),
            ("rto_seconds", JSON.rounded(Double(v.nanoseconds) / 1e9, 3)),
        ])
    }

    static func hostJSON(_ h: HostSummary) -> JSON {
        .object([
            ("name", .string(h.name)), ("id", .string(h.id)), ("template", .string(h.template)),
            ("rack", .string(h.rack)), ("power", .string(h.power)), ("health", .string(h.health)),
            ("instances", .int(Int64(h.instances))), ("heartbeats", .int(Int64(h.heartbeats))),
            ("failed_gpus", .int(Int64(h.failedGPUs))),
        ])
    }

    /// A human-readable report: the decision log, the hosts, the expectations, the verdict.
    public static func text(_ runs: [ScenarioRun]) -> String {
        var out = ""
        for run in runs {
            let r = run.result
            out += "== \(r.name) (\(run.file)) seed \(r.seed)\n"
            out += "-- decision log (virtual seconds)\n"
            for line in r.log { out += line + "\n" }
            out += "-- hosts\n"
            out +=
                pad("HOST", 14) + pad("TEMPLATE", 16) + pad("RACK", 8) + pad("POWER", 8) + pad("HEALTH", 12)
                + pad("VMS", 5) + "HEARTBEATS\n"
            for h in r.summary.hosts {
                out +=
                    pad(h.name, 14) + pad(h.template, 16) + pad(h.rack, 8) + pad(h.power, 8) + pad(h.health, 12)
                    + pad(String(h.instances), 5) + String(h.heartbeats) + "\n"
            }
            if !r.summary.vms.isEmpty {
                out +=
                    "-- HA VMs\n" + pad("VM", 14) + pad("TIER", 10) + pad("HA STATE", 10) + pad("NODE", 14)
                    + "RUNNING ON\n"
                for v in r.summary.vms {
                    let on = v.runningOn.isEmpty ? "-" : v.runningOn.joined(separator: ",")
                    out +=
                        pad(v.name, 14) + pad(v.tier, 10) + pad(v.haState, 10) + pad(v.node ?? "-", 14) + on
                        + (v.blocked.map { "  (\($0))" } ?? "") + "\n"
                }
            }
            out +=
                "-- instances: " + r.summary.instanceCounts.map { "\($0.1) \($0.0)" }.joined(separator: ", ")
                + "\n-- expectations\n"
            for e in r.expectations { out += "  [\(e.passed ? "PASS" : "FAIL")] \(e.name): \(e.detail)\n" }
            if let p = Percentiles(r.rtoNanoseconds) {
                out +=
                    "  RTO over \(r.rtoNanoseconds.count) VM(s): p50 \(SimTime.format(p.p50)), p90 "
                    + "\(SimTime.format(p.p90)), p99 \(SimTime.format(p.p99)), max \(SimTime.format(p.max))\n"
                out += rtoByTierText(r.recoveries, indent: "    ")
            }
            if let p = r.processes {
                let failures = p.labels.indices.filter { p.failures[$0] > 0 }.map {
                    "\(p.labels[$0]) \(p.failures[$0])"
                }
                out +=
                    "  processes: \(p.arrivals) arrival(s) (\(p.rejected) not placed), \(p.deletions) deletion(s); "
                    + "failures: \(failures.isEmpty ? "none" : failures.joined(separator: ", "))\n"
            }
            if let g = run.goldenProblem { out += "  [FAIL] golden log: \(g)\n" }
            if let v = r.violation {
                out +=
                    "  [FAIL] invariant \(v.invariant) at \(SimTime.format(v.time)) after \(v.eventDescription): "
                    + "\(v.detail)\n  replay: \(run.replayCommand)\n"
            }
            out +=
                "-- \(run.passed ? "PASSED" : "FAILED"): \(r.events) events, "
                + "\(SimTime.format(r.simulatedNanoseconds)) simulated in \(formatWall(run.wallSeconds)), "
                + "trace \(r.traceHash)\n\n"
        }
        let failed = runs.count(where: { !$0.passed })
        out += "\(runs.count - failed) passed, \(failed) failed\n"
        return out
    }

    static func pad(_ s: String, _ n: Int) -> String {
        s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count)
    }

    static func formatWall(_ s: Double) -> String {
        let ms = (s * 1000).rounded()
        return "\(Int(ms)) ms"
    }

    /// JUnit XML: one testsuite per scenario, one testcase per expectation (plus the invariants).
    public static func junit(_ runs: [ScenarioRun]) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let total = runs.reduce(0) { $0 + $1.result.expectations.count + 2 }
        let failures = runs.reduce(0) { acc, run in
            acc + run.result.expectations.count(where: { !$0.passed }) + (run.result.violation == nil ? 0 : 1)
                + (run.goldenProblem == nil ? 0 : 1)
        }
        out += "<testsuites name=\"cloudplane scenarios\" tests=\"\(total)\" failures=\"\(failures)\">\n"
        for run in runs {
            let r = run.result
            let cases =
                r.expectations.map { ($0.name, $0.passed, $0.detail) }
                + [
                    (
                        "invariants", r.violation == nil,
                        r.violation.map { "\($0.invariant): \($0.detail); replay: \(run.replayCommand)" } ?? "held"
                    ),
                    ("golden_log", run.goldenProblem == nil, run.goldenProblem ?? "matches"),
                ]
            out +=
                "  <testsuite name=\"\(xml(r.name))\" tests=\"\(cases.count)\" "
                + "failures=\"\(cases.count(where: { !$0.1 }))\" time=\"\(run.wallSeconds)\">\n"
            out +=
                "    <properties><property name=\"seed\" value=\"\(r.seed)\"/>"
                + "<property name=\"trace_hash\" value=\"\(r.traceHash)\"/></properties>\n"
            for (name, passed, detail) in cases {
                out += "    <testcase classname=\"\(xml(run.file))\" name=\"\(xml(name))\""
                if passed {
                    out += "/>\n"
                } else {
                    out += ">\n      <failure message=\"\(xml(detail))\">\(xml(detail))</failure>\n    </testcase>\n"
                }
            }
            out += "  </testsuite>\n"
        }
        return out + "</testsuites>\n"
    }

    /// Compares a decision log with a golden log line by line; nil when they are equal.
    public static func goldenDifference(log: [String], golden: String) -> String? {
        var expected = golden.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if expected.last == "" { expected.removeLast() }
        for i in 0..<max(log.count, expected.count) {
            let got = i < log.count ? log[i] : "<end of log>"
            let want = i < expected.count ? expected[i] : "<end of golden log>"
            if got != want {
                return
                    "line \(i + 1) differs: expected '\(want.trimmingLeadingSpaces)', got '\(got.trimmingLeadingSpaces)'"
                    + " (rewrite with --update-golden after reviewing)"
            }
        }
        return nil
    }

    /// The golden log of a scenario file: `NAME.yaml` → `NAME.log.expect`.
    public static func goldenPath(_ file: String) -> String {
        (file.hasSuffix(".yaml") ? String(file.dropLast(5)) : file) + ".log.expect"
    }

    static func xml(_ s: String) -> String {
        var o = ""
        for c in s {
            switch c {
            case "&": o += "&amp;"
            case "<": o += "&lt;"
            case ">": o += "&gt;"
            case "\"": o += "&quot;"
            case "'": o += "&apos;"
            default: o.append(c)
            }
        }
        return o
    }
}
