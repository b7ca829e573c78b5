import ArgumentParser
import CRadixBaseline
import CloudBench
import CloudScenario
import CloudSim

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Run the performance benchmarks.",
        subcommands: [
            BenchSim.self, BenchScheduler.self, BenchSchedulerQuality.self, BenchExposition.self, BenchRemoteWrite.self,
            BenchAPI.self, BenchR24.self,
        ])
}

/// Output format shared by every reporting command.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

struct BenchSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Hold-model benchmark of the event kernel against a C radix heap, in the same run.")

    @Option(help: "Events pending in the future-event set.") var pending: Int
    @Option(help: "Events dispatched per measured run.") var events: Int = 5_000_000
    @Option(help: "Measured runs of each implementation (the median is reported).") var runs: Int = 5
    @Option(help: "PRNG seed.") var seed: UInt64 = 1
    @Option(help: "text or json.") var format: OutputFormat = .text

    func validate() throws {
        guard pending >= 1 && pending <= 50_000_000 else { throw ValidationError("--pending must be 1...50000000") }
        guard events >= 1 else { throw ValidationError("--events must be at least 1") }
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
    }

    func run() throws {
        var ours = [Double]()
        var base = [Double]()
        var bytes = 0.0
        var baseBytes = 0.0
        var growth = 0
        var match = true
        let clock = ContinuousClock()
        for _ in 0..<runs {
            var model = HoldModel(pending: pending, seed: seed)
            let before = model.kernel.queueBytes
            let start = clock.now
            model.run(events: events)
            let elapsed = clock.now - start
            growth = max(growth, model.kernel.queueBytes - before)
            bytes = model.bytesPerPendingEvent
            let hash = model.kernel.finalTraceHash()
            ours.append(Double(events) / seconds(elapsed))

            var ns: UInt64 = 0
            let r = cp_baseline_hold(UInt64(pending), UInt64(events), seed, &ns)
            base.append(Double(events) / (Double(ns) / 1e9))
            baseBytes = Double(r.allocated_bytes) / Double(pending)
            match = match && hash == TraceHasher.hex(r.hash_hi, r.hash_lo)
        }
        let m = median(ours)
        let mb = median(base)
        let report = JSON.object([
            ("benchmark", .string("sim.hold")),
            ("pending", .int(Int64(pending))),
            ("events", .int(Int64(events))),
            ("runs", .int(Int64(runs))),
            ("events_per_second", .int(Int64(m))),
            ("events_per_second_runs", .array(ours.map { .int(Int64($0)) })),
            ("bytes_per_pending_event", JSON.rounded(bytes, 2)),
            ("queue_growth_bytes_during_run", .int(Int64(growth))),
            ("baseline", .string("C radix heap, per-bucket growable arrays")),
            ("baseline_events_per_second", .int(Int64(mb))),
            ("baseline_events_per_second_runs", .array(base.map { .int(Int64($0)) })),
            ("baseline_bytes_per_pending_event", JSON.rounded(baseBytes, 2)),
            ("ratio_to_baseline", JSON.rounded(m / mb, 3)),
            ("orders_match", .bool(match)),
        ])
        if format == .json {
            print(report.serialized())
        } else {
            print(report.pretty())
        }
        if !match { throw ExitCode.failure }
    }
}

func seconds(_ d: Duration) -> Double {
    let c = d.components
    return Double(c.seconds) + Double(c.attoseconds) / 1e18
}

func nanoseconds(_ d: Duration) -> Int64 {
    let c = d.components
    return c.seconds * 1_000_000_000 + c.attoseconds / 1_000_000_000
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    guard !s.isEmpty else { return 0 }
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
