import CSQLite
import CloudStore
import Foundation
import Synchronization

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
    /// Reader connections for snapshots (WAL readers run beside the writer), each with its gate.
    let readers: [(connection: SQLiteConnection, gate: AsyncGate)]
    let nextReader = Atomic<Int>(0)
    /// Queues transactions for the writer (group commit).
    let combiner = WriteCombiner<SQLiteConnection>()
    /// Reader connections opened beside the writer.
    public static let readerCount = 4

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
            readers = try (0..<Self.readerCount).map { _ in
                let r = try SQLiteConnection(path: path)
                try r.exec("PRAGMA query_only=1")
                return (r, AsyncGate())
            }
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

    /// Runs `body` on the connection as one transaction, rolling its writes back on a throw.
    ///
    /// Group commit by flat combining: transactions queue their bodies with `combiner`; one
    /// leader runs up to `maxBatch` of them back to back inside one SQLite transaction, each in
    /// its own savepoint, then commits once and answers them all. Every member returns only
    /// after that commit (a failed commit fails them all), so an acknowledged write is durable as
    /// `durability` promises, and the order of the batch is a serial order.
    func write<T>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        try await withoutActuallyEscaping(body) { body in
            let box = OutcomeBox<T>()
            let job = WriteJob<SQLiteConnection> { c in
                do {
                    try c.exec("SAVEPOINT txn")
                    box.outcome = .success(try await body(c))
                    try c.exec("RELEASE txn")
                } catch {
                    box.outcome = .failure(error)
                    do {
                        try c.exec("ROLLBACK TO txn")
                        try c.exec("RELEASE txn")
                    } catch {
                        return StoreError.unavailable("a transaction could not be rolled back; its batch was dropped")
                    }
                }
                return nil
            }
            await combiner.submit(job, maxBatch: Self.maxBatch) { batch in await self.runBatch(batch) }
            if case .failure(let e) = job.committed { throw e }
            switch box.outcome {
            case .success(let v): return v
            case .failure(let e as SQLiteError): throw StoreError.unavailable(e.description)
            case .failure(let e): throw e
            case nil: throw StoreError.unavailable("the transaction's batch was dropped before it ran")
            }
        }
    }

    /// One batch: BEGIN IMMEDIATE, every member's body in its savepoint, one COMMIT.
    func runBatch(_ batch: ArraySlice<WriteJob<SQLiteConnection>>) async -> Result<Void, any Error> {
        await gate.acquire()
        defer { gate.release() }
        do {
            try connection.exec("BEGIN IMMEDIATE")
        } catch {
            for j in batch { j.run = nil }
            return .failure(StoreError.unavailable("\(error)"))
        }
        var broken = false
        for j in batch {
            if !broken, let run = j.run, await run(connection) != nil { broken = true }
            j.run = nil
        }
        return commit(broken: broken)
    }

    /// Commits the open batch (or rolls it back when a savepoint could not be undone).
    func commit(broken: Bool) -> Result<Void, any Error> {
        do {
            if broken {
                try? connection.exec("ROLLBACK")
                return .failure(StoreError.unavailable("a transaction could not be rolled back; its batch was dropped"))
            }
            try connection.exec("COMMIT")
            return .success(())
        } catch let e as SQLiteError {
            try? connection.exec("ROLLBACK")
            return .failure(StoreError.unavailable(e.description))
        } catch {
            return .failure(error)
        }
    }

    /// Transactions that share one SQLite commit at most.
    static let maxBatch = 64

    @discardableResult
    public func transaction<T: Sendable>(_ body: (any StoreTransaction) async throws -> T) async throws -> T {
        try await write { c in
            let txn = SQLiteTransaction(c)
            defer { txn.open = false }
            return try await body(txn)
        }
    }

    public func snapshot<T: Sendable>(_ body: (any StoreTransaction) async throws -> T) async throws -> T {
        try await read { c in
            let txn = SQLiteTransaction(c, readOnly: true)
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
        try await read { try Self.lease(name, $0) }
    }

    /// Runs `body` on a reader connection inside one snapshot (committed data only).
    func read<T>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        let (c, gate) = readers[nextReader.add(1, ordering: .relaxed).oldValue % readers.count]
        return try await gate.withGate {
            do {
                try c.exec("BEGIN")
                defer { try? c.exec("COMMIT") }
                return try await body(c)
            } catch let e as SQLiteError {
                throw StoreError.unavailable(e.description)
            }
        }
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
        return try await read { c in
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
    let readOnly: Bool
    var open = true

    init(_ c: SQLiteConnection, readOnly: Bool = false) {
        self.c = c
        self.readOnly = readOnly
    }

    func live() {
        precondition(open, "a store transaction used after its body returned")
    }

    func writable() throws {
        live()
        if readOnly { throw StoreError.unavailable("a write inside a read-only snapshot") }
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
        try writable()
        let version = (try check(key, expect) ?? 0) + 1
        try c.run(
            "INSERT INTO rows (tbl, id, version, value) VALUES (?, ?, ?, ?) "
                + "ON CONFLICT (tbl, id) DO UPDATE SET version = excluded.version, value = excluded.value",
            [.text(key.table), .text(key.id), .int(Int64(bitPattern: version)), .blob(value)])
        try record(key, version, .put)
        return version
    }

    func delete(_ key: StoreKey, expect: WritePrecondition) async throws {
        try writable()
        guard let found = try check(key, expect) else { return }
        try c.run("DELETE FROM rows WHERE tbl = ? AND id = ?", [.text(key.table), .text(key.id)])
        try record(key, found, .delete)
    }
}

extension SQLiteStore {
    /// The baseline of `cloudplane bench api`: `count` transactions of one single-row INSERT each,
    /// straight to this database (same connection, same durability), from `concurrency` tasks.
    /// Returns the seconds they took.
    public func baselineInserts(_ count: Int, concurrency: Int) async throws -> Double {
        try await write { try $0.exec("CREATE TABLE IF NOT EXISTS bench_baseline (id INTEGER PRIMARY KEY, v BLOB)") }
        let clock = ContinuousClock()
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<concurrency {
                group.addTask {
                    // one BEGIN IMMEDIATE / INSERT / COMMIT per row, no group commit
                    for i in stride(from: w, to: count, by: concurrency) {
                        try await self.gate.withGate {
                            try self.connection.exec("BEGIN IMMEDIATE")
                            try self.connection.run(
                                "INSERT INTO bench_baseline (v) VALUES (?)", [.blob(Array("row \(i)".utf8))])
                            try self.connection.exec("COMMIT")
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let d = (clock.now - start).components
        return Double(d.seconds) + Double(d.attoseconds) / 1e18
    }
}
