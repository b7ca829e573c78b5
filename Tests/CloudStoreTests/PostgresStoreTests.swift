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

    /// Two stores (two processes' worth of connection pools and caches) on one new database.
    func twoStores() async throws -> (PostgresStore, PostgresStore) {
        let url = try PostgresScope.current().newDatabase()
        return (try await PostgresStore(url: url), try await PostgresStore(url: url))
    }

    @Test(arguments: StoreConformance.cases)
    func conformsToTheStoreContract(_ c: StoreConformanceCase) async throws {
        let s = try await store()
        defer { s.close() }
        try await c.run(s)
    }

    @Test(arguments: StoreConformance.cases)
    func conformsWithASavepointPerMember(_ c: StoreConformanceCase) async throws {
        let s = try await PostgresStore(url: try PostgresScope.current().newDatabase(), bufferWrites: false)
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
        let (a, b) = try await twoStores()
        defer {
            a.close()
            b.close()
        }
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
        let collisions = a.stats.retries + b.stats.retries + a.stats.savepointReruns + b.stats.savepointReruns
        #expect(collisions > 0, "two writers on one row never collided")
        let feed = try await a.changes(after: 0, limit: 1000)
        #expect(
            feed.count == 2 * perStore + 1 && zip(feed, feed.dropFirst()).allSatisfy { $0.sequence + 1 == $1.sequence })
    }

    /// Store `a` caches a row; store `b` changes it; `a`'s next transaction reads the stale copy,
    /// its flush finds the version moved, and the transaction runs again on the current row.
    @Test func aStaleCachedRowIsCaughtAtTheFlushAndTheTransactionRunsOnTheCurrentOne() async throws {
        let (a, b) = try await twoStores()
        defer {
            a.close()
            b.close()
        }
        let k = StoreKey("clusters", "c")
        try await a.transaction { try await $0.put(k, Array("old".utf8), expect: .absent) }
        try await b.transaction { t in
            guard let row = try await t.read(k) else { throw StoreError.unavailable("missing") }
            try await t.put(k, Array("new".utf8), expect: .version(row.version))
        }
        let copied = try await a.transaction { t -> String in
            guard let row = try await t.read(k) else { throw StoreError.unavailable("missing") }
            let text = String(decoding: row.value, as: UTF8.self)
            try await t.put(StoreKey("copies", "c"), Array(text.utf8), expect: .absent)
            return text
        }
        #expect(copied == "new")
        #expect(a.stats.savepointReruns == 1)
        #expect(try await a.get(StoreKey("copies", "c"))?.value == Array("new".utf8))
    }

    /// A key `a` assumed absent (it never saw it) was written by `b`: the flush finds it, the
    /// transaction runs again and reads it.
    @Test func aKeyAssumedAbsentThatAnotherStoreWroteIsReadOnTheRerun() async throws {
        let (a, b) = try await twoStores()
        defer {
            a.close()
            b.close()
        }
        let k = StoreKey("idempotency", "k")
        try await b.transaction { try await $0.put(k, Array("b's reply".utf8), expect: .absent) }
        var runs = 0
        let seen = try await a.transaction { t -> String? in
            runs += 1
            guard let row = try await t.readExpectingAbsent(k) else {
                try await t.put(k, Array("a's reply".utf8), expect: .any)
                return nil
            }
            return String(decoding: row.value, as: UTF8.self)
        }
        #expect(seen == "b's reply")
        #expect(runs == 2 && a.stats.savepointReruns == 1)
        #expect(try await a.get(k)?.version == 1)
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
