import CloudStore
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// One transaction on a leased connection. Eager (with a savepoint per batch member), writes are
/// applied as they are made (the serializable transaction keeps them private); buffered (given a
/// row cache), they are held in memory and flushed at the end as one statement per kind. The
/// change feed's entries are added at the end, numbered from the feed's head row, so feed order
/// is commit order.
final class PostgresTransaction: StoreTransaction {
    let conn: PostgresConnection
    let logger: Logger
    let readOnly: Bool
    var open = true
    var pending: [(StoreKey, UInt64, StoreChange.Kind)] = []
    /// The buffered writes (nil: eager).
    var buffer: WriteBuffer?
    let cache: RowCache?

    init(_ conn: PostgresConnection, logger: Logger, readOnly: Bool, buffered cache: RowCache? = nil) {
        self.conn = conn
        self.logger = logger
        self.readOnly = readOnly
        self.cache = cache
        buffer = cache == nil ? nil : WriteBuffer()
    }

    /// Runs SQL of the body's own (leases, migrations) in the transaction.
    @discardableResult
    func sql(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        buffer?.rawSQL = true
        return try await conn.query(query, logger: logger)
    }

    func live() { precondition(open, "a store transaction used after its body returned") }

    func writable() throws {
        live()
        if readOnly { throw StoreError.unavailable("a write inside a read-only snapshot") }
    }

    static func bytes(_ b: ByteBuffer) -> [UInt8] { Array(b.readableBytesView) }

    func read(_ key: StoreKey) async throws -> StoredRow? {
        live()
        return buffer == nil ? try await fetch(key) : try await bufferedRead(key)
    }

    /// Buffered, a row the transaction has not seen is assumed absent; the flush checks it.
    func readExpectingAbsent(_ key: StoreKey) async throws -> StoredRow? {
        live()
        return buffer == nil ? try await fetch(key) : try await bufferedRead(key, assumeAbsent: true)
    }

    /// Row `key` as the database has it in this transaction.
    func fetch(_ key: StoreKey) async throws -> StoredRow? {
        let rows = try await conn.query(
            "SELECT version, value FROM rows WHERE tbl = \(key.table) AND id = \(key.id)", logger: logger)
        for try await (v, value) in rows.decode((Int64, ByteBuffer).self) {
            return StoredRow(key: key, version: UInt64(v), value: Self.bytes(value))
        }
        return nil
    }

    func scan(table: String) async throws -> [StoredRow] {
        live()
        return buffer == nil
            ? try await fetchAll(table: table) : try await mergedScan(table: table, after: nil, limit: nil)
    }

    func scan(table: String, after: String?, limit: Int) async throws -> [StoredRow] {
        live()
        precondition(limit > 0, "a page holds at least one row")
        return buffer == nil
            ? try await fetchPage(table: table, after: after, limit: limit)
            : try await mergedScan(table: table, after: after, limit: limit)
    }

    func fetchAll(table: String) async throws -> [StoredRow] {
        let rows = try await conn.query(
            "SELECT id, version, value FROM rows WHERE tbl = \(table) ORDER BY id", logger: logger)
        var out: [StoredRow] = []
        for try await (id, v, value) in rows.decode((String, Int64, ByteBuffer).self) {
            out.append(StoredRow(key: StoreKey(table, id), version: UInt64(v), value: Self.bytes(value)))
        }
        return out
    }

    func fetchPage(table: String, after: String?, limit: Int) async throws -> [StoredRow] {
        let rows = try await conn.query(
            "SELECT id, version, value FROM rows WHERE tbl = \(table) AND id > \(after ?? "") ORDER BY id LIMIT \(limit)",
            logger: logger)
        var out: [StoredRow] = []
        for try await (id, v, value) in rows.decode((String, Int64, ByteBuffer).self) {
            out.append(StoredRow(key: StoreKey(table, id), version: UInt64(v), value: Self.bytes(value)))
        }
        return out
    }

    func version(_ key: StoreKey) async throws -> UInt64? {
        let rows = try await conn.query(
            "SELECT version FROM rows WHERE tbl = \(key.table) AND id = \(key.id)", logger: logger)
        for try await v in rows.decode(Int64.self) { return UInt64(v) }
        return nil
    }

    func check(_ key: StoreKey, _ expect: WritePrecondition) async throws -> UInt64? {
        let found = try await version(key)
        switch expect {
        case .any: return found
        case .absent: if found == nil { return found }
        case .version(let v): if found == v { return found }
        }
        throw StoreError.conflict(key: key, expected: expect, found: found)
    }

    /// One statement per write: the precondition is part of the upsert (`ON CONFLICT … WHERE`),
    /// and only a refused write reads the row again to say what it found.
    @discardableResult
    func put(_ key: StoreKey, _ value: [UInt8], expect: WritePrecondition) async throws -> UInt64 {
        try writable()
        if buffer != nil { return try await bufferedPut(key, value, expect: expect) }
        let bytes = ByteBuffer(bytes: value)
        let rows: PostgresRowSequence
        switch expect {
        case .absent:
            rows = try await conn.query(
                """
                INSERT INTO rows (tbl, id, version, value) VALUES (\(key.table), \(key.id), 1, \(bytes)) \
                ON CONFLICT (tbl, id) DO NOTHING RETURNING version
                """, logger: logger)
        case .version(let v):
            rows = try await conn.query(
                """
                UPDATE rows SET version = version + 1, value = \(bytes) WHERE tbl = \(key.table) AND id = \(key.id) \
                AND version = \(Int64(v)) RETURNING version
                """, logger: logger)
        case .any:
            rows = try await conn.query(
                """
                INSERT INTO rows (tbl, id, version, value) VALUES (\(key.table), \(key.id), 1, \(bytes)) \
                ON CONFLICT (tbl, id) DO UPDATE SET version = rows.version + 1, value = excluded.value RETURNING version
                """, logger: logger)
        }
        for try await v in rows.decode(Int64.self) {
            pending.append((key, UInt64(v), .put))
            return UInt64(v)
        }
        throw StoreError.conflict(key: key, expected: expect, found: try await version(key))
    }

    func delete(_ key: StoreKey, expect: WritePrecondition) async throws {
        try writable()
        if buffer != nil { return try await bufferedDelete(key, expect: expect) }
        guard let found = try await check(key, expect) else { return }
        try await conn.query("DELETE FROM rows WHERE tbl = \(key.table) AND id = \(key.id)", logger: logger)
        pending.append((key, found, .delete))
    }

    /// Numbers this transaction's changes from the feed head and writes them, with the marker
    /// row an ambiguous commit is read back by. A transaction that wrote nothing writes nothing.
    func finish(marker: String) async throws {
        try await flush()
        guard !pending.isEmpty else { return }
        let n = Int64(pending.count)
        let rows = try await conn.query(
            "UPDATE feed_head SET seq = seq + \(n) WHERE one = 1 RETURNING seq", logger: logger)
        var end: Int64 = 0
        for try await s in rows.decode(Int64.self) { end = s }
        // every change of the transaction in one statement
        let seqs = (0..<pending.count).map { end - n + 1 + Int64($0) }
        let tables = pending.map(\.0.table)
        let ids = pending.map(\.0.id)
        let versions = pending.map { Int64($0.1) }
        let kinds = pending.map(\.2.rawValue)
        try await conn.query(
            """
            INSERT INTO changes (seq, tbl, id, version, kind) SELECT * FROM unnest(\(seqs)::BIGINT[], \
            \(tables)::TEXT[], \(ids)::TEXT[], \(versions)::BIGINT[], \(kinds)::TEXT[])
            """, logger: logger)
        let now = Int64(Date().timeIntervalSince1970)
        try await conn.query("INSERT INTO txn_markers (id, at) VALUES (\(marker), \(now))", logger: logger)
    }

    func changes(after sequence: UInt64, limit: Int) async throws -> [StoreChange] {
        let rows = try await conn.query(
            "SELECT seq, tbl, id, version, kind FROM changes WHERE seq > \(Int64(sequence)) ORDER BY seq LIMIT \(limit)",
            logger: logger)
        var out: [StoreChange] = []
        for try await (seq, tbl, id, v, kind) in rows.decode((Int64, String, String, Int64, String).self) {
            out.append(
                StoreChange(
                    sequence: UInt64(seq), key: StoreKey(tbl, id), version: UInt64(v),
                    kind: kind == "delete" ? .delete : .put))
        }
        return out
    }
}
