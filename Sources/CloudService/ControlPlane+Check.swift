import CloudModel
import CloudStore
import Foundation

extension ControlPlane {
    /// Checks the store's invariants, read in one transaction: placed instances name a node that
    /// exists and hold a claim; no GPU is held twice; no node's memory is over-committed; every
    /// instance's running action names an unfinished task and every unfinished task an instance and a queue row (and no other task one);
    /// every stored create reply names an instance that exists or a task that deleted it.
    /// Returns the problems found (empty: consistent).
    public func consistencyProblems() async throws -> [String] {
        try await store.transaction { t in
            let nodes = try await t.scan(table: Table.nodes).map { try $0.decode(NodeRecord.self).value }
            let instances = try await t.scan(table: Table.instances).map { try $0.decode(InstanceRecord.self).value }
            let tasks = try await t.scan(table: Table.tasks).map { try $0.decode(TaskRecord.self).value }
            let keys = try await t.scan(table: Table.idempotency).map { try $0.decode(IdempotencyRecord.self).value }
            let queued = Set(try await t.scan(table: Table.taskQueue).map(\.key.id))
            var out = Self.problems(nodes: nodes, instances: instances, tasks: tasks, keys: keys)
            let unfinished = Set(tasks.filter { !$0.finished }.map(\.id))
            for id in unfinished.subtracting(queued).sorted() { out.append("unfinished task \(id) is not queued") }
            for id in queued.subtracting(unfinished).sorted() { out.append("queued task \(id) is finished or missing") }
            out += try await Self.storageProblems(t, instanceIDs: Set(instances.map(\.id)))
            return out
        }
    }

    static func problems(
        nodes: [NodeRecord], instances: [InstanceRecord], tasks: [TaskRecord], keys: [IdempotencyRecord]
    ) -> [String] {
        var out: [String] = []
        let nodeByID = Dictionary(uniqueKeysWithValues: nodes.map { ($0.node.id.rawValue, $0) })
        let taskByID = Dictionary(uniqueKeysWithValues: tasks.map { ($0.id, $0) })
        let instanceIDs = Set(instances.map(\.id))
        var memory: [String: Int] = [:]
        var gpuHolder: [String: String] = [:]
        for i in instances {
            if let n = i.nodeID {
                if nodeByID[n] == nil { out.append("instance \(i.id) (\(i.name)) is on unknown node \(n)") }
                if (i.claim ?? "").isEmpty { out.append("instance \(i.id) (\(i.name)) is placed without a claim") }
                memory[n, default: 0] += i.memory
                if i.gpu?.mode == "passthrough" {
                    for g in i.gpus {
                        if let other = gpuHolder[g] { out.append("GPU \(g) is held by \(other) and \(i.id)") }
                        gpuHolder[g] = i.id
                    }
                }
            }
            if let tid = i.taskID, taskByID[tid]?.finished != false {
                out.append(
                    "instance \(i.id) (\(i.name)) names task \(tid), which is \(taskByID[tid] == nil ? "missing" : "finished")"
                )
            }
        }
        for (n, used) in memory.sorted(by: { $0.key < $1.key }) {
            if let node = nodeByID[n], used > node.node.hardware.memoryMB {
                out.append(
                    "node \(n) (\(node.node.name)) holds \(used) MB of instances on \(node.node.hardware.memoryMB) MB")
            }
        }
        for task in tasks where !task.finished {
            if let i = task.instanceID, !instanceIDs.contains(i) {
                out.append("unfinished task \(task.id) names missing instance \(i)")
            }
        }
        let destroyed = Set(tasks.filter { $0.type == "instance.destroy" }.compactMap(\.instanceID))
        for k in keys where k.route == "POST /api/v2/instances" && k.status == 200 {
            guard let r = Wire.decode(TaskStarted.self, Array(k.body.utf8)), let id = r.instanceID else { continue }
            if !instanceIDs.contains(id) && !destroyed.contains(id) {
                out.append("acknowledged create (Idempotency-Key '\(k.key)') names missing instance \(id)")
            }
        }
        return out
    }
}
