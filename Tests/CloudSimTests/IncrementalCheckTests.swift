import CloudModel
import CloudScheduler
import Testing

@testable import CloudSim

/// The incremental checkers visit only what an event touched. On runs mutated mid-way (a state
/// corruption of the kind a buggy handler would leave), they must report the same first
/// violation, at the same event, as the full check after every event (`audit_every: 1`).
@Suite struct IncrementalCheckTests {
    /// A corruption applied between two events, through the simulator's own primitives (which
    /// log what they touch), as a handler with a bug would leave it.
    enum Mutation: CaseIterable, CustomStringConvertible {
        case claimReleasedBehindTheWorld, gpuHolderDropped, processOnDeadHost, secondWriter, gpuFailedUnderVM

        var description: String {
            switch self {
            case .claimReleasedBehindTheWorld: "claim released behind the world"
            case .gpuHolderDropped: "GPU holder dropped"
            case .processOnDeadHost: "power cut under running VMs"
            case .secondWriter: "second writer"
            case .gpuFailedUnderVM: "GPU failed under a running VM"
            }
        }

        /// The invariant the mutation breaks.
        var invariant: String {
            switch self {
            case .claimReleasedBehindTheWorld, .gpuHolderDropped: "capacity"
            case .processOnDeadHost: "no_running_on_dead_host"
            case .secondWriter: "S1_single_writer"
            case .gpuFailedUnderVM: "no_running_on_failed_gpu"
            }
        }
    }

    /// The small fleet with an empty CPU host losing power at 20 s (so a dead host exists) and
    /// the one with every CPU VM at 30 s (so they are fenced and restarted).
    static func spec(audit: UInt64) -> ScenarioSpec {
        var s = smallSpec(timeline: [
            TimedAction(at: 20 * SimTime.second, action: .powerOff(hosts: ["cpu-02"])),
            TimedAction(at: 30 * SimTime.second, action: .powerOff(hosts: ["cpu-01"])),
        ])
        s.settings.auditEvery = audit
        return s
    }

    static func apply(_ m: Mutation, to sim: inout Simulation) throws {
        let w = sim.world
        let gpuVM = try #require(
            w.instances.indices.first { w.instances[$0].host != nil && !w.instances[$0].gpuIndices.isEmpty })
        let cpuVM = try #require(
            w.instances.indices.last { v in
                w.instances[v].gpuIndices.isEmpty && w.instances[v].host.map { w.hosts[$0].power == .on } == true
            })
        switch m {
        case .claimReleasedBehindTheWorld:
            try sim.world.scheduler.release(try #require(w.claims[cpuVM]))
        case .gpuHolderDropped:
            let h = try #require(w.instances[gpuVM].host)
            sim.world.hosts[h].gpus[w.instances[gpuVM].gpuIndices[0]].holders.removeAll()
            sim.world.touched.mark(h)
        case .processOnDeadHost:
            let h = try #require(w.instances[gpuVM].host)
            sim.world.hosts[h].power = .off  // its processes are not killed
            sim.world.touched.mark(h)
        case .secondWriter:
            let other = try #require(w.hosts.indices.last { w.hosts[$0].power == .on && w.instances[cpuVM].host != $0 })
            sim.ha.procs.add(cpuVM, on: other)
        case .gpuFailedUnderVM:
            let h = try #require(w.instances[gpuVM].host)
            sim.world.hosts[h].gpus[w.instances[gpuVM].gpuIndices[0]].health = .failed
            sim.world.touched.mark(h)
        }
    }

    static func run(_ m: Mutation?, at t: UInt64, audit: UInt64) throws -> SimulationResult {
        var sim = try Simulation(spec: spec(audit: audit))
        sim.advance(to: t)
        if let m { try apply(m, to: &sim) }
        sim.advance(to: sim.spec.duration)
        return sim.finish()
    }

    @Test(arguments: Mutation.allCases)
    func incrementalAndFullReportTheSameFirstViolation(_ m: Mutation) throws {
        for t in [25 * SimTime.second, 120 * SimTime.second] {
            let full = try Self.run(m, at: t, audit: 1)
            let incremental = try Self.run(m, at: t, audit: 0)
            let v = try #require(full.violation, "\(m) at \(t / SimTime.second) s breaks an invariant")
            #expect(v.invariant == m.invariant, "\(m): \(v.detail)")
            #expect(incremental.violation == v, "\(m) at \(t / SimTime.second) s")
            #expect(incremental.log == full.log)
            #expect(incremental.traceHash == full.traceHash)
        }
    }

    /// Swarm seeds recovering without fencing: whatever breaks first (S1 from the checkers, or an
    /// HA invariant where its state changes) is the same, at the same event, with every audit
    /// interval.
    @Test func swarmSeedsBreakAtTheSameEvent() throws {
        var broken = 0
        for seed in UInt64(1)...16 {
            var (spec, _) = Swarm.scenario(seed: seed, mutations: .skipFence)
            let runs = try [UInt64(1), 0, 64].map { every in
                spec.settings.auditEvery = every
                var sim = try Simulation(spec: spec)
                return sim.run()
            }
            #expect(runs.allSatisfy { $0.violation == runs[0].violation }, "seed \(seed)")
            #expect(runs.allSatisfy { $0.traceHash == runs[0].traceHash }, "seed \(seed)")
            if runs[0].violation != nil { broken += 1 }
        }
        #expect(broken > 0, "skipping the fence breaks an invariant on some of the 16 seeds")
    }

    @Test func unmutatedRunsAreTheSameWhateverTheAuditInterval() throws {
        let runs = try [0, 1, 7].map { try Self.run(nil, at: 0, audit: $0) }
        #expect(runs[0].violation == nil)
        #expect(runs.allSatisfy { $0.traceHash == runs[0].traceHash && $0.log == runs[0].log })
    }

    /// A change that skips the touch log is invisible to the incremental checkers; the full audit
    /// finds it (here, with audits only at the start and the end, at the end of the run).
    @Test func theAuditCatchesAChangeTheTouchLogMissed() throws {
        var sim = try Simulation(spec: Self.spec(audit: 0))
        sim.advance(to: 5 * SimTime.second)
        let w = sim.world
        let vm = try #require(
            w.instances.indices.first { !w.instances[$0].gpuIndices.isEmpty && w.instances[$0].host != nil })
        let h = try #require(w.instances[vm].host)
        sim.world.hosts[h].gpus[w.instances[vm].gpuIndices[0]].holders.removeAll()  // not logged
        sim.advance(to: sim.spec.duration)
        let r = sim.finish()
        let v = try #require(r.violation)
        #expect(v.invariant == "capacity")
        #expect(v.eventDescription == "end of run")
    }
}
