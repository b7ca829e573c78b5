import CloudModel
import CloudStore
import Foundation

/// The instance lifecycle controller: takes queued tasks from the store (in creation order,
/// resuming unfinished ones after a restart), carries each out through the backend, and writes
/// the outcome (placement and claim, state, task status and log) in one transaction. It also
/// reconciles what the backend observes (an HA restart moved an instance) into the store.
public final class LifecycleController: Sendable {
    public let plane: ControlPlane
    public let backend: any InstanceBackend

    public init(plane: ControlPlane, backend: any InstanceBackend) {
        self.plane = plane
        self.backend = backend
    }

    /// Adopts every placed instance of the store into the backend (at start, before serving).
    /// Returns how many were adopted and the names of those that could not be.
    public func adoptAll() async throws -> (adopted: Int, failed: [String]) {
        let all = try await plane.list(InstanceRecord.self, Table.instances, PageRequest(limit: 1_000_000)).items
        var adopted = 0
        var failed: [String] = []
        for inst in all where inst.nodeID != nil && inst.instanceState != .destroying {
            switch await backend.adopt(inst) {
            case .success: adopted += 1
            case .failure(let e): failed.append("\(inst.name): \(e)")
            }
        }
        return (adopted, failed)
    }

    /// Runs until cancelled: queued tasks as they arrive, and a reconcile pass every
    /// `reconcileEvery`.
    public func run(reconcileEvery: Duration = .milliseconds(500)) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [plane] in
                // a periodic wake-up, so observed state is reconciled even without new tasks
                while !Task.isCancelled {
                    try? await Task.sleep(for: reconcileEvery)
                    plane.kick()
                }
            }
            group.addTask { [self] in
                await self.drain()
                for await _ in plane.wakeups {
                    if Task.isCancelled { break }
                    await self.drain()
                    await self.reconcile()
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    /// Carries out every unfinished task, oldest first.
    public func drain() async {
        // the queue holds unfinished tasks only, so a drain costs what is pending, not history
        guard let queued = try? await plane.store.snapshot({ try await $0.scan(table: Table.taskQueue) }) else {
            return
        }
        let order = queued.map { (start: String(decoding: $0.value, as: UTF8.self), id: $0.key.id) }
        for task in order.sorted(by: { ($0.start, $0.id) < ($1.start, $1.id) }) {
            await carryOut(task.id)
        }
    }

    /// Carries out task `id` (no-op once finished).
    public func carryOut(_ id: String) async {
        guard let task = try? await plane.get(TaskRecord.self, Table.tasks, id, "task").value, !task.finished else {
            return
        }
        guard let instanceID = task.instanceID,
            let inst = try? await plane.get(InstanceRecord.self, Table.instances, instanceID, "instance").value
        else { return await finish(task, .failed("the instance no longer exists", state: nil)) }
        await markRunning(task)
        let outcome: Outcome
        switch task.type {
        case "instance.deploy": outcome = await deploy(inst)
        case "instance.start": outcome = await power(inst) { (b) throws(BackendError) in try await b.start(inst.id) }
        case "instance.stop":
            outcome = await power(inst) { (b) throws(BackendError) in try await b.stop(inst.id, force: false) }
        case "instance.kill":
            outcome = await power(inst) { (b) throws(BackendError) in try await b.stop(inst.id, force: true) }
        case "instance.restart":
            outcome = await power(inst) { (b) throws(BackendError) in
                try await b.stop(inst.id, force: false)
                try await b.start(inst.id)
            }
        case "instance.destroy": outcome = await destroy(inst)
        case "instance.migrate": outcome = await migrate(inst, to: task.arguments["node_id"])
        case "instance.resize": outcome = await resize(inst, task.arguments)
        default: outcome = .failed("unknown task type '\(task.type)'", state: nil)
        }
        await finish(task, outcome)
    }

    /// How a task ended, and what it does to its instance.
    enum Outcome {
        case placed(BackendPlacement, state: InstanceState, log: [String])
        /// The instance now has `size`'s CPU, memory and flavor, under placement `at`.
        case resized(InstanceRecord, at: BackendPlacement, state: InstanceState)
        case powered(InstanceState)
        case destroyed
        case failed(String, state: InstanceState?)
    }

    func deploy(_ inst: InstanceRecord) async -> Outcome {
        switch await backend.place(inst) {
        case .failure(let e): return .failed("not placed: \(e)", state: .error)
        case .success(let p):
            var log = ["placed on node \(p.nodeID) (claim \(p.claim))"]
            guard inst.autostart else { return .placed(p, state: .stopped, log: log) }
            do {
                try await backend.start(inst.id)
                log.append("started")
                return .placed(p, state: .running, log: log)
            } catch {
                log.append("start failed: \(error)")
                return .placed(p, state: .error, log: log)
            }
        }
    }

    func power(
        _ inst: InstanceRecord, _ act: (any InstanceBackend) async throws(BackendError) -> Void
    ) async
        -> Outcome
    {
        do {
            try await act(backend)
        } catch {
            return .failed(error.description, state: nil)
        }
        let observed = await backend.observe([inst.id]).first ?? nil
        return .powered(observed?.state ?? .unknown)
    }

    func destroy(_ inst: InstanceRecord) async -> Outcome {
        if inst.nodeID != nil {
            do {
                try await backend.destroy(inst.id)
            } catch {
                return .failed(error.description, state: nil)
            }
        }
        return .destroyed
    }

    func resize(_ inst: InstanceRecord, _ args: [String: String]) async -> Outcome {
        guard let target = ControlPlane.resizeTarget(inst, args) else {
            return .failed("the resize task's arguments are malformed", state: nil)
        }
        switch await backend.resize(target) {
        case .failure(let e): return .failed("resize failed: \(e)", state: nil)
        case .success(let p):
            let observed = await backend.observe([inst.id]).first ?? nil
            return .resized(target, at: p, state: observed?.state ?? inst.instanceState)
        }
    }

    func migrate(_ inst: InstanceRecord, to node: String?) async -> Outcome {
        switch await backend.migrate(inst.id, to: node) {
        case .failure(let e): return .failed("migration failed: \(e)", state: nil)
        case .success(let p):
            return .placed(
                p, state: inst.instanceState,
                log: ["migration to node \(node ?? "any") handed to the HA manager; the instance is on \(p.nodeID)"])
        }
    }
}
