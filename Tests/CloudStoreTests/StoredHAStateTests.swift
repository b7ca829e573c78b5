import CloudModel
import CloudRuntime
import CloudStore
import CloudTestKit
import Testing

@testable import CloudControl

/// The HA state persisted through a Store: per-record rows, only what changed, refused for a
/// stale epoch, the operator queue consumed in the same transaction.
@Suite struct StoredHAStateTests {
    static func host(_ h: Int) -> HostID { HostID("node-\(h)") }

    static func state(vms: Int, hosts: Int = 3) -> HAState {
        HAState(
            hosts: (0..<hosts).map { HAHostRecord(id: host($0), name: "h\($0)", joinedAt: .virtualEpoch) },
            vms: (0..<vms).map {
                HAVMRecord(
                    id: VMID("inst-\($0 * 3)"), name: "vm-\($0)", priority: .high, node: host($0 % hosts),
                    claim: HAClaim(host: host($0 % hosts), resources: #"{"cpus":2}"#))
            })
    }

    @Test func aWrittenStateLoadsBackWhole() async throws {
        let store = MemoryStore()
        var writer = StoredHAState(store: store)
        var s = Self.state(vms: 5)
        s.epoch = 2
        s.nextCommand = 9
        s.hosts[1].state = .fenced
        s.deferred = [.disarm]
        let rows = try await writer.write(HAPersist(state: s, expectEpoch: 2))
        #expect(rows == 1 + 3 + 5, "meta, every host, every VM on the first write")
        var reader = StoredHAState(store: store)
        #expect(try await reader.load() == s)
    }

    @Test(arguments: [1, 2, 7])
    func aLaterWriteTouchesOnlyTheRecordsThatChanged(changed: Int) async throws {
        let store = MemoryStore()
        var writer = StoredHAState(store: store)
        var s = Self.state(vms: 10)
        s.epoch = 1
        try await writer.write(HAPersist(state: s, expectEpoch: 1))
        for v in 0..<changed { s.vms[v].state = .recovery }
        let rows = try await writer.write(HAPersist(state: s, expectEpoch: 1))
        #expect(rows == 1 + changed)
        var reader = StoredHAState(store: store)
        #expect(try await reader.load() == s)
    }

    @Test func removedAndAddedVMsAreDeletedAndWritten() async throws {
        let store = MemoryStore()
        var writer = StoredHAState(store: store)
        var m = HAManager(config: HAConfig(), persisted: Self.state(vms: 4))
        try await writer.write(HAPersist(state: m.state, expectEpoch: 0))
        try m.removeVM("inst-3")
        m.addVM(HAVMRecord(id: "inst-100", name: "new", priority: .critical, node: Self.host(2)))
        m.addHost("node-9", named: "h9", now: .virtualEpoch)
        let rows = try await writer.write(HAPersist(state: m.state, expectEpoch: 0))
        #expect(rows == 1 + 3, "meta, the deleted VM row, the new VM row, the new host row")
        var reader = StoredHAState(store: store)
        let loaded = try #require(try await reader.load())
        #expect(loaded.vms.map(\.id) == ["inst-0", "inst-6", "inst-9", "inst-100"], "join order survives the store")
        #expect(loaded.hosts.map(\.name) == ["h0", "h1", "h2", "h9"])
        #expect(loaded == m.state)
        #expect(loaded.vm("inst-100") == 3 && loaded.host("node-9") == 3, "the ID index is rebuilt on load")
    }

    @Test func aClaimIsWrittenInTheSameTransactionAsTheRecordThatNeedsIt() async throws {
        let store = MemoryStore()
        var writer = StoredHAState(store: store)
        var s = Self.state(vms: 2)
        try await writer.write(HAPersist(state: s, expectEpoch: 0))
        s.vms[1].claim = HAClaim(host: Self.host(0), resources: #"{"cpus":4}"#)
        s.vms[1].node = Self.host(0)
        s.vms[1].command = HACommand(
            id: 7, epoch: 0, kind: .start(vm: "inst-3"), host: Self.host(0), sentAt: .virtualEpoch)
        #expect(try await writer.write(HAPersist(state: s, expectEpoch: 0)) == 2, "meta and one VM row")
        let row = try #require(
            try await store.transaction { t in try await t.read(HAVMRecord.self, StoreKey("ha_vms", "inst-3")) })
        #expect(row.value.claim?.host == Self.host(0) && row.value.command?.id == 7)
    }

    @Test func aDeposedLeadersWriteChangesNothing() async throws {
        let store = MemoryStore()
        var newer = StoredHAState(store: store)
        var s = Self.state(vms: 3)
        s.epoch = 5
        try await newer.write(HAPersist(state: s, expectEpoch: 5))
        try await newer.enqueue(.arm)
        var old = StoredHAState(store: store)
        var stale = Self.state(vms: 3)
        stale.epoch = 4
        stale.vms[0].state = .error
        await #expect(throws: HAPersistError.staleEpoch(stored: 5, writer: 4)) {
            try await old.write(HAPersist(state: stale, expectEpoch: 4, consumedRequests: 1))
        }
        var reader = StoredHAState(store: store)
        #expect(try await reader.load() == s)
        #expect(try await reader.operatorQueue() == [.arm], "a refused write consumes no request")
    }

    @Test func theControlStepPersistsThroughTheStoreAndANewLeaderResumes() async throws {
        let store = MemoryStore()
        var persisted = StoredHAState(store: store)
        try await persisted.enqueue(.maintenance(host: HAHarness.host(2), enable: true))
        var config = HAConfig()
        config.fenceLevels = [[.ipmi]]
        var h = HAHarness(vms: [("web", .high, 1), ("db", .critical, 1)], config: config)
        var queue = try await persisted.operatorQueue()
        var step = h.step
        var sent: [HACommand] = []
        for t in UInt64(1)...22 {
            let now = HAHarness.instant(t * 1_000_000_000)
            let obs = (0..<3).map {
                HostObservation(
                    host: HAHarness.host($0), lastHeartbeat: $0 == 1 ? HAHarness.instant(1_000_000_000) : now,
                    storageAlive: $0 != 1)
            }
            let p = step.round(
                now: now, epoch: 1, observations: obs, inputs: [], queued: queue, placement: &h.placement)
            try await persisted.write(p)
            sent += step.persisted().compactMap { if case .send(let c) = $0 { c } else { nil } }
            queue = try await persisted.operatorQueue()
        }
        #expect(queue.isEmpty)
        let fence = try #require(sent.first)
        #expect(fence.kind == .fence(.ipmi))
        // a new leader on another node loads the store and finds the fence it must resend
        var next = StoredHAState(store: store)
        let loaded = try #require(try await next.load())
        #expect(loaded.hosts[1].fence?.outstanding.map(\.id) == [fence.id])
        #expect(loaded.hosts[2].state == .maintenance)
        #expect(loaded == step.manager.state)
    }
}
