import CloudControl
import CloudModel
import CloudTestKit
import Testing

/// Restart order across the hosts of one incident, capacity held for blocked fences, and the
/// storage-path policy.
@Suite struct HAPriorityTests {
    /// Four hosts; h2 holds the critical VM `db`, h3 the high VM `web`; both die at once and are
    /// being fenced by second 22. Returns the harness and the first fence command of each host.
    static func twoHostsFencing(_ config: HAConfig = HAConfig()) throws -> (HAHarness, HACommand, HACommand) {
        var h = HAHarness(hosts: 4, vms: [("db", .critical, 1), ("web", .high, 2)], config: config)
        h.round(at: 1)
        h.storage[1] = false
        h.storage[2] = false
        h.run(until: 22, dead: [1, 2])
        let db = try #require(h.state.hosts[1].fence?.outstanding.first)
        let web = try #require(h.state.hosts[2].fence?.outstanding.first)
        return (h, db, web)
    }

    /// Two hosts die; the one holding the critical VM fences last. The high VM of the other host
    /// waits for that fence and starts only after the critical one.
    @Test func lowerTiersWaitForAProgressingFenceOfAHigherTier() throws {
        var (h, db, web) = try Self.twoHostsFencing()
        h.round(at: 23, dead: [1, 2], inputs: [.fenced(command: web.id, outcome: .verified(proof: "off"))])
        h.run(until: 26, dead: [1, 2])
        #expect(h.state.vms[1].state == .recovery && h.state.vms[1].command == nil, "web waits")
        #expect(
            h.allLogs.contains(
                "vm 'web': recovery pending: waiting for the fence of node 'h2' (it holds critical vm 'db')"))
        h.round(at: 27, dead: [1, 2], inputs: [.fenced(command: db.id, outcome: .verified(proof: "off"))])
        let starts = h.allLogs.filter { $0.contains("starting on") }
        #expect(starts.first?.hasPrefix("vm 'db'") == true, "the critical VM starts first: \(starts)")
    }

    /// The critical VM's fence fails every level: capacity is held for it on a live host, the
    /// high VM goes on, and when the fence finally succeeds the critical VM starts on the held host.
    @Test func aBlockedFenceHoldsCapacityAndLowerTiersGoOn() throws {
        var config = HAConfig()
        config.fenceLevels = [[.ipmi]]
        config.fenceRetries = 0
        var (h, db, web) = try Self.twoHostsFencing(config)
        h.round(
            at: 23, dead: [1, 2],
            inputs: [
                .fenced(command: web.id, outcome: .verified(proof: "off")),
                .fenced(command: db.id, outcome: .failed(reason: "BMC error")),
            ])
        h.run(until: 26, dead: [1, 2])
        let held = try #require(h.state.vms[0].migrationClaim, "capacity is held for db")
        #expect(h.allLogs.contains { $0.hasPrefix("vm 'db': capacity held on node") })
        #expect(h.allLogs.contains { $0.hasPrefix("vm 'web': starting on") }, "web starts around the hold")
        h.run(until: 60, dead: [1, 2])
        let retry = try #require(h.state.hosts[1].fence?.outstanding.first)
        h.round(at: 61, dead: [1, 2], inputs: [.fenced(command: retry.id, outcome: .verified(proof: "off"))])
        #expect(h.state.vms[0].node == held.host, "db starts on the host held for it")
        #expect(h.state.vms[0].migrationClaim == nil)
    }

    /// An online host without its storage path: noted, then fenced through storage alone after
    /// the grace under `restart`; only noted under `off`.
    @Test(arguments: [StoragePathPolicy.restart, .off])
    func anOnlineHostThatLostItsStoragePath(policy: StoragePathPolicy) {
        var config = HAConfig()
        config.storagePathPolicy = policy
        var h = HAHarness(vms: [("a", .high, 1)], config: config)
        h.round(at: 1)
        h.storage[1] = false
        h.run(until: 30)
        #expect(h.allLogs.contains { $0.hasPrefix("node 'h2': storage path lost while online") })
        #expect(h.state.hosts[1].state == .online && !h.state.hosts[1].schedulable, "no new VMs there")
        h.run(until: 70)
        let fencing = h.state.hosts[1].state == .fencing
        #expect(fencing == (policy == .restart))
        if fencing {
            #expect(h.state.hosts[1].fence?.outstanding.map(\.kind) == [.fence(.storage)], "storage alone")
        }
        h.storage[1] = true
        h.run(until: 75)
        #expect(h.state.hosts[1].state == .online, "a storage fence without its proof is called off")
        #expect(h.allLogs.contains("node 'h2': storage path back"))
    }

    /// A level that fails and is retried in the round its host comes back (or its fence is
    /// proven by a reconcile) releases no command the round's state does not hold (S13).
    @Test(arguments: [false, true])
    func aFenceEndedInTheRoundOfARetryReleasesNothingUnpersisted(reconciled: Bool) throws {
        var config = HAConfig()
        config.fenceLevels = [[.lease]]
        var h = HAHarness(vms: [("a", .high, 1)], config: config)
        h.round(at: 1)
        h.storage[1] = false
        h.run(until: 22, dead: [1])
        let lease = try #require(h.state.hosts[1].fence?.outstanding.first)
        if reconciled { h.reconciledAt[1] = 23_000_000_000 }
        h.round(at: 23, inputs: [.fenced(command: lease.id, outcome: .failed(reason: "host renewed its lease"))])
        #expect(h.state.hosts[1].fence == nil, "the fence ended this round")
        let persisted = Set(
            h.state.vms.compactMap { $0.command?.id } + h.state.hosts.compactMap { $0.hostCommand?.id }
                + h.state.hosts.flatMap { $0.fence?.outstanding.map(\.id) ?? [] })
        for c in h.sent { #expect(persisted.contains(c.id), "command \(c.id) released without being persisted") }
    }
}
