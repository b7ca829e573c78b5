import CloudModel
import CloudScenario
import CloudSim
import Foundation
import Testing

/// Scenario processes: arrivals follow their rate and daily profile, lifetimes end instances,
/// failure processes fail units at 1/MTBF each and repair them, every process has its own stream,
/// and bad process definitions are refused naming the field.
@Suite struct ProcessTests {
    /// Sixteen roomy CPU hosts in two racks and two GPU hosts, one workload group, and
    /// `processes`; the detector checks every 3 s (the runs are hours long).
    static func yaml(duration: String = "4h", count: Int = 0, processes: String) -> String {
        """
        name: processes
        seed: 11
        duration: \(duration)
        settings: {heartbeat_interval: 2s, check_interval: 3s, suspect_after: 6s, unreachable_after: 20s}
        topology:
          datacenters:
            - name: dc
              clusters:
                - name: general
                  zone: az-1
                  policy: {strategy: spread, cpu_overcommit: 16}
                  hosts:
                    - {name: cpu, template: cpu-2s, count: 16, racks: [r1, r2]}
                - name: gpu
                  zone: az-1
                  hosts:
                    - {name: h100, template: gpu-h100-sxm8, count: 2, rack: r3}
        workload:
          - {name: web, count: \(count), flavor: m1.small, tenant: acme, ha: normal, cluster: general}
        processes:
        \(processes.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
        """
    }

    static func run(_ text: String, seed: UInt64? = nil) throws -> SimulationResult {
        let spec = try ScenarioParser.parse(text, file: "processes.yaml")
        var sim = try Simulation(spec: spec, seed: seed)
        return sim.run()
    }

    /// Times (seconds) of the log lines that start with `prefix` after the timestamp (for
    /// `workload: instance`, its creations only).
    static func times(_ r: SimulationResult, _ prefix: String) -> [Double] {
        r.log.compactMap { line in
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[1].hasPrefix(prefix) else { return nil }
            if prefix.hasPrefix("workload: instance") && parts[1].contains("' destroyed") { return nil }
            return Double(parts[0])
        }
    }

    @Test func arrivalsFollowThePoissonRate() throws {
        let r = try Self.run(
            Self.yaml(
                duration: "2h", processes: "arrivals:\n  - {workload: web, rate: 1200/h, lifetime: {exponential: 2m}}"))
        let p = try #require(r.processes)
        // 1,200/h for 2 h: mean 2,400, standard deviation 49; five of them either way
        #expect(abs(p.arrivals - 2_400) < 5 * 49, "\(p.arrivals) arrivals")
        #expect(p.deletions > 2_000)
        #expect(Self.times(r, "workload: instance 'web-a").count == p.arrivals)
        #expect(r.violation == nil)
    }

    @Test func theDailyProfilePeaksAtItsHour() throws {
        let r = try Self.run(
            Self.yaml(
                duration: "24h",
                processes:
                    "arrivals:\n  - {workload: web, rate: 200/h, diurnal: 0.8, peak_hour: 12, lifetime: {exponential: 1m}}"
            ))
        let hours = Self.times(r, "workload: instance").map { $0 / 3600 }
        let peak = hours.count(where: { $0 >= 9 && $0 < 15 })
        let trough = hours.count(where: { $0 < 3 || $0 >= 21 })
        // rate 200·(1 + 0.8·cos): the six hours around the peak average 1.72×, those around the
        // trough 0.28× (a ratio of 6); both counts are in the hundreds
        #expect(peak > 3 * trough, "peak \(peak), trough \(trough)")
        // the daily mean stays the rate: 4,800 ± 5σ
        #expect(abs(hours.count - 4_800) < 5 * 70, "\(hours.count) arrivals")
    }

    @Test func steadyArrivalsKeepThePopulation() throws {
        let r = try Self.run(
            Self.yaml(
                duration: "4h", count: 100,
                processes: "arrivals:\n  - {workload: web, rate: steady, lifetime: {exponential: 30m}}"))
        let p = try #require(r.processes)
        let running = r.summary.instanceCounts.first { $0.0 == "running" }?.1 ?? 0
        // steady: 200 per hour for a mean life of 30 m; the population is Poisson(100) (σ 10)
        #expect(abs(running - 100) < 50, "\(running) running")
        // over 8 mean lifetimes nearly every initial instance and most new ones were deleted
        #expect(p.deletions > p.arrivals / 2 + 90, "\(p.deletions) deletions of \(p.arrivals) arrivals")
        #expect(p.deletions + running == p.arrivals + 100 - p.rejected)
    }

    @Test func initialInstancesLiveTheirLifetime() throws {
        let r = try Self.run(
            Self.yaml(
                duration: "2h", count: 40,
                processes: "arrivals:\n  - {workload: web, rate: 0/h, lifetime: {lognormal: {median: 10m, sigma: 0.5}}}"
            ))
        let p = try #require(r.processes)
        // a log-normal with median 10 m and σ 0.5 passes 2 h with probability ≈ 3e-7
        #expect(p.arrivals == 0)
        #expect(p.deletions == 40)
        #expect(r.summary.instanceCounts.first { $0.0 == "running" }?.1 == 0)
    }

    @Test func hostFailuresFollowTheirMTBFAndAreRepaired() throws {
        let r = try Self.run(
            Self.yaml(
                duration: "8h", count: 32,
                processes: "failures:\n  - {component: host, mtbf: 10h, repair: 20m, cluster: general}"))
        let p = try #require(r.processes)
        // 16 hosts × 8 h / 10 h = 12.8 expected (a little less: a host under repair cannot fail), σ ≈ 6
        let n = p.failures[0]
        #expect(n >= 3 && n <= 30, "\(n) failures")
        #expect(p.repairs[0] <= n && p.repairs[0] >= n - 2)
        #expect(Self.times(r, "failures: host cpu-").count == n + p.repairs[0])
        #expect(Self.times(r, "failures: host h100").isEmpty)
        #expect(r.violation == nil)
        // a failure cuts the host's power (unless it is already off), a repair restores it
        let cuts = r.log.count(where: { $0.contains("power cut (stays off until restored)") })
        #expect(cuts >= 1 && cuts <= n)
        #expect(r.log.count(where: { $0.hasSuffix("power restored; booting") }) <= p.repairs[0])
    }

    @Test func manyFailuresMatchTheRateAcrossSeeds() throws {
        // a GPU Xid 13 (application) process leaves GPUs healthy: every failure is independent
        let text = Self.yaml(
            duration: "4h", processes: "failures:\n  - {component: gpu, xid: 13, mtbf: 4h, repair: 1h}")
        var total = 0
        for seed in UInt64(1)...4 { total += try #require(try Self.run(text, seed: seed).processes).failures[0] }
        // 16 GPUs × 4 h / 4 h = 16 per run, 64 over four seeds (σ = 8)
        #expect(abs(total - 64) < 5 * 8, "\(total) failures")
    }

    @Test func everyProcessDrawsFromItsOwnStream() throws {
        let arrivals = "arrivals:\n  - {workload: web, rate: 120/h, lifetime: {exponential: 10m}}"
        let alone = try Self.run(Self.yaml(processes: arrivals))
        let withFailures = try Self.run(
            Self.yaml(processes: arrivals + "\nfailures:\n  - {component: link, mtbf: 10h, repair: 10m}"))
        func created(_ r: SimulationResult) -> [String] {
            r.log.filter { $0.contains("workload: instance") }.map {
                String($0.prefix(10)) + ($0.split(separator: "'").dropFirst().first.map(String.init) ?? "")
            }
        }
        #expect(created(alone) == created(withFailures))
        #expect(try #require(withFailures.processes).failures[0] > 0)
        let again = try Self.run(Self.yaml(processes: arrivals))
        #expect(again.traceHash == alone.traceHash)
    }

    @Test func thePresetScalesWithTheFleet() throws {
        let spec = try ScenarioParser.parse(
            Self.yaml(processes: "failures:\n  - {preset: llama3, scale: 2, cluster: gpu}"), file: "p.yaml")
        let f = spec.processes.failures
        #expect(f.count == FailurePresets.llama3().count)
        #expect(f.allSatisfy { $0.cluster == "gpu" })
        // faulty GPUs: 148 in 54 days on 16,384 GPUs, twice as often
        let faulty = try #require(f.first { $0.component == .gpu(xid: 79) })
        let expectedHours = 54.0 * 24 * 16_384 / (148 * 2)
        #expect(abs(Double(faulty.mtbf) / Double(SimTime.hour) - expectedHours) < 1)
    }

    @Test(arguments: [
        ("arrivals:\n  - {workload: nope, rate: 1/h}", "processes.arrivals[0].workload", "unknown workload group"),
        ("arrivals:\n  - {workload: web, rate: -1/h}", "processes.arrivals[0].rate", "non-negative"),
        ("arrivals:\n  - {workload: web, rate: 3/week}", "processes.arrivals[0].rate", "bad rate"),
        ("arrivals:\n  - {workload: web, rate: steady}", "processes.arrivals[0].rate", "needs a 'lifetime'"),
        ("arrivals:\n  - {workload: web, rate: 1/h, diurnal: 2}", "processes.arrivals[0].diurnal", "out of range"),
        (
            "arrivals:\n  - {workload: web, rate: 1/h, lifetime: {weibull: 2h}}",
            "processes.arrivals[0].lifetime.weibull",
            "unknown key"
        ),
        (
            "failures:\n  - {component: disk, mtbf: 1h, repair: 1h}", "processes.failures[0].component",
            "unknown component"
        ),
        ("failures:\n  - {component: gpu, mtbf: 1h, repair: 1h}", "processes.failures[0].component", "needs 'xid'"),
        ("failures:\n  - {component: host, mtbf: 0s, repair: 1h}", "processes.failures[0].mtbf", "positive"),
        (
            "failures:\n  - {component: host, xid: 79, mtbf: 1h, repair: 1h}", "processes.failures[0].component",
            "'xid' goes with"
        ),
        ("failures:\n  - {preset: meta, scale: 1}", "processes.failures[0].preset", "unknown preset"),
        (
            "failures:\n  - {component: host, mtbf: 1h, repair: 1h, cluster: x}", "processes.failures[0].cluster",
            "unknown cluster"
        ),
    ])
    func badProcessesNameTheField(_ c: (String, String, String)) throws {
        do {
            _ = try ScenarioParser.parse(Self.yaml(processes: c.0), file: "bad.yaml")
            Issue.record("accepted: \(c.0)")
        } catch {
            #expect(error.field == c.1, "\(error)")
            #expect(error.message.contains(c.2), "\(error)")
        }
    }
}
