import CloudControl
import CloudModel
import CloudTestKit
import Testing

/// The HA manager through the control step (persist, then act), on a manual clock: take-over and
/// resend, cancelled fences, rejoin and unfence, maintenance, shutdown, migration, disarm and
/// operator requests. No simulator.
@Suite struct HAControlTableTests {
    static let s: UInt64 = 1_000_000_000

    /// Three hosts; web and db on h2 (index 1), other on h1.
    static func harness(
        levels: [[FenceMethod]] = [[.ipmi]], configure: (inout HAConfig) -> Void = { _ in }
    ) -> HAHarness {
        var config = HAConfig()
        config.fenceLevels = levels
        configure(&config)
        var h = HAHarness(vms: [("web", .high, 1), ("db", .critical, 1), ("other", .normal, 0)], config: config)
        h.round(at: 1)
        h.storage[1] = false
        return h
    }

    /// Runs until host 1 is being fenced; returns the fence commands sent.
    static func fencing(_ h: inout HAHarness) -> [HACommand] {
        h.run(until: 21, dead: [1])
        h.round(at: 22, dead: [1])
        #expect(h.state.hosts[1].state == .fencing)
        return h.sent
    }

    static func verified(_ c: HACommand) -> HAInput { .fenced(command: c.id, outcome: .verified(proof: "ok")) }

    @Test(arguments: [[[FenceMethod.ipmi]], [[.storage]], [[.ipmi, .storage]], [[.lease], [.ipmi]]])
    func aNewLeaderResendsEveryCommandInFlightUnderItsEpochWithTheSameIDs(levels: [[FenceMethod]]) {
        var h = Self.harness(levels: levels)
        let fences = Self.fencing(&h)
        #expect(fences.map(\.kind) == levels[0].map { .fence($0) })
        #expect(h.state.hosts[1].fence?.outstanding.map(\.id) == fences.map(\.id), "persisted before sent")
        h.failover()
        h.round(at: 23, dead: [1])
        #expect(h.logs.first == "leader epoch 2 (was 1): resuming from persisted state")
        #expect(h.sent.map(\.id) == fences.map(\.id))
        #expect(h.sent.allSatisfy { $0.epoch == 2 })
        #expect(h.state.epoch == 2)
    }

    @Test(arguments: [UInt64(5), 10, 30])
    func anUnansweredStartIsResentAfterResendAfter(seconds: UInt64) throws {
        var h = Self.harness { $0.resendAfterNanoseconds = seconds * Self.s }
        let fence = try #require(Self.fencing(&h).first)
        h.round(at: 23, dead: [1], inputs: [Self.verified(fence)])
        let start = try #require(h.sent.first { if case .start = $0.kind { true } else { false } })
        #expect(start.kind == .start(vm: inst(1)), "the critical VM first")
        h.run(until: 23 + seconds - 1, dead: [1])
        #expect(!h.sent.contains { $0.id == start.id }, "not before resendAfterNanoseconds")
        h.round(at: 23 + seconds, dead: [1])
        let resent = try #require(h.sent.first { $0.id == start.id })
        #expect(
            resent.kind == start.kind && resent.epoch == start.epoch && resent.sentAt == at((23 + seconds) * Self.s))
    }

    @Test(arguments: [FenceMethod.lease, .manual])
    func aHostBackBeforeAnyProofHasItsFenceCalledOff(method: FenceMethod) {
        var h = Self.harness(levels: [[method]])
        #expect(Self.fencing(&h).map(\.kind) == [.fence(method)])
        h.round(at: 23)  // heartbeats again, lease renewed
        #expect(
            h.logs.contains("FENCE: node 'h2': back with its lease renewed before any fence proof; fence called off"))
        #expect(h.state.hosts[1].state == .online)
        #expect(h.state.hosts[1].fence == nil)
        #expect(h.state.vms.map(\.state) == [.started, .started, .started])
        #expect(h.state.hosts[1].fences == 0)
    }

    @Test(arguments: [UInt64(5), 10, 20])
    func aFencedHostRejoinsAfterReconcileAndSettleThenIsUnfenced(settle: UInt64) throws {
        var h = Self.harness(levels: [[.ipmi, .storage]]) { $0.settleTimeNanoseconds = settle * Self.s }
        let fences = Self.fencing(&h)
        h.round(at: 23, dead: [1], inputs: fences.map(Self.verified))
        #expect(h.state.hosts[1].state == .fenced && h.state.hosts[1].storageFenced)
        h.storage[1] = true
        h.round(at: 100)
        #expect(h.state.hosts[1].state == .recovering)
        h.reconciledAt[1] = 100 * Self.s
        h.round(at: 101)
        #expect(h.logs.contains("node 'h2': agent reconciled (stale processes and port claims cleaned)"))
        h.run(until: 100 + settle - 1)
        #expect(h.state.hosts[1].hostCommand == nil, "no unfence before the settle time")
        h.round(at: 100 + settle)
        let unfence = try #require(h.sent.first)
        #expect(unfence.kind == .unfenceStorage && unfence.host == node(1))
        #expect(h.state.hosts[1].state == .recovering)
        h.round(at: 101 + settle, inputs: [.storageUnfenced(command: unfence.id)])
        #expect(h.logs.contains("node 'h2': storage unfenced"))
        h.round(at: 102 + settle)
        #expect(h.state.hosts[1].state == .online)
        #expect(!h.state.hosts[1].storageFenced)
    }

    @Test func maintenanceMigratesTheHostsVMsAndEndsOnRequest() throws {
        var h = HAHarness(vms: [("a", .high, 0), ("b", .normal, 0), ("c", .normal, 1)])
        h.round(at: 1)
        h.round(at: 2, inputs: [.admin(.maintenance(host: node(0), enable: true))])
        #expect(h.state.hosts[0].state == .maintenance)
        let migrations = h.sent.filter { if case .migrate = $0.kind { true } else { false } }
        #expect(migrations.map(\.kind) == [.migrate(vm: inst(0), to: node(1)), .migrate(vm: inst(1), to: node(1))])
        h.round(at: 5, inputs: migrations.map { .migrated(command: $0.id, ok: true, detail: "1 round") })
        #expect(h.state.vms.map(\.node) == [node(1), node(1), node(1)])
        #expect(h.state.vms.map(\.state) == [.started, .started, .started])
        h.round(at: 6, inputs: [.admin(.maintenance(host: node(0), enable: false))])
        #expect(h.state.hosts[0].state == .online)
    }

    @Test(arguments: [
        (ShutdownPolicy.freeze, "stop"), (.failover, "stop"), (.migrate, "migrate"),
    ])
    func aPlannedShutdownHandlesVMsByPolicy(policy: ShutdownPolicy, kind: String) {
        var h = HAHarness(vms: [("a", .high, 0), ("c", .normal, 1)])
        h.round(at: 1)
        h.round(at: 2, inputs: [.admin(.shutdown(host: node(0), policy: policy))])
        #expect(h.state.hosts[0].state == .maintenance)
        let kinds = h.sent.map { c -> String in
            switch c.kind {
            case .stop: "stop"
            case .migrate: "migrate"
            default: "other"
            }
        }
        #expect(kinds == [kind])
        #expect(h.state.vms[0].state == (policy == .migrate ? .migrate : .freeze))
    }

    @Test func anOperatorMigrationMovesTheVMAndItsClaim() throws {
        var h = HAHarness(vms: [("a", .high, 0)])
        h.round(at: 1)
        h.round(at: 2, inputs: [.admin(.migrate(vm: inst(0), to: node(2)))])
        let m = try #require(h.sent.first)
        #expect(m.kind == .migrate(vm: inst(0), to: node(2)) && m.host == node(0))
        #expect(h.placement.targets[inst(0)] == node(2))
        h.round(at: 9, inputs: [.migrated(command: m.id, ok: true, detail: "2 rounds")])
        #expect(h.state.vms[0].node == node(2) && h.state.vms[0].state == .started)
        #expect(h.placement.hostOf[inst(0)] == node(2) && h.placement.targets.isEmpty)
    }

    @Test func disarmWaitsForAFenceInFlightThenReleasesTheWatchdogs() throws {
        var h = Self.harness()
        let fence = try #require(Self.fencing(&h).first)
        h.round(at: 23, dead: [1], inputs: [.admin(.disarm)])
        #expect(h.logs.contains { $0.hasPrefix("deferring disarm - vm ") })
        #expect(h.state.armed)
        #expect(h.state.deferred == [.disarm])
        h.round(at: 24, dead: [1], inputs: [Self.verified(fence)])
        // the VMs are recovered first; the disarm applies once nothing is in flight
        var t: UInt64 = 25
        while h.state.armed && t < 120 {
            let starts = h.sent.filter { if case .start = $0.kind { true } else { false } }
            h.round(at: t, dead: [1], inputs: starts.map { .started(command: $0.id, ok: true, reason: "") })
            t += 1
        }
        #expect(!h.state.armed)
        #expect(h.state.deferred.isEmpty)
        #expect(h.allLogs.contains("HA disarmed: no fencing, no recovery; agents release their watchdogs"))
        h.round(at: t, inputs: [.admin(.arm)])
        #expect(h.state.armed && h.effects.contains(.watchdogs(armed: true)))
    }

    @Test func operatorRequestsLeftWhileLeaderlessAreTakenByTheNextWrite() {
        var h = HAHarness(vms: [("a", .high, 0)])
        h.round(at: 1)
        h.store.enqueue(.maintenance(host: node(2), enable: true))
        h.store.enqueue(.lock(vm: inst(0), name: "backup"))
        h.round(at: 2)
        #expect(h.store.operatorQueue.isEmpty)
        #expect(h.state.hosts[2].state == .maintenance)
        #expect(h.state.vms[0].lock == "backup")
    }

    @Test func aDeposedLeaderPersistsNothingAndReleasesNothing() throws {
        var h = HAHarness(vms: [("a", .high, 0)])
        h.round(at: 1)
        // a newer leader (epoch 5) wrote meanwhile
        var newer = h.state
        newer.epoch = 5
        try h.store.write(HAPersist(state: newer, expectEpoch: 5))
        let version = h.store.resourceVersion
        h.store.enqueue(.maintenance(host: node(0), enable: true))
        h.round(at: 2)
        #expect(h.effects.isEmpty)
        #expect(h.store.resourceVersion == version)
        #expect(
            h.store.operatorQueue == [.maintenance(host: node(0), enable: true)], "no request lost to a refused write")
        #expect(h.state.hosts[0].state == .online)
        #expect(throws: HAPersistError.staleEpoch(stored: 5, writer: 1)) {
            try h.store.write(HAPersist(state: h.state, expectEpoch: 1))
        }
    }

    @Test func theStepReleasesARoundsEffectsOnlyAfterItsWrite() throws {
        var h = Self.harness()
        h.run(until: 21, dead: [1])
        var step = h.step
        var placement = h.placement
        let obs = (0..<3).map {
            HostObservation(host: node($0), lastHeartbeat: at($0 == 1 ? Self.s : 22 * Self.s), storageAlive: $0 != 1)
        }
        let persist = step.round(now: at(22 * Self.s), epoch: 1, observations: obs, inputs: [], placement: &placement)
        #expect(step.awaitingPersist)
        let outstanding = try #require(persist.state.hosts[1].fence?.outstanding)
        let released = step.persisted()
        #expect(!step.awaitingPersist)
        let sent = released.compactMap { if case .send(let c) = $0 { c } else { nil } }
        #expect(sent.map(\.id) == outstanding.map(\.id))
    }

    @Test func anOperatorConfirmsAHostTheStormGuardHolds() throws {
        var config = HAConfig()
        config.fenceLevels = [[.storage]]  // blind: the guard holds it
        // two of four hosts silent at once: 50 % is over the storm guard's 45 %
        var h = HAHarness(hosts: 4, vms: [("a", .high, 1), ("b", .high, 2)], config: config)
        h.round(at: 1)
        h.storage[1] = false
        h.storage[2] = false
        h.run(until: 22, dead: [1, 2])
        #expect(h.state.stormGuard)
        #expect(h.state.hosts[1].state == .failed && h.state.hosts[2].state == .failed, "nothing is fenced")
        h.round(at: 23, dead: [1, 2], inputs: [.admin(.fenceAck(host: node(2), by: "bob"))])
        #expect(
            h.events.first == .fenceConfirmedByOperator(host: node(2), by: "bob", level: "the storm guard's hold"))
        #expect(h.state.hosts[2].state == .fenced && h.state.hosts[2].fences == 1)
        #expect(h.logs.contains("fencing: acknowledged - node 'h3' fenced (confirmed off by operator 'bob')"))
        #expect(h.sent.contains { $0.kind == .start(vm: inst(1)) }, "its VM restarts elsewhere")
        // one silent host of four is under the threshold: the guard lifts and the other is fenced
        #expect(!h.state.stormGuard)
        #expect(h.state.hosts[1].state == .fencing)
    }

    @Test func anOperatorCannotFenceAHostThatIsOnline() {
        var h = HAHarness(vms: [("a", .high, 1)])
        h.round(at: 1)
        h.round(at: 2, inputs: [.admin(.fenceAck(host: node(1), by: "eve"))])
        #expect(h.events == [.manualAcknowledgementIgnored(host: node(1))])
        #expect(h.state.hosts[1].state == .online && h.state.vms[0].state == .started)
    }
}
