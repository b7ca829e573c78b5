import CloudStore
import CloudStoreSQLite
import CloudTestKit
import Foundation
import Testing

/// A fresh directory under the system's temporary directory, removed by `cleanup`.
struct TempDir {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "cloudplane-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

@Suite struct SQLiteStoreTests {
    @Test(arguments: StoreConformance.cases)
    func conformsToTheStoreContract(_ c: StoreConformanceCase) async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        try await c.run(try await SQLiteStore(directory: dir.path))
    }

    @Test func rowsLeasesAndTheFeedSurviveReopening() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let k = StoreKey("instances", "inst-1")
        do {
            let store = try await SQLiteStore(directory: dir.path)
            try await store.transaction { try await $0.put(k, Array("a".utf8), expect: .absent) }
            try await store.transaction { try await $0.put(k, Array("b".utf8), expect: .version(1)) }
            _ = try await store.acquireLease("ha-leader", holder: "node-a", now: 5, ttlNanoseconds: 10)
        }
        let again = try await SQLiteStore(directory: dir.path)
        let row = try await again.transaction { try await $0.read(k) }
        #expect(row == StoredRow(key: k, version: 2, value: Array("b".utf8)))
        #expect(try await again.lease("ha-leader")?.epoch == 1)
        let feed = try await again.changes(after: 0, limit: 10)
        #expect(feed.map(\.version) == [1, 2])
        // the feed's next sequence continues after the last one, never reused
        try await again.transaction { try await $0.delete(k, expect: .version(2)) }
        let last = try await again.changes(after: feed[1].sequence, limit: 10)
        #expect(last.count == 1 && last[0].sequence > feed[1].sequence && last[0].kind == .delete)
    }

    @Test func migrationsAreRecordedAndAppliedOnce() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let fresh = try await SQLiteStore(directory: dir.path, migrate: false)
        let pending = try await fresh.migrationStatus()
        #expect(!pending.isEmpty && pending.allSatisfy { $0.appliedAt == nil })
        let applied = try await fresh.migrate()
        #expect(applied == pending.map(\.version))
        #expect(try await fresh.migrate().isEmpty)
        let status = try await fresh.migrationStatus()
        #expect(status.allSatisfy { $0.appliedAt != nil })
    }

    @Test func anUnwritableDirectoryIsAClearError() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let file = dir.path + "/not-a-dir"
        FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
        await #expect(throws: StoreError.self) { _ = try await SQLiteStore(directory: file + "/data") }
    }
}
