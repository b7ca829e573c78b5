import CloudStore
import CloudStorePostgres
import CloudTestKit
import Foundation
import Synchronization
import Testing

/// The PostgreSQL store against a real server the suite starts (Debian's postgresql-15, a unix
/// socket in a temporary directory); each case gets its own database.
@Suite(.serialized, .postgres) struct PostgresStoreTests {
    /// A store over a new database.
    func store() async throws -> PostgresStore {
        try await PostgresStore(url: try PostgresScope.current().newDatabase())
    }

    @Test(arguments: StoreConformance.cases)
    func conformsToTheStoreContract(_ c: StoreConformanceCase) async throws {
        let s = try await store()
        defer { s.close() }
        try await c.run(s)
    }

    @Test func injectedSerializationFailuresAreRetriedWholeAndConverge() async throws {
        let s = try await store()
        defer { s.close() }
        let k = StoreKey("counters", "c")
        try await s.transaction { try await $0.put(k, Array("0".utf8), expect: .absent) }
        s.faults.withLock { $0.serializationFailures = 5 }
        let before = s.stats.retries
        var runs = 0
        try await s.transaction { t in
            runs += 1
            guard let row = try await t.read(k) else { throw StoreError.unavailable("missing") }
            try await t.put(k, Array("1".utf8), expect: .version(row.version))
        }
        #expect(s.stats.retries - before == 5)
        #expect(runs == 1, "the injected failure comes before the body; the body ran once")
        #expect(try await s.snapshot { try await $0.read(k) }?.value == Array("1".utf8))
    }

    @Test func twoStoresOnOneDatabaseConflictForRealAndLoseNoUpdate() async throws {
        let url = try PostgresScope.current().newDatabase()
        let a = try await PostgresStore(url: url)
        defer { a.close() }
        let b = try await PostgresStore(url: url)
        defer { b.close() }
        let k = StoreKey("counters", "c")
        try await a.transaction { try await $0.put(k, Array("0".utf8), expect: .absent) }
        let perStore = 40
        try await withThrowingTaskGroup(of: Void.self) { group in
            for s in [a, b] {
                group.addTask {
                    for _ in 0..<perStore {
                        try await s.transaction { t in
                            guard let row = try await t.read(k), let n = Int(String(decoding: row.value, as: UTF8.self))
                            else { throw StoreError.unavailable("missing") }
                            try await t.put(k, Array(String(n + 1).utf8), expect: .version(row.version))
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let row = try await a.snapshot { try await $0.read(k) }
        #expect(row.map { String(decoding: $0.value, as: UTF8.self) } == String(2 * perStore))
        #expect(a.stats.retries + b.stats.retries > 0, "two writers on one row never collided")
        let feed = try await a.changes(after: 0, limit: 1000)
        #expect(
            feed.count == 2 * perStore + 1 && zip(feed, feed.dropFirst()).allSatisfy { $0.sequence + 1 == $1.sequence })
    }

    @Test func anAmbiguousCommitIsReadBackNotRunAgain() async throws {
        let s = try await store()
        defer { s.close() }
        s.faults.withLock { $0.ambiguousCommits = 1 }
        var runs = 0
        let v = try await s.transaction { t -> UInt64 in
            runs += 1
            return try await t.put(StoreKey("instances", "inst-1"), Array("x".utf8), expect: .absent)
        }
        #expect(v == 1 && runs == 1)
        #expect(s.stats.ambiguousCommitted == 1)
        let feed = try await s.changes(after: 0, limit: 10)
        #expect(feed.count == 1)
    }
}

/// Starts one PostgreSQL server around the suite and stops it afterwards.
struct PostgresScope: SuiteTrait, TestScoping {
    @TaskLocal static var server: PostgresServer?

    static func current() throws -> PostgresServer {
        guard let s = server else { throw PostgresServer.StartFailure(description: "no server in scope") }
        return s
    }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let server = try PostgresServer.start()
        defer { server.stop() }
        try await Self.$server.withValue(server) { try await function() }
    }
}

extension Trait where Self == PostgresScope {
    /// A PostgreSQL server for the suite.
    static var postgres: Self { PostgresScope() }
}
