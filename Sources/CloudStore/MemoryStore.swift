import Synchronization

/// The in-memory store: the simulator's store and the reference every backend is tested against.
///
/// Transactions are optimistic and serializable: a transaction reads a snapshot, stages its
/// writes, and commits only if nothing it read (rows, or whole tables it scanned) changed since;
/// otherwise it is run again, up to `maxAttempts` times, then fails with `serializationFailure`
/// (what PostgreSQL reports as SQLSTATE 40001).
public final class MemoryStore: Store {
    struct State {
        var rows: [StoreKey: StoredRow] = [:]
        /// Per table, a counter bumped by every write (scans validate against it).
        var tableVersions: [String: UInt64] = [:]
        var leases: [String: LeaseRecord] = [:]
        var feed: [StoreChange] = []
        var sequence: UInt64 = 0
    }

    let state = Mutex(State())
    /// How often a transaction is run before a conflict is reported.
    public let maxAttempts: Int

    /// An empty store.
    public init(maxAttempts: Int = 16) {
        precondition(maxAttempts >= 1, "a transaction runs at least once")
        self.maxAttempts = maxAttempts
    }

    @discardableResult
    public func transaction<T: Sendable>(_ body: (any StoreTransaction) async throws -> T) async throws -> T {
        for _ in 0..<maxAttempts {
            let txn = MemoryTransaction(snapshot: state.withLock { $0 })
            let result = try await body(txn)
            if try commit(txn) { return result }
        }
        throw StoreError.serializationFailure
    }

    public func snapshot<T: Sendable>(_ body: (any StoreTransaction) async throws -> T) async throws -> T {
        try await body(MemoryTransaction(snapshot: state.withLock { $0 }, readOnly: true))
    }

    /// Applies the staged writes if the transaction's reads still hold; false on a conflict.
    func commit(_ txn: MemoryTransaction) throws -> Bool {
        try state.withLock { s in
            for (key, version) in txn.readVersions where s.rows[key]?.version != version { return false }
            for (table, version) in txn.scannedTables where s.tableVersions[table, default: 0] != version {
                return false
            }
            // preconditions were checked against the snapshot; reads validated above make them hold now
            for key in txn.writeOrder {
                guard let write = txn.writes[key] else { continue }
                s.sequence += 1
                s.tableVersions[key.table, default: 0] += 1
                if let value = write {
                    let version = (s.rows[key]?.version ?? 0) + 1
                    s.rows[key] = StoredRow(key: key, version: version, value: value)
                    s.feed.append(StoreChange(sequence: s.sequence, key: key, version: version, kind: .put))
                } else if let old = s.rows.removeValue(forKey: key) {
                    s.feed.append(StoreChange(sequence: s.sequence, key: key, version: old.version, kind: .delete))
                }
            }
            return true
        }
    }

    public func acquireLease(
        _ name: String, holder: String, now: UInt64, ttlNanoseconds: UInt64
    ) async throws
        -> LeaseRecord
    {
        try state.withLock { s in
            let current = s.leases[name]
            if let c = current, c.holder != holder, now < c.expiresAt { throw StoreError.leaseHeld(c) }
            let epoch = current.map { $0.holder == holder ? $0.epoch : $0.epoch + 1 } ?? 1
            let record = LeaseRecord(name: name, holder: holder, epoch: epoch, expiresAt: now + ttlNanoseconds)
            s.leases[name] = record
            return record
        }
    }

    public func renewLease(
        _ name: String, holder: String, epoch: UInt64, now: UInt64, ttlNanoseconds: UInt64
    )
        async throws -> LeaseRecord
    {
        try state.withLock { s in
            guard let c = s.leases[name], c.holder == holder, c.epoch == epoch else {
                throw StoreError.leaseLost(name: name, current: s.leases[name])
            }
            let record = LeaseRecord(name: name, holder: holder, epoch: epoch, expiresAt: now + ttlNanoseconds)
            s.leases[name] = record
            return record
        }
    }

    public func lease(_ name: String) async throws -> LeaseRecord? { state.withLock { $0.leases[name] } }

    public func changes(after sequence: UInt64, limit: Int) async throws -> [StoreChange] {
        precondition(limit > 0, "a change feed page holds at least one change")
        return state.withLock { s in
            // the feed is ordered by sequence: binary search for the first change after `sequence`
            var lo = 0
            var hi = s.feed.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if s.feed[mid].sequence <= sequence { lo = mid + 1 } else { hi = mid }
            }
            return Array(s.feed[lo..<min(s.feed.count, lo + limit)])
        }
    }
}

/// A transaction over a snapshot of a `MemoryStore`.
final class MemoryTransaction: StoreTransaction {
    let snapshot: MemoryStore.State
    /// Versions of the rows read (nil: read as absent).
    var readVersions: [StoreKey: UInt64?] = [:]
    var scannedTables: [String: UInt64] = [:]
    /// Staged writes (nil value: delete), and the order they were made in.
    var writes: [StoreKey: [UInt8]?] = [:]
    var writeOrder: [StoreKey] = []
    /// True for a snapshot: writes throw.
    let readOnly: Bool

    init(snapshot: MemoryStore.State, readOnly: Bool = false) {
        self.snapshot = snapshot
        self.readOnly = readOnly
    }

    /// The row as this transaction sees it (its own writes first).
    func current(_ key: StoreKey) -> StoredRow? {
        if let staged = writes[key] {
            let base = snapshot.rows[key]?.version ?? 0
            return staged.map { StoredRow(key: key, version: base + 1, value: $0) }
        }
        if readVersions[key] == nil { readVersions[key] = .some(snapshot.rows[key]?.version) }
        return snapshot.rows[key]
    }

    func read(_ key: StoreKey) async throws -> StoredRow? { current(key) }

    func scan(table: String) async throws -> [StoredRow] {
        scannedTables[table] = snapshot.tableVersions[table, default: 0]
        var keys = Set(snapshot.rows.keys.filter { $0.table == table })
        for k in writeOrder where k.table == table { keys.insert(k) }
        return keys.sorted().compactMap { current($0) }
    }

    func scan(table: String, after: String?, limit: Int) async throws -> [StoredRow] {
        precondition(limit > 0, "a page holds at least one row")
        // a page read validates like a scan: any write to the table since invalidates it
        let rows = try await scan(table: table)
        guard let after else { return Array(rows.prefix(limit)) }
        return Array(rows.lazy.filter { $0.key.id > after }.prefix(limit))
    }

    func check(_ key: StoreKey, _ expect: WritePrecondition) throws {
        if readOnly { throw StoreError.unavailable("a write inside a read-only snapshot") }
        let found = current(key)?.version
        switch expect {
        case .any: return
        case .absent: if found == nil { return }
        case .version(let v): if found == v { return }
        }
        throw StoreError.conflict(key: key, expected: expect, found: found)
    }

    func stage(_ key: StoreKey, _ value: [UInt8]?) {
        if writes.updateValue(value, forKey: key) == nil { writeOrder.append(key) }
    }

    @discardableResult
    func put(_ key: StoreKey, _ value: [UInt8], expect: WritePrecondition) async throws -> UInt64 {
        try check(key, expect)
        stage(key, value)
        return (snapshot.rows[key]?.version ?? 0) + 1
    }

    func delete(_ key: StoreKey, expect: WritePrecondition) async throws {
        try check(key, expect)
        stage(key, nil)
    }
}
