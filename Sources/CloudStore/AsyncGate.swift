import Synchronization

/// A first-come, first-served lock for async code: one holder at a time, waiters resumed in
/// arrival order. It guards a backend's one writer (SQLite's connection, PostgreSQL's writes).
package final class AsyncGate: Sendable {
    private struct State {
        var held = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        var head = 0
    }

    private let state = Mutex(State())

    /// Waits until the gate is free and takes it.
    package init() {}

    package func acquire() async {
        // uncontended: take it without suspending
        if state.withLock({ s in
            s.held
                ? false
                : {
                    s.held = true; return true
                }()
        }) {
            return
        }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if !s.held {
                    s.held = true
                    return true
                }
                s.waiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    /// True while someone waits for the gate.
    package var hasWaiters: Bool { state.withLock { $0.head < $0.waiters.count } }

    /// Hands the gate to the next waiter, or frees it.
    package func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            precondition(s.held, "a gate released that nobody holds")
            guard s.head < s.waiters.count else {
                s.held = false
                s.waiters.removeAll(keepingCapacity: true)
                s.head = 0
                return nil
            }
            let c = s.waiters[s.head]
            s.head += 1
            return c
        }
        next?.resume()
    }

    /// Runs `body` holding the gate.
    package func withGate<T>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }
}
