import CloudStore
import Foundation

/// The SQLite schema, one migration per version; a migration is never edited once released,
/// only followed by a new one.
enum SQLiteSchema {
    static let migrations: [(version: Int, name: String, sql: String)] = [
        (
            1, "rows, change feed, leases",
            """
            CREATE TABLE rows (
                tbl TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, value BLOB NOT NULL,
                PRIMARY KEY (tbl, id)) WITHOUT ROWID;
            CREATE TABLE changes (
                seq INTEGER PRIMARY KEY AUTOINCREMENT, tbl TEXT NOT NULL, id TEXT NOT NULL,
                version INTEGER NOT NULL, kind TEXT NOT NULL);
            CREATE TABLE leases (
                name TEXT PRIMARY KEY, holder TEXT NOT NULL, epoch INTEGER NOT NULL,
                expires_at INTEGER NOT NULL);
            """
        )
    ]
}

extension SQLiteStore {
    func ensureMigrationTable() async throws {
        try await write { c in
            try c.exec(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                    + "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
        }
    }

    public func migrationStatus() async throws -> [MigrationStatus] {
        try await ensureMigrationTable()
        let applied = try await write { c in
            try c.query("SELECT version, applied_at FROM schema_migrations ORDER BY version", []) {
                (Int($0.int(0)), $0.text(1))
            }
        }
        let known = Set(SQLiteSchema.migrations.map(\.version))
        if let unknown = applied.first(where: { !known.contains($0.0) }) {
            throw StoreError.unavailable(
                "the database has schema version \(unknown.0), newer than this build knows: upgrade cloudplane")
        }
        return SQLiteSchema.migrations.map { m in
            MigrationStatus(version: m.version, name: m.name, appliedAt: applied.first { $0.0 == m.version }?.1)
        }
    }

    @discardableResult
    public func migrate() async throws -> [Int] {
        var done: [Int] = []
        for m in try await migrationStatus() where m.appliedAt == nil {
            guard let sql = SQLiteSchema.migrations.first(where: { $0.version == m.version })?.sql else { continue }
            let stamp = ISO8601DateFormatter().string(from: Date())
            try await write { c in
                try c.exec(sql)
                try c.run(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    [.int(Int64(m.version)), .text(m.name), .text(stamp)])
            }
            done.append(m.version)
        }
        return done
    }
}
