import CloudControl
import CloudModel

/// One seed's answer to "what if these hosts lose power at once".
public struct RackLossRun: Sendable {
    public var seed: UInt64
    public var recoveries: [Recovery]
    /// HA VMs of the lost hosts that did not run again within the window.
    public var unrestored: [UnrestoredVM]
    /// Instances that ran on the lost hosts (HA or not).
    public var affected: Int
    /// Instances without HA that ran on the lost hosts (they stay down until the hosts return).
    public var unprotected: Int
    public var headroom: [HeadroomRow]
    public var traceHash: String
}

/// The aggregate over seeds.
public struct RackLossAnswer: Sendable {
    public var hosts: [String]
    public var seeds: Int
    public var windowSeconds: Double
    /// Per tier: recovery times over every seed, nanoseconds, sorted.
    public var rtoByTier: [(tier: HAPriority, nanoseconds: [UInt64])]
    /// Unrestored VMs per tier and blocker, summed over seeds (divide by `seeds` for a mean).
    public var unrestored: [(tier: HAPriority, blocker: RestartBlocker, count: Int)]
    /// The first seed's unrestored VMs (names and reasons), for the report.
    public var examples: [UnrestoredVM]
    public var affectedPerSeed: Double
    public var unprotectedPerSeed: Double
    /// The lowest headroom over seeds, per row.
    public var headroom: [HeadroomRow]
}

extension Planner {
    /// The scenario cut down to the question: its fleet and workload, no processes, no timeline
    /// but the loss of `hosts` at `at`, run until `at + window`.
    public static func rackLossSpec(_ spec: ScenarioSpec, hosts: [String], at: UInt64, window: UInt64) -> ScenarioSpec {
        var s = spec
        s.processes = ProcessSpec()
        s.timeline = [TimedAction(at: at, action: .powerCut(hosts: hosts))]
        s.duration = at + window
        s.expectations = []
        return s
    }

    /// Runs seed `seed` of the rack-loss question (checkers off: every figure is the same).
    public static func rackLossRun(
        _ spec: ScenarioSpec, hosts: [String], at: UInt64, window: UInt64, seed: UInt64
    ) throws(SimulationError) -> RackLossRun {
        let s = rackLossSpec(spec, hosts: hosts, at: at, window: window)
        var sim = try Simulation(spec: s, seed: seed, checkers: false)
        sim.advance(to: at - 1)
        let lost = sim.hostIndices(named: hosts)
        let affected = sim.instances(on: lost)
        let unprotected = affected.count(where: { sim.world.instances[$0].instance.haPriority == .none })
        let result = sim.run()
        return RackLossRun(
            seed: seed, recoveries: result.recoveries, unrestored: sim.unrestored(affected), affected: affected.count,
            unprotected: unprotected, headroom: sim.headroom(), traceHash: result.traceHash)
    }

    /// Aggregates per-seed runs (in seed order).
    public static func rackLoss(hosts: [String], window: UInt64, runs: [RackLossRun]) -> RackLossAnswer {
        let all = runs.flatMap(\.recoveries)
        var counts: [(HAPriority, RestartBlocker, Int)] = []
        for t in HAPriority.allCases {
            for b in RestartBlocker.allCases {
                let n = runs.reduce(0) { $0 + $1.unrestored.count(where: { $0.tier == t && $0.blocker == b }) }
                if n > 0 { counts.append((t, b, n)) }
            }
        }
        var headroom = runs.first?.headroom ?? []
        for r in runs.dropFirst() {
            for (i, row) in r.headroom.enumerated() where i < headroom.count {
                headroom[i].vcpus = min(headroom[i].vcpus, row.vcpus)
                headroom[i].memoryGB = min(headroom[i].memoryGB, row.memoryGB)
                headroom[i].freeGPUs = min(headroom[i].freeGPUs, row.freeGPUs)
            }
        }
        let n = Double(max(1, runs.count))
        return RackLossAnswer(
            hosts: hosts, seeds: runs.count, windowSeconds: Double(window) / 1e9,
            rtoByTier: all.byTier.map { ($0.tier, $0.nanoseconds.sorted()) },
            unrestored: counts.map { (tier: $0.0, blocker: $0.1, count: $0.2) },
            examples: runs.first?.unrestored ?? [],
            affectedPerSeed: Double(runs.reduce(0) { $0 + $1.affected }) / n,
            unprotectedPerSeed: Double(runs.reduce(0) { $0 + $1.unprotected }) / n, headroom: headroom)
    }
}
