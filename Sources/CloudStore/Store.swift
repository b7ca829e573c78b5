/// A row's address: a table and an ID within it.
public struct StoreKey: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let table: String
    public let id: String

    /// The key of row `id` in `table`.
    public init(_ table: String, _ id: String) {
        precondition(!table.isEmpty && !id.isEmpty, "a store key names a table and a row")
        self.table = table
        self.id = id
    }

    public static func < (a: StoreKey, b: StoreKey) -> Bool { (a.table, a.id) < (b.table, b.id) }

    public var description: String { "\(table)/\(id)" }
}

/// A stored row: its bytes (the backend does not look inside) and its resource version, which
/// grows by one with every write of the row and starts at 1.
public struct StoredRow: Sendable, Equatable {
    public let key: StoreKey
    public let version: UInt64
    public let value: [UInt8]

    public init(key: StoreKey, version: UInt64, value: [UInt8]) {
        self.key = key
        self.version = version
        self.value = value
    }
}

/// What a write expects of the row it replaces (optimistic concurrency, as Kubernetes'
/// `resourceVersion` or etcd's `mod_revision` compare).
public enum WritePrecondition: Sendable, Equatable {
    /// Whatever is there.
    case any
    /// The row must not exist (create).
    case absent
    /// The row must exist at exactly this version (update, delete).
    case version(UInt64)
}

/// One entry of the change feed: every committed write and delete, in commit order.
public struct StoreChange: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, Codable {
        case put, delete
    }

    /// Position in the feed; strictly increasing, never reused.
    public let sequence: UInt64
    public let key: StoreKey
    /// The row's version after a put; the deleted version after a delete.
    public let version: UInt64
    public let kind: Kind

    public init(sequence: UInt64, key: StoreKey, version: UInt64, kind: Kind) {
        self.sequence = sequence
        self.key = key
        self.version = version
        self.kind = kind
    }
}

/// A named lease row (the HA leader lease, a controller's lease): one holder at a time, an epoch
/// that grows with every new holder, and an expiry in the writer's clock (wall nanoseconds live,
/// virtual nanoseconds in the simulator).
public struct LeaseRecord: Sendable, Equatable, Codable {
    public let name: String
    public let holder: String
    public let epoch: UInt64
    public let expiresAt: UInt64

    public init(name: String, holder: String, epoch: UInt64, expiresAt: UInt64) {
        self.name = name
        self.holder = holder
        self.epoch = epoch
        self.expiresAt = expiresAt
    }
}

/// Why a store operation failed. Every failure leaves the store as it was: a transaction that
/// throws commits nothing.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A write's precondition did not hold (`found` is nil when the row does not exist).
    case conflict(key: StoreKey, expected: WritePrecondition, found: UInt64?)
    /// The lease is held by someone else and has not expired.
    case leaseHeld(LeaseRecord)
    /// A renewal by a holder or epoch that no longer holds the lease.
    case leaseLost(name: String, current: LeaseRecord?)
    /// The transaction collided with a concurrent one and may be retried whole (SQLSTATE 40001).
    case serializationFailure
    /// The backend cannot be reached.
    case unavailable(String)

    public var description: String {
        switch self {
        case .conflict(let key, let expected, let found):
            "conflict on \(key): expected \(expected), found \(found.map { "version \($0)" } ?? "no row")"
        case .leaseHeld(let l): "lease '\(l.name)' is held by '\(l.holder)' (epoch \(l.epoch)) until \(l.expiresAt)"
        case .leaseLost(let name, let current):
            "lease '\(name)' was lost" + (current.map { " to '\($0.holder)' (epoch \($0.epoch))" } ?? "")
        case .serializationFailure: "serialization failure: retry the transaction"
        case .unavailable(let why): "store unavailable: \(why)"
        }
    }
}

/// The reads and writes of one transaction. Reads see the transaction's own writes.
public protocol StoreTransaction: AnyObject {
    /// The row at `key`, if any.
    func read(_ key: StoreKey) async throws -> StoredRow?
    /// Every row of `table`, ordered by ID (byte order).
    func scan(table: String) async throws -> [StoredRow]
    /// Up to `limit` rows of `table` whose IDs sort after `after` (nil: from the first), ordered
    /// by ID: one page of a list, resumed from the last ID of the previous page.
    func scan(table: String, after: String?, limit: Int) async throws -> [StoredRow]
    /// Writes `value` at `key` if `expect` holds; returns the row's new version.
    @discardableResult
    func put(_ key: StoreKey, _ value: [UInt8], expect: WritePrecondition) async throws -> UInt64
    /// Deletes the row at `key` if `expect` holds (a missing row with `.any` is no error).
    func delete(_ key: StoreKey, expect: WritePrecondition) async throws
    /// The row at `key`, read by a caller that expects none (a fresh idempotency key). A
    /// backend may answer from what it knows without asking the database and check the answer
    /// when the transaction commits, running the transaction again when it was wrong; the
    /// result is the same as `read`'s.
    func readExpectingAbsent(_ key: StoreKey) async throws -> StoredRow?
}

extension StoreTransaction {
    /// `read`.
    public func readExpectingAbsent(_ key: StoreKey) async throws -> StoredRow? { try await read(key) }
}

/// The control plane's persistent store. Every backend (in-memory, SQLite, PostgreSQL and
/// CockroachDB) provides serializable transactions, version preconditions, lease rows with
/// compare-and-set on the epoch, and an ordered change feed, and passes the conformance suite in
/// CloudTestKit.
public protocol Store: Sendable {
    /// Runs `body` as one serializable transaction: all of its writes commit together, or none
    /// (when `body` throws, or a precondition fails).
    @discardableResult
    func transaction<T: Sendable>(_ body: (any StoreTransaction) async throws -> T) async throws -> T

    /// Takes lease `name` for `holder` when it is free, expired or already `holder`'s. A new
    /// holder gets the next epoch; the same holder keeps its epoch. Throws `leaseHeld` otherwise.
    func acquireLease(_ name: String, holder: String, now: UInt64, ttlNanoseconds: UInt64) async throws -> LeaseRecord

    /// Renews lease `name` for the holder of `epoch`. Throws `leaseLost` when another holder or
    /// epoch has it (a renewal after expiry succeeds while nobody else took it).
    func renewLease(
        _ name: String, holder: String, epoch: UInt64, now: UInt64, ttlNanoseconds: UInt64
    ) async throws
        -> LeaseRecord

    /// The lease row `name`, if it was ever taken.
    func lease(_ name: String) async throws -> LeaseRecord?

    /// Changes committed after `sequence`, oldest first, at most `limit`.
    func changes(after sequence: UInt64, limit: Int) async throws -> [StoreChange]

    /// Runs `body` as a read-only transaction over one consistent snapshot; a write in it throws.
    /// Backends may serve it beside the writer (SQLite's WAL readers, a PostgreSQL READ ONLY
    /// transaction); it never waits for a write transaction to finish.
    func snapshot<T: Sendable>(_ body: (any StoreTransaction) async throws -> T) async throws -> T

    /// The committed row at `key`, if any: a snapshot of one read, which a backend may serve in
    /// one statement without a transaction around it.
    func get(_ key: StoreKey) async throws -> StoredRow?
}

extension Store {
    /// A snapshot holding one read.
    public func get(_ key: StoreKey) async throws -> StoredRow? {
        try await snapshot { try await $0.read(key) }
    }
}

/// One versioned schema migration of a database backend.
public struct MigrationStatus: Sendable, Equatable, Codable {
    public let version: Int
    public let name: String
    /// When it was applied (ISO 8601, UTC); nil while pending.
    public let appliedAt: String?

    public init(version: Int, name: String, appliedAt: String?) {
        self.version = version
        self.name = name
        self.appliedAt = appliedAt
    }
}

/// A store whose schema is versioned: migrations are applied in order, once, each in its own
/// transaction, and the applied ones are recorded in the database.
public protocol MigratingStore: Store {
    /// Every migration this build knows, applied or pending, in version order.
    func migrationStatus() async throws -> [MigrationStatus]
    /// Applies the pending migrations; returns the versions applied now.
    @discardableResult
    func migrate() async throws -> [Int]
}
