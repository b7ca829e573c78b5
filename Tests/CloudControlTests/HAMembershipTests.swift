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
        h.step.updateManager { $0.addVM(HAVMRecord(id: inst(7), name: "late", priority: .critical, node: node(1))) }
        h.placement.seat(vm: inst(7), on: node(1))
        h.round(at: 2)
        #expect(h.state.vms.map(\.id) == [inst(0), inst(7)], "persisted with the next write, in join order")
        h.storage[1] = false
        h.run(until: 23, dead: [1])  // last heartbeat at 2: failed after 20 s of silence
        let fence = try #require(h.sent.first)
        #expect(fence.kind == .fence(.ipmi) && fence.host == node(1))
        h.round(at: 24, dead: [1], inputs: [.fenced(command: fence.id, outcome: .verified(proof: "off"))])
        #expect(h.sent.contains { $0.kind == .start(vm: inst(7)) })
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
        #expect(start.host == node(joined), "the only host with room is the one that joined")
    }

    @Test func aVMIsRemovedOnlyWithoutWorkInFlight() throws {
        var config = HAConfig()
        config.fenceLevels = [[.ipmi]]
        var h = HAHarness(vms: [("a", .high, 1), ("b", .normal, 0)], config: config)
        h.round(at: 1)
        try h.step.updateManager { try $0.removeVM(inst(1)) }
        #expect(throws: HAManager.RemovalRefusal.unknownVM(inst(1))) {
            try h.step.updateManager { try $0.removeVM(inst(1)) }
        }
        h.storage[1] = false
        h.run(until: 22, dead: [1])
        #expect(h.state.vms.map(\.state) == [.fence])
        #expect(throws: HAManager.RemovalRefusal.busy(vm: "a", state: .fence)) {
            try h.step.updateManager { try $0.removeVM(inst(0)) }
        }
        #expect(h.state.vms.map(\.name) == ["a"])
    }

    @Test func aHostIsRemovedOnlyOnceNothingRefersToIt() throws {
        var h = HAHarness(vms: [("a", .high, 1)])
        h.round(at: 1)
        #expect(throws: HAManager.RemovalRefusal.hostInUse(host: "h2", reason: "vm 'a' refers to it")) {
            try h.step.updateManager { try $0.removeHost(node(1)) }
        }
        try h.step.updateManager { try $0.removeHost(node(2)) }
        #expect(throws: HAManager.RemovalRefusal.unknownHost(node(2))) {
            try h.step.updateManager { try $0.removeHost(node(2)) }
        }
        h.lastSeen.removeLast()
        h.storage.removeLast()
        h.reconciledAt.removeLast()
        h.round(at: 2)
        #expect(h.state.hosts.map(\.name) == ["h1", "h2"])
        #expect(h.state.host(node(1)) == 1 && h.state.host(node(2)) == nil, "the ID index follows the removal")
        #expect(h.state.vms.map(\.node) == [node(1)])
    }
}
