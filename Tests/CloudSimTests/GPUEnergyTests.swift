import CloudModel
import Testing

@testable import CloudSim

/// GPU energy counters are exact integrals of the simulated power draw, settled only when what
/// the draw depends on changes: they agree with a fine numeric integration of the power gauge,
/// never decrease, and stand still while the host is off.
@Suite struct GPUEnergyTests {
    final class Run {
        var sim: Simulation
        init(_ spec: ScenarioSpec) throws { sim = try Simulation(spec: spec) }

        /// Every GPU's (host, index).
        var gpus: [(Int, Int)] {
            sim.world.hosts.indices.flatMap { h in sim.world.hosts[h].gpus.indices.map { (h, $0) } }
        }

        func energy(_ h: Int, _ g: Int) -> Double { sim.world.energy(h, g, at: sim.virtualNow) }
        func watts(_ h: Int, _ g: Int) -> Double { sim.gpuWatts(h, g) }
        func advance(to t: UInt64) { sim.advance(to: t) }
        func host(_ name: String) throws -> Int { try #require(sim.world.hosts.firstIndex { $0.name == name }) }
    }

    /// The GPU host loses power at 2 m and gets it back at 3 m; GPU instances restart elsewhere
    /// or wait (the run changes holders, running states and power: every settlement path).
    func spec() -> ScenarioSpec {
        let s = SimTime.second
        return smallSpec(timeline: [
            TimedAction(at: 120 * s, action: .powerOff(hosts: ["gpu-01"])),
            TimedAction(at: 180 * s, action: .powerOn(hosts: ["gpu-01"])),
        ])
    }

    @Test func countersMatchAFineIntegrationOfThePowerGaugeAndNeverDecrease() throws {
        let run = try Run(spec())
        let gpus = run.gpus
        #expect(!gpus.isEmpty)
        let step = SimTime.second / 10
        let end = 300 * SimTime.second
        var riemann = [Double](repeating: 0, count: gpus.count)
        var last = gpus.map { run.energy($0.0, $0.1) }
        var t: UInt64 = 0
        var released = false
        while t < end {
            if !released && t >= 60 * SimTime.second {
                // a GPU instance goes away from a running host: its GPUs' holders change
                released = true
                let v = try #require(
                    run.sim.world.instances.indices.first { !run.sim.world.instances[$0].gpuIndices.isEmpty })
                run.sim.world.release(v)
            }
            // midpoint rule: the gauge in the middle of each step
            run.advance(to: t + step / 2)
            for (i, (h, g)) in gpus.enumerated() { riemann[i] += run.watts(h, g) * Double(step) / 1e9 }
            t += step
            run.advance(to: t)
            for (i, (h, g)) in gpus.enumerated() {
                let e = run.energy(h, g)
                #expect(e >= last[i], "gpu \(g) of host \(h): counter went from \(last[i]) to \(e)")
                last[i] = e
            }
        }
        for (i, (h, g)) in gpus.enumerated() {
            // a state change inside a step makes the midpoint rule wrong by at most one step of
            // full power; the gauge's own rounding is below that
            let slack = 4 * 700.0 * Double(step) / 1e9
            #expect(abs(last[i] - riemann[i]) <= slack, "gpu \(g) of host \(h): \(last[i]) J vs \(riemann[i]) J")
        }
        #expect(last.allSatisfy { $0 > 0 })
        let healthy = run.sim.healthy
        #expect(healthy, "the run went on to its end")
    }

    @Test func aHostWithoutPowerAddsNoEnergy() throws {
        let run = try Run(spec())
        let h = try run.host("gpu-01")
        run.advance(to: 121 * SimTime.second)
        let atOff = run.sim.world.hosts[h].gpus.indices.map { run.energy(h, $0) }
        run.advance(to: 179 * SimTime.second)
        let beforeOn = run.sim.world.hosts[h].gpus.indices.map { run.energy(h, $0) }
        #expect(atOff == beforeOn)
        #expect(atOff.allSatisfy { $0 > 0 })
        // back on once it has booted (wait for the condition, not a fixed time)
        var t = 180 * SimTime.second
        while run.sim.world.hosts[h].power != .on && t < 900 * SimTime.second {
            t += SimTime.second
            run.advance(to: t)
        }
        #expect(run.sim.world.hosts[h].power == .on)
        run.advance(to: t + 10 * SimTime.second)
        let after = run.sim.world.hosts[h].gpus.indices.map { run.energy(h, $0) }
        #expect(zip(after, beforeOn).allSatisfy { $0 > $1 }, "powered on again, the GPUs draw idle power at least")
    }
}
