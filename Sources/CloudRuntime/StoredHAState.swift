import CloudControl
import CloudStore

/// The HA state in a `Store`, as a live runtime persists it: a meta row (epoch, command counter,
/// armed, deferred requests, storm guard, join counter), one row per host record and one per VM
/// record keyed by their IDs, and the operator queue's rows. A write changes only the rows that
/// differ from what this writer last wrote or loaded, in one serializable transaction, and is
/// refused when a newer epoch wrote first, so a round costs what changed, not the fleet. A VM's
/// claims are fields of its row, so a claim is written in the same transaction as the record
/// whose command needs it.
package struct StoredHAState {
    static let meta = StoreKey("ha_meta", "state")
    static let hosts = "ha_hosts"
    static let vms = "ha_vms"
    static let queue = "ha_operator_queue"

    /// The fields of `HAState` that are not per host or per VM.
    struct Meta: Codable, Sendable, Equatable {
        var epoch: UInt64
        var nextCommand: UInt64
        var armed: Bool
        var deferred: [AdminCommand]
        var stormGuard: Bool
        var nextJoin: UInt64
        var hostCount: Int
        var vmCount: Int

        init(_ s: HAState) {
            epoch = s.epoch
            nextCommand = s.nextCommand
            armed = s.armed
            deferred = s.deferred
            stormGuard = s.stormGuard
            nextJoin = s.nextJoin
            hostCount = s.hosts.count
            vmCount = s.vms.count
        }
    }

    /// The stored rows do not add up to a state (a partial or foreign write).
    package struct Inconsistent: Error, CustomStringConvertible {
        package let description: String
    }

    let store: any Store
    /// What this writer last wrote or loaded (nil: nothing yet).
    package private(set) var written: HAState?

    /// The HA state of `store`.
    package init(store: any Store) { self.store = store }

    /// Row IDs sort as numbers do.
    static func rowID(_ n: Int) -> String {
        let digits = String(n)
        return String(repeating: "0", count: max(0, 12 - digits.count)) + digits
    }

    /// Loads the persisted state (nil when none was written), as a new leader does.
    package mutating func load() async throws -> HAState? {
        let loaded = try await store.transaction { t -> HAState? in
            guard let meta = try await t.read(Meta.self, Self.meta)?.value else { return nil }
            let hosts = try await t.scan(table: Self.hosts).map { try $0.decode(HAHostRecord.self).value }
            let vms = try await t.scan(table: Self.vms).map { try $0.decode(HAVMRecord.self).value }
            guard hosts.count == meta.hostCount, vms.count == meta.vmCount else {
                throw Inconsistent(
                    description: "stored HA state has \(hosts.count) host and \(vms.count) VM rows; "
                        + "its meta row counts \(meta.hostCount) and \(meta.vmCount)")
            }
            var s = HAState(restoring: hosts, vms: vms, nextJoin: meta.nextJoin)
            s.epoch = meta.epoch
            s.nextCommand = meta.nextCommand
            s.armed = meta.armed
            s.deferred = meta.deferred
            s.stormGuard = meta.stormGuard
            return s
        }
        written = loaded
        return loaded
    }

    /// Writes a round's state; returns the number of rows written or deleted. Throws
    /// `HAPersistError.staleEpoch` (and writes nothing) when a newer epoch wrote first.
    @discardableResult
    package mutating func write(_ p: HAPersist) async throws -> Int {
        let previous = written
        let rows = try await store.transaction { t -> Int in
            if let stored = try await t.read(Meta.self, Self.meta)?.value, stored.epoch > p.expectEpoch {
                throw HAPersistError.staleEpoch(stored: stored.epoch, writer: p.expectEpoch)
            }
            try await t.put(Self.meta, encoding: Meta(p.state), expect: .any)
            var n = 1
            n += try await Self.writeChanged(
                t, Self.hosts, p.state.hosts, previous: previous?.hosts ?? [], joined: \.joined, key: \.id.rawValue)
            n += try await Self.writeChanged(
                t, Self.vms, p.state.vms, previous: previous?.vms ?? [], joined: \.joined, key: \.id.rawValue)
            let queued = try await t.scan(table: Self.queue)
            for row in queued.prefix(p.consumedRequests) { try await t.delete(row.key, expect: .version(row.version)) }
            return n + min(p.consumedRequests, queued.count)
        }
        written = p.state
        return rows
    }

    /// Writes the records that changed and deletes those that are gone. Both lists are in join
    /// order, so one merge pass finds the differences.
    static func writeChanged<R: Codable & Equatable & Sendable>(
        _ t: any StoreTransaction, _ table: String, _ records: [R], previous: [R], joined: KeyPath<R, UInt64>,
        key: KeyPath<R, String>
    ) async throws -> Int {
        var n = 0
        var old = previous.makeIterator()
        var o = old.next()
        for record in records {
            while let gone = o, gone[keyPath: joined] < record[keyPath: joined] {
                try await t.delete(StoreKey(table, gone[keyPath: key]), expect: .any)
                n += 1
                o = old.next()
            }
            if let same = o, same[keyPath: joined] == record[keyPath: joined] {
                o = old.next()
                if same == record { continue }
            }
            try await t.put(StoreKey(table, record[keyPath: key]), encoding: record, expect: .any)
            n += 1
        }
        while let gone = o {
            try await t.delete(StoreKey(table, gone[keyPath: key]), expect: .any)
            n += 1
            o = old.next()
        }
        return n
    }

    /// Leaves an operator request for the next leader.
    package func enqueue(_ request: AdminCommand) async throws {
        try await store.transaction { t in
            let last = try await t.scan(table: Self.queue).last.flatMap { Int($0.key.id) } ?? 0
            try await t.put(StoreKey(Self.queue, Self.rowID(last + 1)), encoding: request, expect: .absent)
        }
    }

    /// The operator requests waiting for a leader, oldest first.
    package func operatorQueue() async throws -> [AdminCommand] {
        try await store.transaction { t in
            try await t.scan(table: Self.queue).map { try $0.decode(AdminCommand.self).value }
        }
    }
}
