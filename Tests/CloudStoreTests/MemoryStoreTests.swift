import CloudStore
import CloudTestKit
import Testing

@Suite struct MemoryStoreTests {
    @Test(arguments: StoreConformance.cases)
    func conformsToTheStoreContract(_ c: StoreConformanceCase) async throws {
        try await c.run(MemoryStore())
    }

    @Test func typedRowsRoundTripAsSortedJSON() async throws {
        struct Node: Codable, Equatable, Sendable {
            var name: String
            var cpus: Int
        }
        let store = MemoryStore()
        let k = StoreKey("nodes", "node-1")
        try await store.transaction { try await $0.put(k, encoding: Node(name: "cpu-01", cpus: 64), expect: .absent) }
        let row = try await store.transaction { try await $0.read(k) }
        #expect(row.map { String(decoding: $0.value, as: UTF8.self) } == #"{"cpus":64,"name":"cpu-01"}"#)
        let node = try await store.transaction { try await $0.read(Node.self, k) }
        #expect(node?.value == Node(name: "cpu-01", cpus: 64))
        #expect(node?.version == 1)
    }

    @Test func aRowThatDoesNotDecodeNamesItsKey() async throws {
        let store = MemoryStore()
        let k = StoreKey("nodes", "node-2")
        try await store.transaction { try await $0.put(k, Array("not json".utf8), expect: .absent) }
        await #expect(throws: StoreDecodingError.self) {
            try await store.transaction { try await $0.read([String: Int].self, k) }
        }
    }

    @Test func aTransactionThatKeepsCollidingFailsWithASerializationFailure() async throws {
        let store = MemoryStore(maxAttempts: 3)
        let k = StoreKey("counters", "c")
        try await store.transaction { try await $0.put(k, Array("0".utf8), expect: .absent) }
        var attempts = 0
        await #expect(throws: StoreError.serializationFailure) {
            try await store.transaction { t in
                attempts += 1
                _ = try await t.read(k)
                // another writer commits between this transaction's read and its commit
                try await store.transaction { try await $0.put(k, Array("x".utf8), expect: .any) }
                try await t.put(k, Array("y".utf8), expect: .any)
            }
        }
        #expect(attempts == 3)
        let row = try await store.transaction { try await $0.read(k) }
        #expect(row?.value == Array("x".utf8), "the colliding transaction never committed")
    }
}
