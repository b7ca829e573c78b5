import CloudModel
import CloudStore
import Foundation

extension LifecycleController {
    /// Writes a task's outcome: the instance (placement, claim and state, or its deletion) and
    /// the task's status and log, in one transaction. A placement the store did not take is
    /// given back to the backend.
    func finish(_ task: TaskRecord, _ outcome: Outcome) async {
        let now = plane.now.iso8601
        do {
            try await plane.store.transaction { t in
                guard let instanceID = task.instanceID,
                    let row = try await t.read(InstanceRecord.self, StoreKey(Table.instances, instanceID))
                else {
                    // nothing left to act on: the task leaves the queue, stopped with the reason
                    var gone = try await t.read(TaskRecord.self, StoreKey(Table.tasks, task.id))?.value ?? task
                    gone.status = "stopped"
                    gone.progress = 100
                    gone.endTime = now
                    gone.exitstatus = "the instance no longer exists"
                    try await t.put(StoreKey(Table.tasks, task.id), encoding: gone, expect: .any)
                    try await t.delete(StoreKey(Table.taskQueue, task.id), expect: .any)
                    return
                }
                var inst = row.value
                var done = try await t.read(TaskRecord.self, StoreKey(Table.tasks, task.id))?.value ?? task
                let ok = Self.apply(outcome, to: &inst, task: &done)
                done.status = "stopped"
                done.progress = 100
                done.endTime = now
                done.exitstatus = ok ?? "OK"
                done.note(ok.map { "failed: \($0)" } ?? "TASK OK")
                inst.taskID = nil
                inst.taskState = nil
                if case .destroyed = outcome {
                    let destroy = done.arguments["destroy_volumes"] == "true"
                    for line in try await plane.releaseVolumes(t, of: inst, destroy: destroy) { done.note(line) }
                    try await t.delete(StoreKey(Table.instances, instanceID), expect: .version(row.version))
                } else {
                    try await t.put(
                        StoreKey(Table.instances, instanceID), encoding: inst, expect: .version(row.version))
                }
                try await t.put(StoreKey(Table.tasks, task.id), encoding: done, expect: .any)
                try await t.delete(StoreKey(Table.taskQueue, task.id), expect: .any)
            }
        } catch {
            if case .placed = outcome, task.type == "instance.deploy", let id = task.instanceID {
                await backend.release(id)
            }
        }
    }

    /// Marks a queued task running (what `GET /api/v1/tasks/{id}` shows while it is carried out).
    func markRunning(_ task: TaskRecord) async {
        guard task.status == "queued" else { return }
        var t = task
        t.status = "running"
        t.progress = 10
        t.note("started")
        try? await plane.store.transaction { try await $0.put(StoreKey(Table.tasks, t.id), encoding: t, expect: .any) }
    }

    /// Applies `outcome` to the instance and task; returns the failure text, nil on success.
    static func apply(_ outcome: Outcome, to inst: inout InstanceRecord, task: inout TaskRecord) -> String? {
        switch outcome {
        case .placed(let p, let state, let log):
            inst.nodeID = p.nodeID
            if !p.claim.isEmpty { inst.claim = p.claim }
            inst.gpus = p.gpus
            inst.set(state)
            task.nodeID = p.nodeID
            for line in log { task.note(line) }
            return state == .error ? log.last : nil
        case .resized(let size, let p, let state):
            let from = "\(inst.vcpus) vCPUs, \(inst.memory) MB"
            inst.cpu = size.cpu
            inst.vcpus = size.vcpus
            inst.memory = size.memory
            inst.flavor = size.flavor
            inst.nodeID = p.nodeID
            if !p.claim.isEmpty { inst.claim = p.claim }
            inst.gpus = p.gpus
            inst.set(state)
            task.nodeID = p.nodeID
            task.note("resized from \(from) to \(size.vcpus) vCPUs, \(size.memory) MB on node \(p.nodeID)")
            return nil
        case .powered(let state):
            inst.set(state)
            task.note("instance is \(state.name)")
            return nil
        case .destroyed:
            task.note("destroyed")
            return nil
        case .failed(let why, let state):
            if let state { inst.set(state) }
            return why
        }
    }

    /// Copies what the backend observes (node, state, GPUs) into the store where it differs:
    /// an HA restart moved an instance, a host failure stopped it. Instances with an action in
    /// progress are left to that action.
    public func reconcile() async {
        guard
            let all = try? await plane.list(
                InstanceRecord.self, Table.instances, PageRequest(limit: 1_000_000),
                where: {
                    $0.taskID == nil && $0.nodeID != nil
                }
            ).items, !all.isEmpty
        else { return }
        let seen = await backend.observe(all.map(\.id))
        for (inst, observed) in zip(all, seen) {
            guard let o = observed, o.nodeID != inst.nodeID || o.state.rawValue != inst.state || o.gpus != inst.gpus
            else { continue }
            try? await plane.store.transaction { t in
                guard let row = try await t.read(InstanceRecord.self, StoreKey(Table.instances, inst.id)),
                    row.value.taskID == nil
                else { return }
                var v = row.value
                v.nodeID = o.nodeID
                v.set(o.state)
                v.gpus = o.gpus
                try await t.put(StoreKey(Table.instances, inst.id), encoding: v, expect: .version(row.version))
            }
        }
    }
}
