import Synchronization

/// One transaction waiting for the writer: its body (run by whichever task leads the batch)
/// and the continuation that answers it after the batch's COMMIT.
package final class WriteJob<Context>: @unchecked Sendable {
    // @unchecked: `run` is called only by the batch's leader while the job's own task is
    // suspended waiting for it, so the body never runs concurrently with its owner.
    /// Runs the body in its savepoint; an error when the batch must not commit (its savepoint
    /// could not be undone, or the whole transaction must be retried). The backend clears it
    /// once the batch is done, so the body is not kept past its transaction.
    package var run: ((Context) async -> (any Error)?)?
    package var committed: Result<Void, any Error>?
    var waiter: CheckedContinuation<Bool, Never>?
    /// Set when the job is handed the lead instead of an answer.
    var lead = false

    package init(_ run: @escaping (Context) async -> (any Error)?) { self.run = run }
}

/// Flat-combining group commit for a backend's one writer: transactions queue their bodies;
/// one task (the leader) runs a whole queue of them back to back inside one SQLite transaction
/// (a savepoint each), commits once, answers every member, and hands the lead to the next
/// waiting transaction. No transaction waits for a thread hop to get the connection: the
/// connection moves from body to body on the leader's task.
package final class WriteCombiner<Context>: Sendable {
    private struct State {
        var pending: [WriteJob<Context>] = []
        var leading = false
    }
    private let state = Mutex(State())

    package init() {}

    /// Queues `job`; returns when its batch has committed (or failed).
    package func submit(
        _ job: WriteJob<Context>, maxBatch: Int,
        execute: (ArraySlice<WriteJob<Context>>) async -> Result<Void, any Error>
    ) async {
        let leadNow = state.withLock { s -> Bool in
            s.pending.append(job)
            if s.leading { return false }
            s.leading = true
            return true
        }
        var isLeader = leadNow
        if !isLeader {
            isLeader = await withCheckedContinuation { (k: CheckedContinuation<Bool, Never>) in
                let answered = state.withLock { _ -> Bool in
                    if job.committed != nil || job.lead { return true }
                    job.waiter = k
                    return false
                }
                if answered { k.resume(returning: job.lead) }
            }
        }
        guard isLeader else { return }
        await lead(until: job, maxBatch: maxBatch, execute: execute)
    }

    /// Runs batches until `job`'s has committed, then hands the lead on (or stops leading).
    private func lead(
        until job: WriteJob<Context>, maxBatch: Int,
        execute: (ArraySlice<WriteJob<Context>>) async -> Result<Void, any Error>
    ) async {
        while job.committed == nil {
            let batch = state.withLock { s -> ArraySlice<WriteJob<Context>> in
                let n = min(maxBatch, s.pending.count)
                let b = s.pending[0..<n]
                s.pending.removeFirst(n)
                return b
            }
            precondition(!batch.isEmpty, "a leader's own job is always pending until it commits")
            let result = await execute(batch)
            let answers = state.withLock { _ in
                batch.map { j -> CheckedContinuation<Bool, Never>? in
                    j.committed = result
                    defer { j.waiter = nil }
                    return j === job ? nil : j.waiter
                }
            }
            for k in answers { k?.resume(returning: false) }
        }
        let next = state.withLock { s -> CheckedContinuation<Bool, Never>?? in
            guard let first = s.pending.first else {
                s.leading = false
                return nil
            }
            first.lead = true
            defer { first.waiter = nil }
            return .some(first.waiter)
        }
        if case .some(let k) = next { k?.resume(returning: true) }
    }
}

/// What a transaction's body gave, filled in by the batch's leader.
package final class OutcomeBox<T>: @unchecked Sendable {
    // @unchecked: written by the leader while the owner waits, read by the owner after.
    package var outcome: Result<T, any Error>?
    package init() {}
}
