import CloudStore
import Foundation
import NIOCore
import PostgresNIO

/// Buffered mode: reads see the batch's writes, writes stay in memory until `flush`.
extension PostgresTransaction {
    /// What the batch already knows of `key` without asking the database: a row it touched, or
    /// a cached row (whose version the flush checks).
    func seen(_ key: StoreKey) -> BufferedRow? {
        buffer?.rows[key] ?? cache?.row(key).map { BufferedRow(base: .cached($0.version), current: $0) }
    }

    /// The row at `key` as this transaction sees it: what it has seen, else the database, or,
    /// when `assumeAbsent`, nothing (the flush checks that). Remembered for later reads.
    func bufferedRead(_ key: StoreKey, assumeAbsent: Bool = false) async throws -> StoredRow? {
        if let b = seen(key) {
            if buffer?.rows[key] == nil { buffer?.set(key, b) }
            return b.current
        }
        if assumeAbsent {
            buffer?.set(key, BufferedRow(base: .assumedAbsent, current: nil))
            return nil
        }
        let row = try await fetch(key)
        buffer?.set(key, BufferedRow(base: .read(row?.version), current: row))
        return row
    }

    /// What the transaction knows of `key` before a write with `expect`: what it has seen, an
    /// assumption the flush checks, or (for `.any`) a read.
    func known(_ key: StoreKey, for expect: WritePrecondition) async throws -> BufferedRow {
        if let b = seen(key) { return b }
        switch expect {
        case .absent: return BufferedRow(base: .assumedAbsent, current: nil)
        case .version(let v):
            // the placeholder is never read: the write replaces it at once
            return BufferedRow(base: .assumedVersion(v), current: StoredRow(key: key, version: v, value: []))
        case .any:
            let row = try await fetch(key)
            return BufferedRow(base: .read(row?.version), current: row)
        }
    }

    /// `known`, but a precondition that fails against a cached row is checked against the
    /// database before it is reported (the cache may be behind another process's write).
    func checked(_ key: StoreKey, _ expect: WritePrecondition) async throws -> BufferedRow {
        var b = try await known(key, for: expect)
        if !Self.holds(expect, b.current?.version), case .cached = b.base, !b.written {
            let row = try await fetch(key)
            b = BufferedRow(base: .read(row?.version), current: row)
        }
        guard Self.holds(expect, b.current?.version) else {
            throw StoreError.conflict(key: key, expected: expect, found: b.current?.version)
        }
        return b
    }

    static func holds(_ expect: WritePrecondition, _ found: UInt64?) -> Bool {
        switch expect {
        case .any: true
        case .absent: found == nil
        case .version(let v): found == v
        }
    }

    func bufferedPut(_ key: StoreKey, _ value: [UInt8], expect: WritePrecondition) async throws -> UInt64 {
        var b = try await checked(key, expect)
        let v = (b.current?.version ?? 0) + 1
        b.current = StoredRow(key: key, version: v, value: value)
        b.written = true
        buffer?.set(key, b)
        pending.append((key, v, .put))
        return v
    }

    func bufferedDelete(_ key: StoreKey, expect: WritePrecondition) async throws {
        var b = try await checked(key, expect)
        guard let found = b.current?.version else { return }
        b.current = nil
        b.written = true
        buffer?.set(key, b)
        pending.append((key, found, .delete))
    }

    /// A page of `table` with this transaction's writes merged in: the database is asked for as
    /// many more rows as the transaction deleted in the range, so the page stays full.
    func mergedScan(table: String, after: String?, limit: Int?) async throws -> [StoredRow] {
        let touched = (buffer?.rows ?? [:]).filter { k, b in
            k.table == table && b.written && (after.map { Self.byteOrder($0, k.id) } ?? true)
        }
        let gone = touched.values.filter { $0.current == nil }.count
        let stored =
            if let limit {
                try await fetchPage(table: table, after: after, limit: limit + gone)
            } else {
                try await fetchAll(table: table)
            }
        if touched.isEmpty { return stored }
        var byID = Dictionary(stored.map { ($0.key.id, $0) }, uniquingKeysWith: { a, _ in a })
        for (k, b) in touched { byID[k.id] = b.current }
        let merged = byID.values.sorted { Self.byteOrder($0.key.id, $1.key.id) }
        return limit.map { Array(merged.prefix($0)) } ?? merged
    }

    /// True when `a` sorts before `b` byte by byte (the `COLLATE "C"` order of the id column).
    static func byteOrder(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
}

/// The flush: the batch's buffered writes as one statement per kind, each checking what the
/// buffer assumed; any row that is not as assumed sends the batch back to savepoints.
extension PostgresTransaction {
    func flush() async throws {
        guard let rows = buffer?.rows, !rows.isEmpty else { return }
        let keys = rows.keys.sorted()
        var cached: [(StoreKey, UInt64)] = []
        var absent: [StoreKey] = []
        var inserts: [StoredRow] = []
        var updates: [(UInt64, StoredRow)] = []
        var deletes: [(StoreKey, UInt64)] = []
        for k in keys {
            guard let b = rows[k] else { continue }
            if case .cached(let v) = b.base, !b.written { cached.append((k, v)) }
            if b.base == .assumedAbsent, b.current == nil { absent.append(k) }
            guard b.written else { continue }
            switch (b.base.version, b.current) {
            case (nil, let row?): inserts.append(row)
            case (let old?, let row?): updates.append((old, row))
            case (let old?, nil): deletes.append((k, old))
            case (nil, nil): break
            }
        }
        try await verify(cached)
        try await verifyAbsent(absent)
        try await flushDeletes(deletes)
        try await flushUpdates(updates)
        try await flushInserts(inserts)
    }

    /// Counts the rows a statement returned.
    func count(_ rows: PostgresRowSequence) async throws -> Int {
        var n = 0
        for try await _ in rows { n += 1 }
        return n
    }

    func expect(_ n: Int, of statement: String, _ got: Int) throws {
        if got != n { throw NeedsSavepoints(why: "\(statement): \(got) of \(n) rows as assumed") }
    }

    /// The cached rows the batch only read are still at their versions.
    func verify(_ rows: [(StoreKey, UInt64)]) async throws {
        guard !rows.isEmpty else { return }
        let got = try await count(
            conn.query(
                """
                SELECT 1 FROM rows r JOIN unnest(\(rows.map(\.0.table))::TEXT[], \(rows.map(\.0.id))::TEXT[], \
                \(rows.map { Int64($0.1) })::BIGINT[]) AS u(tbl, id, version) \
                ON r.tbl = u.tbl AND r.id = u.id AND r.version = u.version
                """, logger: logger))
        try expect(rows.count, of: "cached reads", got)
    }

    /// The rows the batch assumed absent without writing them are absent.
    func verifyAbsent(_ keys: [StoreKey]) async throws {
        guard !keys.isEmpty else { return }
        let got = try await count(
            conn.query(
                """
                SELECT 1 FROM rows r JOIN unnest(\(keys.map(\.table))::TEXT[], \(keys.map(\.id))::TEXT[]) \
                AS u(tbl, id) ON r.tbl = u.tbl AND r.id = u.id
                """, logger: logger))
        if got != 0 { throw NeedsSavepoints(why: "\(got) of \(keys.count) rows assumed absent exist") }
    }

    func flushDeletes(_ rows: [(StoreKey, UInt64)]) async throws {
        guard !rows.isEmpty else { return }
        let got = try await count(
            conn.query(
                """
                DELETE FROM rows r USING unnest(\(rows.map(\.0.table))::TEXT[], \(rows.map(\.0.id))::TEXT[], \
                \(rows.map { Int64($0.1) })::BIGINT[]) AS u(tbl, id, version) \
                WHERE r.tbl = u.tbl AND r.id = u.id AND r.version = u.version RETURNING 1
                """, logger: logger))
        try expect(rows.count, of: "deletes", got)
    }

    func flushUpdates(_ rows: [(UInt64, StoredRow)]) async throws {
        guard !rows.isEmpty else { return }
        let got = try await count(
            conn.query(
                """
                UPDATE rows SET version = u.next, value = u.value FROM unnest(\(rows.map(\.1.key.table))::TEXT[], \
                \(rows.map(\.1.key.id))::TEXT[], \(rows.map { Int64($0.0) })::BIGINT[], \
                \(rows.map { Int64($0.1.version) })::BIGINT[], \(rows.map { ByteBuffer(bytes: $0.1.value) })::BYTEA[]) \
                AS u(tbl, id, old, next, value) \
                WHERE rows.tbl = u.tbl AND rows.id = u.id AND rows.version = u.old RETURNING 1
                """, logger: logger))
        try expect(rows.count, of: "updates", got)
    }

    func flushInserts(_ rows: [StoredRow]) async throws {
        guard !rows.isEmpty else { return }
        let got = try await count(
            conn.query(
                """
                INSERT INTO rows (tbl, id, version, value) SELECT * FROM unnest(\(rows.map(\.key.table))::TEXT[], \
                \(rows.map(\.key.id))::TEXT[], \(rows.map { Int64($0.version) })::BIGINT[], \
                \(rows.map { ByteBuffer(bytes: $0.value) })::BYTEA[]) \
                ON CONFLICT (tbl, id) DO NOTHING RETURNING 1
                """, logger: logger))
        try expect(rows.count, of: "inserts", got)
    }
}
