import CloudControl
import CloudModel
import CloudRuntime
import CloudStore
import CloudTestKit
import Testing

/// The HA state persisted through a Store: per-record rows, only what changed, refused for a
/// stale epoch, the operator queue consumed in the same transaction.
@Suite struct StoredHAStateTests {
    static func state(vms: Int, hosts: Int = 3) -> HAState {
        HAState(
            hostCount: hosts,
            vms: (0..<vms).map { HAVMRecord(index: $0 * 3, name: "vm-\($0)", priority: .high, node: $0 % hosts) })
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
        var s = Self.state(vms: 4)
        try await writer.write(HAPersist(state: s, expectEpoch: 0))
        s.vms.remove(at: 1)
        s.vms.append(HAVMRecord(index: 100, name: "new", priority: .critical, node: 2))
        let rows = try await writer.write(HAPersist(state: s, expectEpoch: 0))
        #expect(rows == 1 + 2)
        var reader = StoredHAState(store: store)
        #expect(try await reader.load()?.vms.map(\.index) == [0, 6, 9, 100])
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
        try await persisted.enqueue(.maintenance(host: 2, enable: true))
        var config = HAConfig()
        config.fenceLevels = [[.ipmi]]
        var h = HAHarness(vms: [("web", .high, 1), ("db", .critical, 1)], config: config)
        var queue = try await persisted.operatorQueue()
        var step = h.step
        var sent: [HACommand] = []
        for t in UInt64(1)...22 {
            let now = t * 1_000_000_000
            let obs = (0..<3).map {
                HostObservation(lastHeartbeat: $0 == 1 ? 1_000_000_000 : now, storageAlive: $0 != 1)
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
