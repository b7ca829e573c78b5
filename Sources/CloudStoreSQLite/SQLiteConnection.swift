import CSQLite
import CloudStore

/// An SQLite error with the statement or operation it came from.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// SQLite's primary result code (`SQLITE_BUSY`, `SQLITE_CORRUPT`, …).
    public let code: Int32
    public let message: String
    public var description: String { "sqlite error \(code): \(message)" }
}

/// One prepared statement, reset after each use.
final class SQLiteStatement {
    let handle: OpaquePointer
    let connection: SQLiteConnection

    init(_ handle: OpaquePointer, _ connection: SQLiteConnection) {
        self.handle = handle
        self.connection = connection
    }

    deinit { sqlite3_finalize(handle) }

    /// Binds `values` to the placeholders in order (1-based), after a reset.
    func bind(_ values: [SQLiteValue]) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (i, v) in values.enumerated() {
            let index = Int32(i + 1)
            let rc: Int32
            switch v {
            case .int(let n): rc = sqlite3_bind_int64(handle, index, n)
            case .text(let s):
                rc = s.utf8CString.withUnsafeBufferPointer {
                    cp_sqlite_bind_text(handle, index, $0.baseAddress, Int32($0.count - 1))
                }
            case .blob(let b):
                rc = b.withUnsafeBytes { cp_sqlite_bind_blob(handle, index, $0.baseAddress, Int32($0.count)) }
            }
            try connection.check(rc, "bind")
        }
    }

    /// Steps once: true while a row is available.
    func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw connection.error(rc, "step")
    }

    /// Runs a statement that returns no rows.
    func run(_ values: [SQLiteValue]) throws {
        try bind(values)
        while try step() {}
        sqlite3_reset(handle)
    }

    func int(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    func text(_ column: Int32) -> String {
        guard let p = sqlite3_column_text(handle, column) else { return "" }
        return String(cString: p)
    }

    func blob(_ column: Int32) -> [UInt8] {
        let n = Int(sqlite3_column_bytes(handle, column))
        guard n > 0, let p = sqlite3_column_blob(handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }
}

/// A value bound to a statement placeholder.
enum SQLiteValue {
    case int(Int64)
    case text(String)
    case blob([UInt8])
}

/// One SQLite connection and its statement cache. Not thread-safe: its owner serializes use.
final class SQLiteConnection {
    let db: OpaquePointer
    private var statements: [String: SQLiteStatement] = [:]

    init(path: String) throws {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &handle, flags, nil)
        guard rc == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let handle { sqlite3_close_v2(handle) }
            throw SQLiteError(code: rc, message: "\(path): \(message)")
        }
        db = handle
        sqlite3_extended_result_codes(db, 0)
        sqlite3_busy_timeout(db, 5000)
    }

    deinit {
        statements.removeAll()
        sqlite3_close_v2(db)
    }

    func error(_ rc: Int32, _ what: String) -> SQLiteError {
        SQLiteError(code: rc, message: "\(what): \(String(cString: sqlite3_errmsg(db)))")
    }

    func check(_ rc: Int32, _ what: String) throws {
        if rc != SQLITE_OK { throw error(rc, what) }
    }

    /// Runs one or more statements that return no rows.
    func exec(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &message)
        if rc != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? "failed"
            sqlite3_free(message)
            throw SQLiteError(code: rc, message: "\(sql.prefix(60)): \(text)")
        }
    }

    /// The cached prepared statement for `sql`.
    func statement(_ sql: String) throws -> SQLiteStatement {
        if let s = statements[sql] { return s }
        var handle: OpaquePointer?
        try check(sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &handle, nil), "prepare \(sql)")
        guard let handle else { throw SQLiteError(code: SQLITE_MISUSE, message: "empty statement: \(sql)") }
        let s = SQLiteStatement(handle, self)
        statements[sql] = s
        return s
    }

    /// Runs `sql` with `values` and maps each row through `row`.
    func query<T>(_ sql: String, _ values: [SQLiteValue], _ row: (SQLiteStatement) throws -> T) throws -> [T] {
        let s = try statement(sql)
        try s.bind(values)
        defer { sqlite3_reset(s.handle) }
        var out: [T] = []
        while try s.step() { out.append(try row(s)) }
        return out
    }

    /// Runs a statement that returns no rows.
    func run(_ sql: String, _ values: [SQLiteValue] = []) throws {
        try statement(sql).run(values)
    }

    /// Rows changed by the last statement.
    var changes: Int { Int(sqlite3_changes(db)) }
}
