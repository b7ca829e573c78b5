import CloudStore
import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

extension PostgresStore {
    /// Runs `body` as one serializable transaction. Group commit by flat combining: concurrent
    /// transactions of this process queue their bodies; a leader runs up to `maxBatch` of them
    /// in one PostgreSQL transaction, each in its own savepoint (a body that throws is rolled
    /// back to it alone), and commits once, so they share one WAL flush. A serialization failure
    /// or deadlock retries the whole batch (every body is re-run); each member returns only after
    /// the commit, with its own result.
    @discardableResult
    public func transaction<T: Sendable>(_ body: (any StoreTransaction) async throws -> T) async throws -> T {
        try await withoutActuallyEscaping(body) { body in
            let box = OutcomeBox<T>()
            let job = WriteJob<PostgresTransaction> { txn in await Self.runMember(body, in: txn, into: box) }
            await combiner.submit(job, maxBatch: Self.maxBatch) { batch in await self.runBatch(batch) }
            if case .failure(let e) = job.committed { throw e }
            switch box.outcome {
            case .success(let v): return v
            case .failure(let e): throw Self.mapped(e)
            case nil: throw StoreError.unavailable("the transaction's batch was dropped before it ran")
            }
        }
    }

    /// Transactions that share one PostgreSQL commit at most.
    static let maxBatch = 64

    /// One member of a batch: buffered, its writes are undone in memory when its body throws;
    /// eager, it runs in a savepoint. Returns an error when the whole batch must stop: a
    /// retryable failure (the PostgreSQL transaction is aborted), a savepoint that could not be
    /// undone, or (buffered) a failed statement or SQL of the body's own; a body's own error
    /// only undoes that member.
    static func runMember<T>(
        _ body: (any StoreTransaction) async throws -> T, in txn: PostgresTransaction, into box: OutcomeBox<T>
    ) async -> (any Error)? {
        if txn.buffer != nil { return await runBuffered(body, in: txn, into: box) }
        let mark = txn.pending.count
        do {
            try await txn.conn.query("SAVEPOINT member", logger: txn.logger)
            box.outcome = .success(try await body(txn))
            try await txn.conn.query("RELEASE SAVEPOINT member", logger: txn.logger)
            return nil
        } catch {
            box.outcome = .failure(error)
            if let state = sqlState(error), retryable.contains(state) { return error }
            if error is PSQLError && (error as? PSQLError)?.serverInfo == nil { return error }
            do {
                try await txn.conn.query("ROLLBACK TO SAVEPOINT member", logger: txn.logger)
                try await txn.conn.query("RELEASE SAVEPOINT member", logger: txn.logger)
            } catch {
                return error
            }
            txn.pending.removeLast(txn.pending.count - mark)
            return nil
        }
    }

    static func runBuffered<T>(
        _ body: (any StoreTransaction) async throws -> T, in txn: PostgresTransaction, into box: OutcomeBox<T>
    ) async -> (any Error)? {
        let mark = txn.pending.count
        txn.buffer?.beginMember()
        do {
            box.outcome = .success(try await body(txn))
            return nil
        } catch {
            box.outcome = .failure(error)
            if let state = sqlState(error), retryable.contains(state) { return error }
            // a failed statement aborts the whole PostgreSQL transaction; SQL of the body's own
            // has no in-memory undo
            if error is PSQLError { return NeedsSavepoints(why: "a statement failed: \(mapped(error))") }
            if txn.buffer?.rawSQL == true { return NeedsSavepoints(why: "a member with SQL of its own failed") }
            txn.buffer?.undoMember()
            txn.pending.removeLast(txn.pending.count - mark)
            return nil
        }
    }

    /// Runs `batch` as one retried transaction under the writer gate.
    func runBatch(_ batch: ArraySlice<WriteJob<PostgresTransaction>>) async -> Result<Void, any Error> {
        await writers.acquire()
        defer {
            writers.release()
            for j in batch { j.run = nil }
        }
        do {
            try await retrying { t in
                guard let txn = t as? PostgresTransaction else { preconditionFailure("a batch runs on PostgreSQL") }
                for j in batch {
                    if let run = j.run, let stop = await run(txn) { throw stop }
                }
            }
            return .success(())
        } catch {
            return .failure(Self.mapped(error))
        }
    }

    /// Runs `body` until it commits, a non-retryable error, or `maxAttempts`.
    func retrying<T>(_ body: (any StoreTransaction) async throws -> T) async throws -> T {
        counters.withLock { $0.transactions += 1 }
        var buffered = bufferWrites
        for attempt in 0..<maxAttempts {
            let marker = UUID().uuidString.lowercased()
            do {
                return try await attemptOnce(body, marker: marker, buffered: buffered)
            } catch is NeedsSavepoints {
                // not a conflict with another transaction: at once, eagerly, with fresh cache
                counters.withLock { $0.savepointReruns += 1 }
                rowCache.clear()
                buffered = false
                continue
            } catch let e as AmbiguousCommit {
                counters.withLock { $0.ambiguousCommits += 1 }
                // the commit may or may not have happened: the marker row says which
                if try await committed(marker) {
                    counters.withLock { $0.ambiguousCommitted += 1 }
                    guard let value = e.value as? T else {
                        throw StoreError.unavailable("ambiguous commit lost its result")
                    }
                    return value
                }
            } catch {
                guard let state = Self.sqlState(error), Self.retryable.contains(state) else { throw Self.mapped(error) }
            }
            counters.withLock { $0.retries += 1 }
            await backoff(attempt)
        }
        throw StoreError.serializationFailure
    }

    /// A commit whose outcome is unknown, carrying the body's result in case it did commit.
    struct AmbiguousCommit: Error, @unchecked Sendable {
        let value: Any
    }

    func attemptOnce<T>(
        _ body: (any StoreTransaction) async throws -> T, marker: String, buffered: Bool
    ) async throws
        -> T
    {
        try await client.withConnection { conn in
            try await conn.query("BEGIN ISOLATION LEVEL SERIALIZABLE", logger: logger)
            let txn = PostgresTransaction(conn, logger: logger, readOnly: false, buffered: buffered ? rowCache : nil)
            do {
                try await injectSerializationFailure(conn)
                let value = try await body(txn)
                try await txn.finish(marker: marker)
                txn.open = false
                // until the commit is known, the cache holds none of the rows it wrote
                rowCache.forget(txn.pending.map(\.0))
                do {
                    try await conn.query("COMMIT", logger: logger)
                } catch {
                    // 40003, or the connection went away: the outcome is unknown
                    if Self.sqlState(error) == "40003" || !(error is PSQLError)
                        || (error as? PSQLError)?.serverInfo == nil
                    {
                        throw AmbiguousCommit(value: value)
                    }
                    throw error
                }
                if faults.withLock({ f in
                    f.ambiguousCommits > 0
                        ? {
                            f.ambiguousCommits -= 1; return true
                        }() : false
                }) {
                    throw AmbiguousCommit(value: value)
                }
                if let rows = txn.buffer?.rows { rowCache.committed(rows) }
                return value
            } catch let e as AmbiguousCommit {
                throw e
            } catch {
                txn.open = false
                try? await conn.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    /// Raises a real SQLSTATE 40001 on the server when a test asked for one.
    func injectSerializationFailure(_ conn: PostgresConnection) async throws {
        let inject = faults.withLock { f in
            f.serializationFailures > 0
                ? {
                    f.serializationFailures -= 1; return true
                }() : false
        }
        guard inject else { return }
        try await conn.query(
            "DO $$ BEGIN RAISE EXCEPTION 'injected serialization failure' USING ERRCODE = 'serialization_failure'; END $$",
            logger: logger)
    }

    /// True when the transaction of `marker` committed.
    func committed(_ marker: String) async throws -> Bool {
        try await client.withConnection { conn in
            let rows = try await conn.query("SELECT 1 FROM txn_markers WHERE id = \(marker)", logger: logger)
            for try await _ in rows { return true }
            return false
        }
    }

    static func mapped(_ error: any Error) -> any Error {
        if error is StoreError || !(error is PSQLError) { return error }
        let e = error as? PSQLError
        let text = e?.serverInfo?[.message] ?? "\(error)"
        return StoreError.unavailable("postgres: \(text) (SQLSTATE \(e?.serverInfo?[.sqlState] ?? "none"))")
    }

    public func snapshot<T: Sendable>(_ body: (any StoreTransaction) async throws -> T) async throws -> T {
        do {
            return try await client.withConnection { conn in
                try await conn.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
                let txn = PostgresTransaction(conn, logger: logger, readOnly: true)
                defer { txn.open = false }
                do {
                    let v = try await body(txn)
                    try await conn.query("COMMIT", logger: logger)
                    return v
                } catch {
                    try? await conn.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        } catch {
            throw Self.mapped(error)
        }
    }

    /// One statement, no transaction around it: a single SELECT reads one snapshot.
    public func get(_ key: StoreKey) async throws -> StoredRow? {
        do {
            return try await client.withConnection { conn in
                try await PostgresTransaction(conn, logger: logger, readOnly: true).fetch(key)
            }
        } catch {
            throw Self.mapped(error)
        }
    }

    public func changes(after sequence: UInt64, limit: Int) async throws -> [StoreChange] {
        precondition(limit > 0, "a change feed page holds at least one change")
        return try await snapshot { t in
            guard let txn = t as? PostgresTransaction else { return [] }
            return try await txn.changes(after: sequence, limit: limit)
        }
    }
}
