import CSQLite
import CloudStore
import Foundation

/// How much a power cut may lose.
public enum SQLiteDurability: String, Sendable, CaseIterable {
    /// `synchronous=FULL`: the WAL is synced at every commit; a transaction the store
    /// acknowledged survives a power cut.
    case full
    /// `synchronous=NORMAL`: the WAL is synced at checkpoints; a power cut may lose the last
    /// acknowledged transactions (never corrupts). A process crash loses nothing.
    case normal
}

/// The embedded store: one SQLite database file in WAL mode, one connection, one writer.
///
/// Every transaction runs as `BEGIN IMMEDIATE … COMMIT` while holding the store's gate, so
/// transactions of this process run one at a time (trivially serializable), and a second
/// process on the same file waits (busy timeout 5 s) and then fails with `unavailable`.
/// Rows live in one table keyed by (table, ID) with their version; every write appends to the
/// change feed in the same transaction.
public final class SQLiteStore: MigratingStore, @unchecked Sendable {
    // @unchecked: `connection` is used only while holding `gate`.
    let connection: SQLiteConnection
    let gate = AsyncGate()
    /// The database file.
    public let path: String
    public let durability: SQLiteDurability
    /// The data directory's lock file, held while the store is open (-1: none).
    let lockFD: Int32

    /// Opens (creating if needed) the database at `path` and, unless `migrate` is false,
    /// applies pending migrations.
    public convenience init(path: String, durability: SQLiteDurability = .full, migrate: Bool = true) async throws {
        try await self.init(path: path, durability: durability, migrate: migrate, lockFD: -1)
    }

    init(path: String, durability: SQLiteDurability, migrate: Bool, lockFD: Int32) async throws {
        self.path = path
        self.durability = durability
        self.lockFD = lockFD
        do {
            connection = try SQLiteConnection(path: path)
            try connection.exec("PRAGMA journal_mode=WAL")
            try connection.exec("PRAGMA synchronous=\(durability == .full ? "FULL" : "NORMAL")")
            try connection.exec("PRAGMA foreign_keys=ON")
        } catch let e as SQLiteError {
            throw StoreError.unavailable(e.description)
        }
        if migrate { try await self.migrate() }
    }

    /// Opens the store in directory `dir` (created if missing), file `cloudplane.sqlite`.
    public convenience init(
        directory dir: String, durability: SQLiteDurability = .full, migrate: Bool = true
    )
        async throws
    {
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            throw StoreError.unavailable("cannot create data directory '\(dir)': \(error.localizedDescription)")
        }
        let fd = open(dir + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw StoreError.unavailable("cannot open '\(dir)/lock': \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw StoreError.unavailable("data directory '\(dir)' is in use by another cloudplane process")
        }
        try await self.init(path: dir + "/cloudplane.sqlite", durability: durability, migrate: migrate, lockFD: fd)
    }

    deinit { if lockFD >= 0 { close(lockFD) } }

    /// Runs `body` on the connection inside `BEGIN IMMEDIATE … COMMIT`, rolling back on a throw.
    func write<T>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        try await gate.withGate {
            do {
                try connection.exec("BEGIN IMMEDIATE")
            } catch let e as SQLiteError {
                throw StoreError.unavailable(e.description)
            }
            do {
                let result = try await body(connection)
                try connection.exec("COMMIT")
                return result
            } catch {
                try? connection.exec("ROLLBACK")
                if let e = error as? SQLiteError { throw StoreError.unavailable(e.description) }
                throw error
            }
        }
    }

    @discardableResult
    public func transaction<T: Sendable>(_ body: (any StoreTransaction) async throws -> T) async throws -> T {
        try await write { c in
            let txn = SQLiteTransaction(c)
            defer { txn.open = false }
            return try await body(txn)
        }
    }

    public func acquireLease(
        _ name: String, holder: String, now: UInt64, ttlNanoseconds: UInt64
    ) async throws
        -> LeaseRecord
    {
        try await write { c in
            let current = try Self.lease(name, c)
            if let l = current, l.holder != holder, now < l.expiresAt { throw StoreError.leaseHeld(l) }
            let epoch = current.map { $0.holder == holder ? $0.epoch : $0.epoch + 1 } ?? 1
            let record = LeaseRecord(name: name, holder: holder, epoch: epoch, expiresAt: now + ttlNanoseconds)
            try Self.saveLease(record, c)
            return record
        }
    }

    public func renewLease(
        _ name: String, holder: String, epoch: UInt64, now: UInt64, ttlNanoseconds: UInt64
    )
        async throws -> LeaseRecord
    {
        try await write { c in
            let current = try Self.lease(name, c)
            guard let l = current, l.holder == holder, l.epoch == epoch else {
                throw StoreError.leaseLost(name: name, current: current)
            }
            let record = LeaseRecord(name: name, holder: holder, epoch: epoch, expiresAt: now + ttlNanoseconds)
            try Self.saveLease(record, c)
            return record
        }
    }

    public func lease(_ name: String) async throws -> LeaseRecord? {
        try await write { try Self.lease(name, $0) }
    }

    static func lease(_ name: String, _ c: SQLiteConnection) throws -> LeaseRecord? {
        try c.query("SELECT holder, epoch, expires_at FROM leases WHERE name = ?", [.text(name)]) { s in
            LeaseRecord(
                name: name, holder: s.text(0), epoch: UInt64(bitPattern: s.int(1)),
                expiresAt: UInt64(bitPattern: s.int(2)))
        }.first
    }

    static func saveLease(_ l: LeaseRecord, _ c: SQLiteConnection) throws {
        try c.run(
            "INSERT INTO leases (name, holder, epoch, expires_at) VALUES (?, ?, ?, ?) "
                + "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, epoch = excluded.epoch, "
                + "expires_at = excluded.expires_at",
            [.text(l.name), .text(l.holder), .int(Int64(bitPattern: l.epoch)), .int(Int64(bitPattern: l.expiresAt))])
    }

    public func changes(after sequence: UInt64, limit: Int) async throws -> [StoreChange] {
        precondition(limit > 0, "a change feed page holds at least one change")
        return try await write { c in
            try c.query(
                "SELECT seq, tbl, id, version, kind FROM changes WHERE seq > ? ORDER BY seq LIMIT ?",
                [.int(Int64(bitPattern: sequence)), .int(Int64(limit))]
            ) { s in
                StoreChange(
                    sequence: UInt64(bitPattern: s.int(0)), key: StoreKey(s.text(1), s.text(2)),
                    version: UInt64(bitPattern: s.int(3)), kind: s.text(4) == "delete" ? .delete : .put)
            }
        }
    }
}

/// A transaction on the store's connection, valid only inside `transaction`'s body.
final class SQLiteTransaction: StoreTransaction {
    let c: SQLiteConnection
    var open = true

    init(_ c: SQLiteConnection) { self.c = c }

    func live() {
        precondition(open, "a store transaction used after its body returned")
    }

    func read(_ key: StoreKey) async throws -> StoredRow? {
        live()
        return try c.query(
            "SELECT version, value FROM rows WHERE tbl = ? AND id = ?", [.text(key.table), .text(key.id)]
        ) { s in StoredRow(key: key, version: UInt64(bitPattern: s.int(0)), value: s.blob(1)) }.first
    }

    func scan(table: String) async throws -> [StoredRow] {
        live()
        return try c.query("SELECT id, version, value FROM rows WHERE tbl = ? ORDER BY id", [.text(table)]) { s in
            StoredRow(key: StoreKey(table, s.text(0)), version: UInt64(bitPattern: s.int(1)), value: s.blob(2))
        }
    }

    func scan(table: String, after: String?, limit: Int) async throws -> [StoredRow] {
        live()
        precondition(limit > 0, "a page holds at least one row")
        return try c.query(
            "SELECT id, version, value FROM rows WHERE tbl = ? AND id > ? ORDER BY id LIMIT ?",
            [.text(table), .text(after ?? ""), .int(Int64(limit))]
        ) { s in
            StoredRow(key: StoreKey(table, s.text(0)), version: UInt64(bitPattern: s.int(1)), value: s.blob(2))
        }
    }

    func version(_ key: StoreKey) throws -> UInt64? {
        try c.query("SELECT version FROM rows WHERE tbl = ? AND id = ?", [.text(key.table), .text(key.id)]) {
            UInt64(bitPattern: $0.int(0))
        }.first
    }

    func check(_ key: StoreKey, _ expect: WritePrecondition) throws -> UInt64? {
        let found = try version(key)
        switch expect {
        case .any: return found
        case .absent: if found == nil { return found }
        case .version(let v): if found == v { return found }
        }
        throw StoreError.conflict(key: key, expected: expect, found: found)
    }

    func record(_ key: StoreKey, _ version: UInt64, _ kind: StoreChange.Kind) throws {
        try c.run(
            "INSERT INTO changes (tbl, id, version, kind) VALUES (?, ?, ?, ?)",
            [.text(key.table), .text(key.id), .int(Int64(bitPattern: version)), .text(kind.rawValue)])
    }

    @discardableResult
    func put(_ key: StoreKey, _ value: [UInt8], expect: WritePrecondition) async throws -> UInt64 {
        live()
        let version = (try check(key, expect) ?? 0) + 1
        try c.run(
            "INSERT INTO rows (tbl, id, version, value) VALUES (?, ?, ?, ?) "
                + "ON CONFLICT (tbl, id) DO UPDATE SET version = excluded.version, value = excluded.value",
            [.text(key.table), .text(key.id), .int(Int64(bitPattern: version)), .blob(value)])
        try record(key, version, .put)
        return version
    }

    func delete(_ key: StoreKey, expect: WritePrecondition) async throws {
        live()
        guard let found = try check(key, expect) else { return }
        try c.run("DELETE FROM rows WHERE tbl = ? AND id = ?", [.text(key.table), .text(key.id)])
        try record(key, found, .delete)
    }
}
