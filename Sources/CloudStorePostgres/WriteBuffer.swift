import CloudStore
import Synchronization

/// How a buffered transaction knows a row's state before its own writes, and so what the flush
/// must check to keep the transaction serializable.
enum RowBase: Equatable {
    /// Read from the database in this transaction (nil: no row); PostgreSQL's serializable
    /// isolation covers it.
    case read(UInt64?)
    /// Taken from the process's row cache at this version: the flush checks the version.
    case cached(UInt64)
    /// Written with `.absent` without a read: the flush's INSERT finds out.
    case assumedAbsent
    /// Written with `.version(v)` without a read: the flush's UPDATE or DELETE finds out.
    case assumedVersion(UInt64)

    /// The row's version before the transaction (nil: no row).
    var version: UInt64? {
        switch self {
        case .read(let v): v
        case .cached(let v), .assumedVersion(let v): v
        case .assumedAbsent: nil
        }
    }
}

/// One row a buffered transaction has touched: what it was and what it is now.
struct BufferedRow {
    var base: RowBase
    /// The row as the transaction sees it (nil: no row).
    var current: StoredRow?
    /// True once the transaction wrote or deleted the row.
    var written = false
}

/// The writes of a group-commit batch held in memory until the batch's flush, so that a create
/// costs its reads only: every write becomes part of one multi-row statement per kind at the
/// end. A member's writes are undone in memory when its body throws (no savepoint).
struct WriteBuffer {
    var rows: [StoreKey: BufferedRow] = [:]
    /// Earlier states of the rows the current member changed, newest last (emptied as each
    /// member starts).
    var undo: [(StoreKey, BufferedRow?)] = []
    /// Set when a body ran SQL of its own (a lease, a migration): that cannot be undone in
    /// memory, so a failing member then sends the batch back to savepoints.
    var rawSQL = false

    mutating func set(_ key: StoreKey, _ row: BufferedRow) {
        undo.append((key, rows[key]))
        rows[key] = row
    }

    /// Starts a member: nothing to undo yet, no SQL of its own.
    mutating func beginMember() {
        undo.removeAll(keepingCapacity: true)
        rawSQL = false
    }

    /// Undoes every change the current member made.
    mutating func undoMember() {
        while let (key, old) = undo.popLast() { rows[key] = old }
    }
}

/// Why a buffered batch is re-run with a savepoint per member: a flush found a row other than the
/// one it assumed, or a member that cannot be undone in memory failed. Not an error a caller sees.
struct NeedsSavepoints: Error {
    let why: String
}

/// The rows this process last committed or read in a write transaction, by key: a buffered
/// transaction reads them without a round trip and the flush checks their versions, so a stale
/// entry (another process wrote the row) costs a re-run, never a wrong answer.
final class RowCache: Sendable {
    private let rows = Mutex([StoreKey: StoredRow]())
    /// Entries kept at most; the cache is emptied when a commit would pass it.
    static let capacity = 16_384

    func row(_ key: StoreKey) -> StoredRow? { rows.withLock { $0[key] } }

    /// Forgets `keys` (before a commit whose outcome may be unknown).
    func forget(_ keys: some Sequence<StoreKey>) {
        rows.withLock { r in for k in keys { r.removeValue(forKey: k) } }
    }

    /// Records what a committed buffered transaction left.
    func committed(_ touched: [StoreKey: BufferedRow]) {
        rows.withLock { r in
            if r.count + touched.count > Self.capacity { r.removeAll(keepingCapacity: true) }
            for (k, b) in touched {
                if let row = b.current {
                    r[k] = row
                } else {
                    r.removeValue(forKey: k)
                }
            }
        }
    }

    func clear() { rows.withLock { $0.removeAll() } }
}
