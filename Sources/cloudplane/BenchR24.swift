import ArgumentParser
import CloudBench
import CloudControl
import CloudModel
import CloudScenario
import CloudSim
import Foundation

/// `cloudplane bench r24`: the R24 reference run (`reference/simulation.md` §5.1) with churn,
/// failure processes, HA and every checker on, run `--runs` times in this process.
struct BenchR24: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "r24",
        abstract: "The R24 reference run: a fleet with churn and failure processes, HA and checkers on.")

    @Option(help: "Hosts (the R24 mix scaled: half CPU, 30% H100×8, 20% A100×8; 20 VMs per host).")
    var hosts: Int = 10_000
    @Option(help: "Simulated time.") var duration: String = "24h"
    @Option(help: "Runs (the median wall time is reported; every trace hash must be equal).") var runs: Int = 3
    @Option(help: "Seed.") var seed: UInt64 = 24
    @Option(help: "text or json.") var format: OutputFormat = .text

    func validate() throws {
        guard hosts >= 10 && hosts <= 1_000_000 else { throw ValidationError("--hosts: must be in 10…1000000") }
        guard runs >= 1 && runs <= 20 else { throw ValidationError("--runs: must be in 1…20") }
        guard let d = ScenarioParser.duration(duration), d > 0 else {
            throw ValidationError("--duration: bad duration '\(duration)' (e.g. 1h, 24h)")
        }
    }

    func run() throws {
        let ns = try durationFlag(duration, "--duration")
        let spec = R24Scenario.spec(hosts: hosts, duration: ns, seed: seed)
        let clock = ContinuousClock()
        var walls: [Double] = []
        var hashes: [String] = []
        var last: SimulationResult?
        for _ in 0..<runs {
            let t0 = clock.now
            var sim = try Simulation(spec: spec)
            let r = sim.run()
            walls.append(seconds(clock.now - t0))
            hashes.append(r.traceHash)
            last = r
        }
        guard let r = last else { throw ExitCode(1) }
        let wall = median(walls)
        let gpus = spec.datacenters.flatMap { $0.clusters.flatMap(\.hostGroups) }.reduce(0) { n, g in
            n + g.count * (HardwareTemplate.named(g.template)?.gpuCount ?? 0)
        }
        let vms = r.summary.instanceCounts.reduce(0) { $0 + $1.1 }
        let report = JSON.object([
            ("benchmark", .string("r24")), ("hosts", .int(Int64(hosts))), ("gpus", .int(Int64(gpus))),
            ("vms", .int(Int64(vms))), ("vms_initial", .int(Int64(spec.workload.reduce(0) { $0 + $1.count }))),
            ("simulated_seconds", JSON.rounded(Double(ns) / 1e9, 3)), ("runs", .int(Int64(runs))),
            ("wall_seconds", JSON.rounded(wall, 3)), ("wall_seconds_runs", .array(walls.map { JSON.rounded($0, 3) })),
            ("events", .int(Int64(r.events))), ("events_per_second", JSON.rounded(Double(r.events) / wall, 1)),
            ("wall_ms_per_event", JSON.rounded(wall * 1000 / Double(max(1, r.events)), 4)),
            ("peak_rss_bytes", .int(Int64(peakRSSBytes()))),
            ("rto_seconds_by_tier", ScenarioReport.rtoByTierJSON(r.recoveries)),
            ("processes", r.processes.map(ScenarioReport.processesJSON) ?? .null),
            ("violation", r.violation.map { .string("\($0.invariant): \($0.detail)") } ?? .null),
            ("trace_hashes", .array(hashes.map { .string($0) })), ("trace_hashes_equal", .bool(Set(hashes).count == 1)),
        ])
        if format == .json {
            print(report.pretty())
        } else {
            print(
                "r24: \(hosts) hosts, \(gpus) GPUs, \(vms) VMs, \(SimTime.format(ns)) simulated: \(r.events) events, "
                    + "wall \(String(format: "%.2f", wall)) s (median of \(runs)), "
                    + "\(String(format: "%.3f", wall * 1000 / Double(max(1, r.events)))) ms/event, "
                    + "peak RSS \(peakRSSBytes() / 1_048_576) MiB, hashes \(Set(hashes).count == 1 ? "equal" : "DIFFER")"
            )
        }
        if Set(hashes).count != 1 || r.violation != nil { throw ExitCode(1) }
    }
}

/// The process's peak resident set (`VmHWM` of /proc/self/status), in bytes; 0 where unknown.
func peakRSSBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
        return kb * 1024
    }
    return 0
}
