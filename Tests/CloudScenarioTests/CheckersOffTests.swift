import CloudScenario
import CloudSim
import CloudTelemetry
import Foundation
import Testing

/// The safety checkers observe; they decide nothing and start no clock. With them switched off
/// every shipped scenario produces the same decision log, trace hash, recovery times and metrics.
@Suite struct CheckersOffTests {
    static func shippedScenarios() throws -> [(String, ScenarioSpec)] {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Scenarios")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yaml") }
        return try files.sorted().map { f in
            let text = try String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8)
            return (f, try ScenarioParser.parse(text, file: f))
        }
    }

    @Test func everyFigureIsTheSameWithTheCheckersOff() throws {
        let scenarios = try Self.shippedScenarios()
        #expect(scenarios.contains { $0.0 == "demo.yaml" })
        var recoveries = 0
        for (file, spec) in scenarios {
            var on = try Simulation(spec: spec)
            var off = try Simulation(spec: spec, checkers: false)
            let a = on.run()
            let b = off.run()
            #expect(a.violation == nil, "\(file) passes with the checkers on")
            #expect(a.log == b.log, "\(file): decision log")
            #expect(a.traceHash == b.traceHash, "\(file): trace hash")
            #expect(a.rtoNanoseconds == b.rtoNanoseconds, "\(file): recovery times")
            #expect(a.events == b.events, "\(file): events")
            #expect(
                Exposition.render(a.metrics, format: .text004) == Exposition.render(b.metrics, format: .text004),
                "\(file): metrics")
            recoveries += a.rtoNanoseconds.count
        }
        #expect(recoveries > 0, "the scenarios recover VMs, so the RTO probe is exercised")
    }

    @Test func theMutationSwitchIsCaughtOnlyWithTheCheckersOn() throws {
        let (_, parsed) = try #require(Self.shippedScenarios().first { $0.0 == "ha-05-isolation-broken-watchdog.yaml" })
        var spec = parsed
        spec.settings.unsafeSkipFence = true
        var on = try Simulation(spec: spec)
        var off = try Simulation(spec: spec, checkers: false)
        #expect(on.run().violation?.invariant == "S2_fence_before_restart")
        #expect(off.run().violation == nil)
    }
}
