import CloudStore
import Foundation
import Logging
import NIOCore
import PostgresNIO

extension PostgresStore {
    public func acquireLease(
        _ name: String, holder: String, now: UInt64, ttlNanoseconds: UInt64
    ) async throws
        -> LeaseRecord
    {
        try await leaseTransaction(name) { current in
            if let l = current, l.holder != holder, now < l.expiresAt { throw StoreError.leaseHeld(l) }
            let epoch = current.map { $0.holder == holder ? $0.epoch : $0.epoch + 1 } ?? 1
            return LeaseRecord(name: name, holder: holder, epoch: epoch, expiresAt: now + ttlNanoseconds)
        }
    }

    public func renewLease(
        _ name: String, holder: String, epoch: UInt64, now: UInt64, ttlNanoseconds: UInt64
    )
        async throws -> LeaseRecord
    {
        try await leaseTransaction(name) { current in
            guard let l = current, l.holder == holder, l.epoch == epoch else {
                throw StoreError.leaseLost(name: name, current: current)
            }
            return LeaseRecord(name: name, holder: holder, epoch: epoch, expiresAt: now + ttlNanoseconds)
        }
    }

    public func lease(_ name: String) async throws -> LeaseRecord? {
        try await snapshot { t in try await (t as? PostgresTransaction)?.lease(name) ?? nil }
    }

    /// Reads lease `name`, lets `decide` make the new record (or throw), and writes it, as one
    /// serializable transaction (a compare-and-set on the row).
    func leaseTransaction(
        _ name: String, _ decide: @escaping (LeaseRecord?) throws -> LeaseRecord
    ) async throws
        -> LeaseRecord
    {
        try await transaction { t in
            guard let txn = t as? PostgresTransaction else {
                throw StoreError.unavailable("not a postgres transaction")
            }
            let record = try decide(try await txn.lease(name))
            try await txn.sql(
                """
                INSERT INTO leases (name, holder, epoch, expires_at) VALUES (\(name), \(record.holder), \
                \(Int64(record.epoch)), \(Int64(bitPattern: record.expiresAt))) ON CONFLICT (name) DO UPDATE SET \
                holder = excluded.holder, epoch = excluded.epoch, expires_at = excluded.expires_at
                """)
            return record
        }
    }
}

extension PostgresTransaction {
    func lease(_ name: String) async throws -> LeaseRecord? {
        let rows = try await conn.query(
            "SELECT holder, epoch, expires_at FROM leases WHERE name = \(name)", logger: logger)
        for try await (holder, epoch, expires) in rows.decode((String, Int64, Int64).self) {
            return LeaseRecord(
                name: name, holder: holder, epoch: UInt64(epoch), expiresAt: UInt64(bitPattern: expires))
        }
        return nil
    }
}

/// The schema: one migration per version, statements run one by one (the extended protocol
/// takes one statement at a time); released migrations are never edited.
enum PostgresSchema {
    static let migrations: [(version: Int, name: String, statements: [String])] = [
        (
            1, "rows, change feed, leases, commit markers",
            [
                """
                CREATE TABLE rows (tbl TEXT NOT NULL, id TEXT COLLATE "C" NOT NULL, version BIGINT NOT NULL,
                    value BYTEA NOT NULL, PRIMARY KEY (tbl, id))
                """,
                """
                CREATE TABLE changes (seq BIGINT PRIMARY KEY, tbl TEXT NOT NULL, id TEXT NOT NULL,
                    version BIGINT NOT NULL, kind TEXT NOT NULL)
                """,
                "CREATE TABLE feed_head (one INT PRIMARY KEY, seq BIGINT NOT NULL)",
                "INSERT INTO feed_head (one, seq) VALUES (1, 0)",
                """
                CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, epoch BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL)
                """,
                "CREATE TABLE txn_markers (id TEXT PRIMARY KEY, at BIGINT NOT NULL)",
            ]
        )
    ]
}

extension PostgresStore {
    public func migrationStatus() async throws -> [MigrationStatus] {
        let applied: [(Int, String)] = try await writers.withGate {
            try await client.withConnection { conn in
                try await conn.query(
                    """
                    CREATE TABLE IF NOT EXISTS schema_migrations (version INT PRIMARY KEY, name TEXT NOT NULL,
                        applied_at TEXT NOT NULL)
                    """, logger: logger)
                var out: [(Int, String)] = []
                let rows = try await conn.query(
                    "SELECT version, applied_at FROM schema_migrations ORDER BY version", logger: logger)
                for try await (v, at) in rows.decode((Int, String).self) { out.append((v, at)) }
                return out
            }
        }
        let known = Set(PostgresSchema.migrations.map(\.version))
        if let unknown = applied.first(where: { !known.contains($0.0) }) {
            throw StoreError.unavailable(
                "the database has schema version \(unknown.0), newer than this build knows: upgrade cloudplane")
        }
        return PostgresSchema.migrations.map { m in
            MigrationStatus(version: m.version, name: m.name, appliedAt: applied.first { $0.0 == m.version }?.1)
        }
    }

    @discardableResult
    public func migrate() async throws -> [Int] {
        var done: [Int] = []
        for m in try await migrationStatus() where m.appliedAt == nil {
            guard let statements = PostgresSchema.migrations.first(where: { $0.version == m.version })?.statements
            else { continue }
            let stamp = ISO8601DateFormatter().string(from: Date())
            try await transaction { t in
                guard let txn = t as? PostgresTransaction else { return }
                for s in statements { try await txn.sql(PostgresQuery(unsafeSQL: s)) }
                try await txn.sql(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (\(m.version), \(m.name), \(stamp))"
                )
            }
            done.append(m.version)
        }
        return done
    }
}

extension PostgresStore {
    /// The baseline of `cloudplane bench api`: `count` single-row INSERT transactions (autocommit)
    /// straight to this database from `concurrency` connections. Returns the seconds they took.
    public func baselineInserts(_ count: Int, concurrency: Int) async throws -> Double {
        try await client.withConnection { conn in
            try await conn.query(
                "CREATE TABLE IF NOT EXISTS bench_baseline (id BIGSERIAL PRIMARY KEY, v BYTEA NOT NULL)", logger: logger
            )
        }
        let clock = ContinuousClock()
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<concurrency {
                group.addTask {
                    try await self.client.withConnection { conn in
                        for i in stride(from: w, to: count, by: concurrency) {
                            let v = ByteBuffer(string: "row \(i)")
                            try await conn.query("INSERT INTO bench_baseline (v) VALUES (\(v))", logger: self.logger)
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
