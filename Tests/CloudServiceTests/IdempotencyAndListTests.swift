import CloudModel
import CloudService
import CloudStore
import CloudTestKit
import Foundation
import Testing

@Suite struct IdempotencyAndListTests {
    @Test func aRetryReplaysADifferentPayloadIs422AndNothingIsCreatedTwice() async throws {
        let f = try await ServiceFixture.make()
        let first = try await f.plane.deploy(
            .system, body: f.deployBody("web-1"), idempotencyKey: "\"abc\"", admission: nil)
        let again = try await f.plane.deploy(
            .system, body: f.deployBody("web-1"), idempotencyKey: "abc", admission: nil)
        #expect(again.body == first.body && again.headers["Idempotent-Replayed"] == "true")
        do {
            _ = try await f.plane.deploy(.system, body: f.deployBody("web-2"), idempotencyKey: "abc", admission: nil)
            Issue.record("a reused key with another payload was accepted")
        } catch let e as ServiceError {
            #expect(e.status == 422)
        }
        // another principal's key of the same text is its own
        let other = try await f.plane.deploy(
            Principal("token:ci"), body: f.deployBody("web-1"), idempotencyKey: "abc", admission: nil)
        #expect(other.body != first.body)
        #expect(try await f.plane.list(InstanceRecord.self, Table.instances, PageRequest()).items.count == 2)
    }

    @Test func aRetryWhileTheFirstIsInFlightIs409() async throws {
        let f = try await ServiceFixture.make()
        let (entered, enter) = AsyncStream.makeStream(of: Void.self)
        let (release, go) = AsyncStream.makeStream(of: Void.self)
        let first = Task {
            try await f.plane.mutate(.system, route: "POST /x", idempotencyKey: "slow", request: []) { _ in
                enter.yield()
                for await _ in release { break }
                return .json(Empty())
            }
        }
        for await _ in entered { break }
        do {
            _ = try await f.plane.mutate(.system, route: "POST /x", idempotencyKey: "slow", request: []) { _ in
                .json(Empty())
            }
            Issue.record("a concurrent retry was served")
        } catch let e as ServiceError {
            #expect(e.status == 409 && e.detail.contains("outstanding"))
        }
        go.yield()
        _ = try await first.value
        let replay = try await f.plane.mutate(.system, route: "POST /x", idempotencyKey: "slow", request: []) { _ in
            throw ServiceError.conflict("must not run again")
        }
        #expect(replay.headers["Idempotent-Replayed"] == "true")
    }

    @Test(arguments: ["", String(repeating: "k", count: 256), "with space"])
    func aMalformedKeyIs400(_ key: String) async throws {
        let f = try await ServiceFixture.make()
        await #expect(throws: ServiceError.self) {
            _ = try await f.plane.deploy(.system, body: f.deployBody("web-1"), idempotencyKey: key, admission: nil)
        }
    }

    @Test func listsPageThroughEveryRowOnceAndFilter() async throws {
        let f = try await ServiceFixture.make()
        let total = 1234
        let seed = try await f.plane.deploy(.system, body: f.deployBody("seed"), idempotencyKey: nil, admission: nil)
        let seedID = try #require(Wire.decode(TaskStarted.self, seed.body)?.instanceID)
        let template = try await f.plane.get(InstanceRecord.self, Table.instances, seedID, "i").value
        try await f.plane.store.transaction { t in
            try await t.delete(StoreKey(Table.instances, seedID), expect: .any)
            for n in 0..<total {
                var r = template
                r.id = f.plane.newID(.instance).rawValue
                r.name = "vm-\(n)"
                r.nodeID = f.nodes[n % 2]
                try await t.put(StoreKey(Table.instances, r.id), encoding: r, expect: .absent)
            }
        }
        var seen: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let p = try await f.plane.list(
                InstanceRecord.self, Table.instances, PageRequest(cursor: cursor, limit: 100))
            seen += p.items.map(\.id)
            cursor = p.next
            pages += 1
        } while cursor != nil
        #expect(seen.count == total && Set(seen).count == total && seen == seen.sorted())
        #expect(pages == (total + 99) / 100)
        let onFirst = try await f.plane.list(InstanceRecord.self, Table.instances, PageRequest(limit: 1000)) {
            $0.nodeID == f.nodes[0]
        }
        #expect(onFirst.items.count == 617 && onFirst.next == nil)
    }

    @Test func theConsistencyCheckNamesEachBrokenInvariant() async throws {
        let f = try await ServiceFixture.make()
        let backend = FakeInstanceBackend(nodes: f.nodes)
        for n in 1...2 {
            _ = try await f.plane.deploy(
                .system, body: f.deployBody("vm-\(n)"), idempotencyKey: "k\(n)", admission: nil)
        }
        await LifecycleController(plane: f.plane, backend: backend).drain()
        #expect(try await f.plane.consistencyProblems().isEmpty)
        let all = try await f.plane.list(InstanceRecord.self, Table.instances, PageRequest()).items
        try await f.plane.store.transaction { t in
            var a = all[0]
            a.claim = nil
            a.memory = 1 << 20
            try await t.put(StoreKey(Table.instances, a.id), encoding: a, expect: .any)
            try await t.delete(StoreKey(Table.instances, all[1].id), expect: .any)
        }
        let problems = try await f.plane.consistencyProblems()
        #expect(problems.contains { $0.contains("placed without a claim") })
        #expect(problems.contains { $0.contains("MB of instances on") })
        #expect(problems.contains { $0.contains("acknowledged create") && $0.contains(all[1].id) })
    }
}
