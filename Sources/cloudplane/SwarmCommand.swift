import ArgumentParser
import CloudScenario
import CloudSim
import Foundation

struct ScenarioSwarm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swarm",
        abstract: "Randomized fault schedules over many seeds; every invariant must hold and every run converge.")

    @Option(help: "Number of seeds.") var seeds: UInt64 = 1000
    @Option(help: "First seed.") var from: UInt64 = 1
    @Option(help: "text or json.") var format: OutputFormat = .text
    @Flag(help: "Print each seed's drawn options (and, for a single seed, its decision log).") var verbose = false
    @Flag(help: "Test-only mutation: recover without fencing (S1/S2 must fire).") var unsafeSkipFence = false
    @Flag(help: "Test-only mutation: the storage cluster accepts an unfence it cannot carry out (S12 must fire).")
    var unsafeAcceptBeforeSchedule = false
    @Flag(help: "Test-only mutation: restart each host's VMs without regard to other hosts' tiers (S14 must fire).")
    var unsafeIgnorePriority = false

    var mutations: SwarmMutations {
        var m: SwarmMutations = []
        if unsafeSkipFence { m.insert(.skipFence) }
        if unsafeAcceptBeforeSchedule { m.insert(.acceptBeforeSchedule) }
        if unsafeIgnorePriority { m.insert(.ignorePriority) }
        return m
    }

    func validate() throws {
        guard seeds >= 1 else { throw ValidationError("--seeds must be at least 1") }
        guard from <= UInt64.max - seeds else { throw ValidationError("--from + --seeds overflows") }
    }

    func run() throws {
        let clock = ContinuousClock()
        let start = clock.now
        var failures: [SwarmSeedResult] = []
        var rto: [Recovery] = []
        var slowest: (UInt64, Double) = (from, 0)
        for seed in from..<(from + seeds) {
            let t0 = clock.now
            let r = Swarm.run(seed: seed, mutations: mutations)
            let wall = seconds(clock.now - t0)
            if wall > slowest.1 { slowest = (seed, wall) }
            rto += r.recoveries
            if !r.passed { failures.append(r) }
            if verbose && format == .text {
                print("seed \(seed): \(r.passed ? "ok" : "FAILED") \(r.options)")
                if seeds == 1 { for line in r.log { print(line) } }
            }
        }
        let wall = seconds(clock.now - start)
        let flag =
            (unsafeSkipFence ? " --unsafe-skip-fence" : "")
            + (unsafeAcceptBeforeSchedule ? " --unsafe-accept-before-schedule" : "")
            + (unsafeIgnorePriority ? " --unsafe-ignore-priority" : "")
        func replay(_ s: UInt64) -> String { "cloudplane scenario swarm --from \(s) --seeds 1 --verbose\(flag)" }
        if format == .json {
            let items: [JSON] = failures.map { f in
                .object([
                    ("seed", .uint(f.seed)),
                    ("invariant", .string(f.violation?.invariant ?? "S12_liveness")),
                    (
                        "detail",
                        .string(f.violation.map { "\($0.detail) at \(SimTime.format($0.time))" } ?? f.unconverged ?? "")
                    ),
                    ("options", .string(f.options)),
                    ("replay", .string(replay(f.seed))),
                ])
            }
            print(
                JSON.object([
                    ("passed", .bool(failures.isEmpty)), ("seeds", .uint(seeds)), ("from", .uint(from)),
                    ("violations", .array(items)), ("wall_seconds", JSON.rounded(wall, 3)),
                    ("seconds_per_seed", JSON.rounded(wall / Double(seeds), 5)),
                    (
                        "slowest_seed",
                        .object([("seed", .uint(slowest.0)), ("wall_seconds", JSON.rounded(slowest.1, 4))])
                    ),
                    ("rto_seconds", ScenarioReport.rtoJSON(rto.map(\.nanoseconds))),
                    ("rto_by_tier_seconds", ScenarioReport.rtoByTierJSON(rto)),
                ]).serialized())
        } else {
            for f in failures {
                let what =
                    f.violation.map { "\($0.invariant) at \(SimTime.format($0.time)): \($0.detail)" }
                    ?? "S12_liveness: \(f.unconverged ?? "")"
                print("seed \(f.seed) FAILED: \(what)\n  options: \(f.options)\n  replay: \(replay(f.seed))")
            }
            let p = Percentiles(rto.map(\.nanoseconds))
            print(
                "\(seeds - UInt64(failures.count)) of \(seeds) seeds passed in \(String(format: "%.1f", wall)) s "
                    + "(slowest seed \(slowest.0): \(Int(slowest.1 * 1000)) ms)"
                    + (p.map {
                        "; RTO p50 \(SimTime.format($0.p50)), p99 \(SimTime.format($0.p99)), max \(SimTime.format($0.max))"
                    } ?? ""))
            print(ScenarioReport.rtoByTierText(rto, indent: "  "), terminator: "")
        }
        if !failures.isEmpty { throw ExitCode.failure }
    }
}
