import CloudStore

/// A conformance check that failed, with what was expected.
public struct ConformanceFailure: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ d: String) { description = d }
}

/// One case of the store conformance suite.
public struct StoreConformanceCase: Sendable, CustomStringConvertible {
    public let name: String
    /// Runs the case against an empty store.
    public let run: @Sendable (any Store) async throws -> Void
    public var description: String { name }
}

/// The behaviour every `Store` backend must show (in-memory, SQLite, PostgreSQL, CockroachDB).
/// A backend's tests run every case against a fresh, empty store:
/// `@Test(arguments: StoreConformance.cases) func conforms(_ c: StoreConformanceCase)`.
public enum StoreConformance {
    public static let cases: [StoreConformanceCase] =
        rowCases + feedCases + leaseCases + concurrencyCases + pageCases
        + StoreConformance.batchCases

    static func require(_ ok: Bool, _ what: @autoclosure () -> String) throws {
        if !ok { throw ConformanceFailure(what()) }
    }

    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    static let rowCases: [StoreConformanceCase] = [
        StoreConformanceCase(name: "a created row reads back at version 1; each update adds one") { store in
            let k = StoreKey("vms", "vm-1")
            let v1 = try await store.transaction { try await $0.put(k, bytes("a"), expect: .absent) }
            let v2 = try await store.transaction { try await $0.put(k, bytes("b"), expect: .version(1)) }
            let row = try await store.transaction { try await $0.read(k) }
            try require(v1 == 1 && v2 == 2, "versions \(v1), \(v2); expected 1, 2")
            try require(row == StoredRow(key: k, version: 2, value: bytes("b")), "read back \(String(describing: row))")
        },
        StoreConformanceCase(name: "a failed precondition commits nothing of its transaction") { store in
            let a = StoreKey("vms", "a")
            let b = StoreKey("vms", "b")
            try await store.transaction { try await $0.put(b, bytes("old"), expect: .absent) }
            do {
                try await store.transaction { t in
                    try await t.put(a, bytes("new"), expect: .absent)
                    try await t.put(b, bytes("new"), expect: .version(7))
                }
                throw ConformanceFailure("a write expecting version 7 of a version-1 row committed")
            } catch let e as StoreError {
                try require(e == .conflict(key: b, expected: .version(7), found: 1), "error \(e)")
            }
            let (ra, rb) = try await store.transaction { t in (try await t.read(a), try await t.read(b)) }
            try require(ra == nil, "the first write of the failed transaction was committed")
            try require(rb?.value == bytes("old") && rb?.version == 1, "row b changed: \(String(describing: rb))")
        },
        StoreConformanceCase(name: "create fails on an existing row; delete needs the current version") { store in
            let k = StoreKey("volumes", "vol-1")
            try await store.transaction { try await $0.put(k, bytes("x"), expect: .absent) }
            do {
                try await store.transaction { try await $0.put(k, bytes("y"), expect: .absent) }
                throw ConformanceFailure("created a row that exists")
            } catch let e as StoreError {
                try require(e == .conflict(key: k, expected: .absent, found: 1), "error \(e)")
            }
            do {
                try await store.transaction { try await $0.delete(k, expect: .version(2)) }
                throw ConformanceFailure("deleted with a stale version")
            } catch is StoreError {}
            try await store.transaction { try await $0.delete(k, expect: .version(1)) }
            let row = try await store.transaction { try await $0.read(k) }
            try require(row == nil, "row still there after delete")
        },
        StoreConformanceCase(name: "a transaction reads its own writes; a scan is ordered by ID") { store in
            let ids = ["node-b", "node-c", "node-a"]
            let seen = try await store.transaction { t -> [String] in
                for id in ids { try await t.put(StoreKey("nodes", id), bytes(id), expect: .absent) }
                try await t.put(StoreKey("other", "x"), bytes("x"), expect: .absent)
                return try await t.scan(table: "nodes").map(\.key.id)
            }
            let after = try await store.transaction { try await $0.scan(table: "nodes").map(\.key.id) }
            try require(seen == ids.sorted() && after == ids.sorted(), "scans \(seen), \(after)")
        },
        StoreConformanceCase(name: "a transaction that throws commits nothing") { store in
            struct Abort: Error {}
            let k = StoreKey("tasks", "t-1")
            do {
                try await store.transaction { t in
                    try await t.put(k, bytes("x"), expect: .absent)
                    throw Abort()
                }
            } catch is Abort {}
            let row = try await store.transaction { try await $0.read(k) }
            let feed = try await store.changes(after: 0, limit: 10)
            try require(row == nil && feed.isEmpty, "an aborted transaction left \(String(describing: row)), \(feed)")
        },
    ]

    static let feedCases: [StoreConformanceCase] = [
        StoreConformanceCase(name: "the change feed lists every commit in order, and pages") { store in
            let a = StoreKey("vms", "a")
            let b = StoreKey("vms", "b")
            try await store.transaction { t in
                try await t.put(a, bytes("1"), expect: .absent)
                try await t.put(b, bytes("1"), expect: .absent)
            }
            try await store.transaction { try await $0.put(a, bytes("2"), expect: .version(1)) }
            try await store.transaction { try await $0.delete(b, expect: .version(1)) }
            let all = try await store.changes(after: 0, limit: 100)
            let shape = all.map { "\($0.kind.rawValue) \($0.key) v\($0.version)" }
            try require(shape == ["put vms/a v1", "put vms/b v1", "put vms/a v2", "delete vms/b v1"], "feed \(shape)")
            try require(zip(all, all.dropFirst()).allSatisfy { $0.sequence < $1.sequence }, "sequences not increasing")
            let page = try await store.changes(after: all[1].sequence, limit: 1)
            try require(page == [all[2]], "page after the second change: \(page)")
            let none = try await store.changes(after: all[3].sequence, limit: 10)
            try require(none.isEmpty, "changes after the last one: \(none)")
        }
    ]

    static let leaseCases: [StoreConformanceCase] = [
        StoreConformanceCase(name: "a lease has one holder; a new holder after expiry gets the next epoch") { store in
            let a = try await store.acquireLease("ha-leader", holder: "node-a", now: 0, ttlNanoseconds: 10)
            try require(a.epoch == 1 && a.expiresAt == 10, "first acquisition \(a)")
            do {
                _ = try await store.acquireLease("ha-leader", holder: "node-b", now: 5, ttlNanoseconds: 10)
                throw ConformanceFailure("a held lease was taken")
            } catch let e as StoreError {
                try require(e == .leaseHeld(a), "error \(e)")
            }
            let again = try await store.acquireLease("ha-leader", holder: "node-a", now: 6, ttlNanoseconds: 10)
            try require(again.epoch == 1 && again.expiresAt == 16, "re-acquisition by the holder \(again)")
            let b = try await store.acquireLease("ha-leader", holder: "node-b", now: 16, ttlNanoseconds: 10)
            try require(b.epoch == 2 && b.holder == "node-b", "after expiry \(b)")
            let stored = try await store.lease("ha-leader")
            try require(stored == b, "stored lease \(String(describing: stored))")
        },
        StoreConformanceCase(name: "only the current holder and epoch renew, even after expiry") { store in
            let a = try await store.acquireLease("ha-leader", holder: "node-a", now: 0, ttlNanoseconds: 10)
            let late = try await store.renewLease(
                "ha-leader", holder: "node-a", epoch: a.epoch, now: 12, ttlNanoseconds: 10)
            try require(late.expiresAt == 22 && late.epoch == 1, "late renewal \(late)")
            let b = try await store.acquireLease("ha-leader", holder: "node-b", now: 22, ttlNanoseconds: 10)
            do {
                _ = try await store.renewLease("ha-leader", holder: "node-a", epoch: 1, now: 23, ttlNanoseconds: 10)
                throw ConformanceFailure("a deposed holder renewed")
            } catch let e as StoreError {
                try require(e == .leaseLost(name: "ha-leader", current: b), "error \(e)")
            }
            do {
                _ = try await store.renewLease("ha-leader", holder: "node-b", epoch: 1, now: 23, ttlNanoseconds: 10)
                throw ConformanceFailure("a renewal with an old epoch succeeded")
            } catch is StoreError {}
        },
    ]

    static let concurrencyCases: [StoreConformanceCase] = [
        StoreConformanceCase(name: "concurrent read-modify-write transactions lose no update") { store in
            let k = StoreKey("counters", "c")
            try await store.transaction { try await $0.put(k, bytes("0"), expect: .absent) }
            let writers = 8
            let increments = 25
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<writers {
                    group.addTask {
                        for _ in 0..<increments {
                            try await increment(store, k)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let row = try await store.transaction { try await $0.read(k) }
            let value = row.flatMap { Int(String(decoding: $0.value, as: UTF8.self)) }
            try require(
                value == writers * increments, "counter \(String(describing: value)), expected \(writers * increments)")
            try require(row?.version == UInt64(writers * increments + 1), "version \(String(describing: row?.version))")
        }
    ]

    /// Adds one to a counter row, retrying the whole transaction on a serialization failure.
    static func increment(_ store: any Store, _ k: StoreKey) async throws {
        while true {
            do {
                try await store.transaction { t in
                    guard let row = try await t.read(k), let n = Int(String(decoding: row.value, as: UTF8.self)) else {
                        throw ConformanceFailure("counter row missing")
                    }
                    await Task.yield()  // let other writers interleave between the read and the write
                    try await t.put(k, bytes(String(n + 1)), expect: .version(row.version))
                }
                return
            } catch StoreError.serializationFailure {
                continue
            } catch StoreError.conflict {
                continue
            }
        }
    }
}

extension StoreConformance {
    static let pageCases: [StoreConformanceCase] = [
        StoreConformanceCase(name: "a paged scan resumes after the last ID and sees the page's own writes") { store in
            let ids = (0..<25).map { "inst-\(String($0 + 100))" }
            try await store.transaction { t in
                for id in ids.reversed() { try await t.put(StoreKey("instances", id), bytes(id), expect: .absent) }
                try await t.put(StoreKey("instancesx", "a"), bytes("other table"), expect: .absent)
            }
            var seen: [String] = []
            var cursor: String?
            while true {
                let page = try await store.transaction {
                    try await $0.scan(table: "instances", after: cursor, limit: 10)
                }
                seen += page.map(\.key.id)
                guard page.count == 10, let last = page.last else { break }
                cursor = last.key.id
            }
            try require(seen == ids, "pages gave \(seen.count) IDs: \(seen.prefix(3))…")
            let own = try await store.transaction { t -> [String] in
                try await t.put(StoreKey("instances", "inst-099"), bytes("new"), expect: .absent)
                return try await t.scan(table: "instances", after: nil, limit: 2).map(\.key.id)
            }
            try require(own == ["inst-099", "inst-100"], "first page inside the writing transaction: \(own)")
        },
        StoreConformanceCase(name: "a snapshot reads committed rows and refuses writes") { store in
            let k = StoreKey("nodes", "node-1")
            try await store.transaction { try await $0.put(k, bytes("a"), expect: .absent) }
            let seen = try await store.snapshot { try await $0.read(k) }
            try require(seen?.value == bytes("a") && seen?.version == 1, "snapshot read \(String(describing: seen))")
            do {
                try await store.snapshot { try await $0.put(StoreKey("nodes", "node-2"), bytes("b"), expect: .absent) }
                throw ConformanceFailure("a snapshot wrote")
            } catch is StoreError {}
            let after = try await store.transaction { try await $0.scan(table: "nodes").map(\.key.id) }
            try require(after == ["node-1"], "rows after a refused snapshot write: \(after)")
        },
    ]
}
