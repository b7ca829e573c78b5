import CloudControl
import CloudModel
import CloudTestKit
import Testing

/// Hosts and VMs join and leave while the manager runs; each change is persisted with the next
/// round's write.
@Suite struct HAMembershipTests {
    @Test func aVMCreatedLaterIsProtectedLikeTheOthers() throws {
        var config = HAConfig()
        config.fenceLevels = [[.ipmi]]
        var h = HAHarness(vms: [("a", .high, 0)], config: config)
        h.round(at: 1)
        h.step.updateManager { $0.addVM(HAVMRecord(index: 7, name: "late", priority: .critical, node: 1)) }
        h.placement.seat(vm: 7, on: 1)
        h.round(at: 2)
        #expect(h.state.vms.map(\.index) == [0, 7], "persisted with the next write, sorted by instance")
        h.storage[1] = false
        h.run(until: 23, dead: [1])  // last heartbeat at 2: failed after 20 s of silence
        let fence = try #require(h.sent.first)
        #expect(fence.kind == .fence(.ipmi) && fence.host == 1)
        h.round(at: 24, dead: [1], inputs: [.fenced(command: fence.id, outcome: .verified(proof: "off"))])
        #expect(h.sent.contains { $0.kind == .start(vm: 7) })
    }

    @Test func aJoiningHostTakesRecoveredVMs() throws {
        var config = HAConfig()
        config.fenceLevels = [[.ipmi]]
        var h = HAHarness(hosts: 2, vms: [("a", .high, 1)], slots: 0, config: config)
        h.round(at: 1)
        let joined = h.addHost(named: "h3", slots: 4)
        #expect(joined == 2)
        h.round(at: 2)
        #expect(h.state.hosts.count == 3 && h.state.hosts[2].state == .online)
        h.storage[1] = false
        h.run(until: 23, dead: [1])
        let fence = try #require(h.sent.first)
        h.round(at: 24, dead: [1], inputs: [.fenced(command: fence.id, outcome: .verified(proof: "off"))])
        let start = try #require(h.sent.first { if case .start = $0.kind { true } else { false } })
        #expect(start.host == joined, "the only host with room is the one that joined")
    }

    @Test func aVMIsRemovedOnlyWithoutWorkInFlight() throws {
        var config = HAConfig()
        config.fenceLevels = [[.ipmi]]
        var h = HAHarness(vms: [("a", .high, 1), ("b", .normal, 0)], config: config)
        h.round(at: 1)
        try h.step.updateManager { try $0.removeVM(instance: 1) }
        #expect(throws: HAManager.RemovalRefusal.unknown(instance: 1)) {
            try h.step.updateManager { try $0.removeVM(instance: 1) }
        }
        h.storage[1] = false
        h.run(until: 22, dead: [1])
        #expect(h.state.vms.map(\.state) == [.fence])
        #expect(throws: HAManager.RemovalRefusal.busy(vm: "a", state: .fence)) {
            try h.step.updateManager { try $0.removeVM(instance: 0) }
        }
        #expect(h.state.vms.map(\.name) == ["a"])
    }
}
