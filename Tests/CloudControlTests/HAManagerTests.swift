import CloudModel
import CloudTestKit
import Testing

@testable import CloudControl

@Suite struct HAManagerTests {
    @Test func failedHostIsFencedAndItsVMsRestartByPriority() throws {
        var h = HAHarness(vms: [("web", .high, 1), ("db", .critical, 1), ("other", .normal, 0)])
        h.round(at: 1)
        h.storage[1] = false
        h.round(at: 10, dead: [1])
        #expect(h.state.hosts[1].state == .suspect)
        #expect(h.sent.isEmpty)
        h.round(at: 22, dead: [1])
        #expect(h.state.hosts[1].state == .fencing)
        let fence = try #require(h.sent.first)
        #expect(fence.kind == .fence(.ipmi))
        #expect(h.state.vms.filter { $0.state == .fence }.map(\.name) == ["web", "db"])
        h.round(at: 23, dead: [1], inputs: [.fenced(command: fence.id, outcome: .verified(proof: "off"))])
        #expect(h.state.hosts[1].state == .fenced)
        // critical first; the high-priority VM waits until the critical one is running
        let starts = h.sent.filter { if case .start = $0.kind { return true } else { return false } }
        #expect(starts.map(\.kind) == [.start(vm: inst(1))])
        h.round(at: 30, dead: [1], inputs: [.started(command: starts[0].id, ok: true, reason: "")])
        #expect(h.state.vms[1].state == .started)
        #expect(h.sent.contains { $0.kind == .start(vm: inst(0)) })
    }

    @Test func aFailedFenceIsNeverSuccessAndTheVMsStayBlocked() throws {
        var c = HAConfig()
        c.fenceLevels = [[.ipmi]]
        c.fenceRetries = 0
        var h = HAHarness(vms: [("web", .high, 1)], config: c)
        h.storage[1] = false
        h.run(until: 22, dead: [1])
        let fence = try #require(h.state.hosts[1].fence?.outstanding.first)
        h.round(at: 23, dead: [1], inputs: [.fenced(command: fence.id, outcome: .failed(reason: "BMC error"))])
        #expect(h.state.hosts[1].state == .fencing)
        #expect(h.state.vms[0].state == .fence)
        #expect(h.state.vms[0].blocked?.contains("BMC error") == true)
        #expect(h.allLogs.contains { $0.contains("every fence level failed") })
        h.run(until: 53, dead: [1])
        #expect(h.sent.contains { $0.kind == .fence(.ipmi) }, "retried after the backoff")
    }

    @Test func stormGuardStopsFencingWhenMostHostsVanishAndNoLevelReadsPower() {
        var config = HAConfig()
        config.fenceLevels = [[.storage], [.lease]]
        var h = HAHarness(hosts: 4, vms: [("a", .high, 1), ("b", .high, 2), ("c", .high, 3)], config: config)
        h.storage = [true, false, false, false]
        h.run(until: 25, dead: [1, 2, 3])
        #expect(h.state.stormGuard)
        #expect(!h.state.hosts.contains { $0.state == .fencing })
        #expect(h.allLogs.contains { $0.hasPrefix("storm guard: 3 of 4 hosts unreachable at once; automatic fencing") })
    }

    /// Under the storm guard only a BMC's status read fences: off proves the fault real and the
    /// VM restarts; on (the host may be running) fences nothing and no blind level follows.
    @Test(arguments: [true, false])
    func stormGuardFencesOnlyHostsWhoseBMCReadsOff(off: Bool) throws {
        var h = HAHarness(hosts: 4, vms: [("a", .high, 1), ("b", .high, 2), ("c", .high, 3)])
        h.storage = [true, false, false, false]
        h.run(until: 25, dead: [1, 2, 3])
        #expect(h.state.stormGuard)
        #expect(h.allLogs.contains { $0.contains("blind fencing suspended, only hosts whose BMC reads power off") })
        let check = try #require(h.state.hosts[1].fence?.outstanding.first)
        #expect(check.kind == .powerCheck)
        #expect(!h.sent.contains { $0.kind == .fence(.ipmi) || $0.kind == .fence(.storage) }, "nothing blind")
        let outcome: FenceOutcome = off ? .verified(proof: "power status read 'off'") : .failed(reason: "reads 'on'")
        h.round(at: 26, dead: [1, 2, 3], inputs: [.fenced(command: check.id, outcome: outcome)])
        h.run(until: 40, dead: [1, 2, 3])
        #expect((h.state.hosts[1].fences == 1) == off)
        #expect(h.allLogs.contains { $0.hasPrefix("vm 'a': starting on") } == off)
        #expect(!h.sent.contains { $0.kind == .fence(.storage) }, "the storage level is blind: never under the guard")
    }

    @Test func anIsolatedHostIsGivenItsLeaseBeforeItIsFenced() {
        var h = HAHarness(vms: [("a", .high, 1)])
        h.run(until: 22, dead: [1])
        #expect(h.state.hosts[1].state == .isolated)
        h.run(until: 60, dead: [1])
        #expect(h.state.hosts[1].state == .isolated)
        h.run(until: 83, dead: [1])
        #expect(h.state.hosts[1].state == .fencing)
    }

    @Test func startFailuresAreBoundedByRestartThenRelocateThenError() throws {
        var h = HAHarness(vms: [("a", .high, 1)])
        h.storage[1] = false
        h.run(until: 22, dead: [1])
        let fence = try #require(h.state.hosts[1].fence?.outstanding.first)
        h.round(at: 23, dead: [1], inputs: [.fenced(command: fence.id, outcome: .verified(proof: "off"))])
        var attempts = 0
        var t: UInt64 = 24
        while let start = h.state.vms[0].command, attempts < 10 {
            attempts += 1
            h.round(at: t, dead: [1], inputs: [.started(command: start.id, ok: false, reason: "boom")])
            t += 1
            if h.state.vms[0].command == nil { h.round(at: t, dead: [1]); t += 1 }
        }
        #expect(attempts == 4)
        #expect(h.state.vms[0].state == .error)
    }

    @Test func theUnsafeSwitchRecoversWithoutAFenceCommand() {
        var h = HAHarness(vms: [("a", .high, 1)], unsafeSkipFence: true)
        h.storage[1] = false
        h.run(until: 22, dead: [1])
        #expect(
            !h.effects.contains {
                if case .send(let c) = $0, case .fence = c.kind { return true } else { return false }
            })
        #expect(h.state.hosts[1].state == .fenced)
    }
}
