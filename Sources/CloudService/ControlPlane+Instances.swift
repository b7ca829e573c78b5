import CloudModel
import CloudStore
import Foundation

/// What a call that starts a long action answers: its task (and the instance it acts on).
public struct TaskStarted: Sendable, Equatable, Codable {
    public var taskID: String
    public var instanceID: String?

    enum CodingKeys: String, CodingKey {
        case taskID = "task_id", instanceID = "instance_id"
    }
}

extension ControlPlane {
    /// `POST /api/v2/instances`: validates the deploy body, writes the instance (state CREATING)
    /// and its deploy task in one transaction, and answers `{task_id, instance_id}` at once.
    public func deploy(
        _ p: Principal, body bytes: [UInt8], idempotencyKey: String?, admission: (any InstanceBackend)?
    ) async throws -> ServiceReply {
        var (draft, destNode, destCluster, volumes) = try parseDeploy(bytes)
        if let admission, let e = await admission.validate(draft) { throw ServiceError.invalid([e]) }
        return try await mutate(p, route: "POST /api/v2/instances", idempotencyKey: idempotencyKey, request: bytes) {
            t in
            let clusterID: String
            if let n = destNode {
                let node = try await t.load(NodeRecord.self, Table.nodes, n, "node").value
                clusterID = node.node.clusterID.rawValue
            } else if let c = destCluster {
                clusterID = c
            } else {
                throw ServiceError.invalid(["destination"], "must name node_id or cluster_id")
            }
            draft.clusterID = clusterID
            // existence checks read the rows without decoding them when nothing else is needed
            if draft.organizationID.isEmpty {
                let cluster = try await t.load(Cluster.self, Table.clusters, clusterID, "cluster").value
                draft.organizationID = cluster.organizationID.rawValue
            } else if try await t.read(StoreKey(Table.clusters, clusterID)) == nil {
                throw ServiceError.notFound("cluster", clusterID)
            }
            if try await t.read(StoreKey(Table.organizations, draft.organizationID)) == nil {
                throw ServiceError.notFound("organization", draft.organizationID)
            }
            try await attachVolumes(t, volumes, to: &draft)
            let task = self.newTask("instance.deploy", instance: draft, principal: p)
            draft.taskID = task.id
            draft.taskState = "scheduling"
            try await t.put(StoreKey(Table.instances, draft.id), encoding: draft, expect: .absent)
            try await t.enqueue(task)
            return .json(TaskStarted(taskID: task.id, instanceID: draft.id))
        }
    }

    /// A queued task of `type` for `instance` (written with `StoreTransaction.enqueue`).
    func newTask(
        _ type: String, instance: InstanceRecord, principal: Principal, arguments: [String: String] = [:]
    )
        -> TaskRecord
    {
        var task = TaskRecord(
            id: newUUID(), type: type, status: "queued", exitstatus: nil, progress: 0, instanceID: instance.id,
            nodeID: instance.nodeID ?? instance.requestedNodeID, organizationID: instance.organizationID,
            user: principal.name, startTime: now.iso8601, endTime: nil, arguments: arguments, log: [])
        task.note("\(type) of instance '\(instance.name)' (\(instance.id)) queued by \(principal.name)")
        return task
    }

    /// Power actions of the reference API, the task type each starts, the in-progress state
    /// and the desired power it sets.
    static let powerActions: [String: (task: String, state: String, desired: String)] = [
        "start": ("instance.start", "powering-on", "running"),
        "stop": ("instance.stop", "powering-off", "stopped"),
        "restart": ("instance.restart", "rebooting", "running"),
        "kill": ("instance.kill", "powering-off", "stopped"),
    ]

    /// `POST /api/v1/instances/{id}/power`, `DELETE /api/v1/instances/{id}` and our
    /// `POST /api/v1/instances/{id}/migrate`: one action at a time per instance; a second gets
    /// 409 naming the running task and its state.
    public func act(
        _ p: Principal, instance id: String, action: String, arguments: [String: String] = [:],
        ifMatch: UInt64?, idempotencyKey: String?, request: [UInt8]
    ) async throws -> ServiceReply {
        let route = "\(action) /api/v1/instances/\(id)"
        return try await mutate(p, route: route, idempotencyKey: idempotencyKey, request: request) { t in
            let row = try await t.load(InstanceRecord.self, Table.instances, id, "instance")
            if let ifMatch, ifMatch != row.version { throw Self.stale(row.version, ifMatch) }
            var inst = row.value
            if let running = inst.taskID {
                var e = ServiceError.conflict(
                    "instance '\(inst.name)' is busy: task \(running) is \(inst.taskState ?? "running")")
                e.extra = ["task_id": running, "task_state": inst.taskState ?? "running"]
                throw e
            }
            let (type, taskState, desired) = try Self.plan(action, inst)
            let task = self.newTask(type, instance: inst, principal: p, arguments: arguments)
            inst.taskID = task.id
            inst.taskState = taskState
            if let desired { inst.desiredPower = desired }
            try await t.put(StoreKey(Table.instances, id), encoding: inst, expect: .version(row.version))
            try await t.enqueue(task)
            return .json(TaskStarted(taskID: task.id, instanceID: id))
        }
    }

    static func plan(_ action: String, _ inst: InstanceRecord) throws(ServiceError) -> (String, String, String?) {
        let s = inst.instanceState
        switch action {
        case "destroy": return ("instance.destroy", "deleting", nil)
        case "resize":
            guard s == .running || s == .stopped else {
                throw .conflict("cannot resize instance '\(inst.name)' while it is \(s.name)")
            }
            return ("instance.resize", "resizing", nil)
        case "migrate":
            guard s == .running || s == .stopped else {
                throw .conflict("cannot migrate instance '\(inst.name)' while it is \(s.name)")
            }
            return ("instance.migrate", "migrating", nil)
        default:
            guard let a = powerActions[action] else {
                throw .invalid(["action"], "must be one of kill, restart, start, stop, got '\(action)'")
            }
            if action == "start" && s == .running {
                throw .conflict("cannot 'start' instance '\(inst.name)': it is already running")
            }
            if action != "start" && s != .running {
                throw .conflict("cannot '\(action)' instance '\(inst.name)' while it is \(s.name)")
            }
            return (a.task, a.state, a.desired)
        }
    }

    static func stale(_ current: UInt64, _ asked: UInt64) -> ServiceError {
        var e = ServiceError(
            412, "Precondition Failed", "If-Match names version \(asked); the resource is at version \(current)")
        e.extra = ["current_etag": "\"\(current)\""]
        return e
    }

    /// `PATCH /api/v1/instances/{id}`: name, description and HA tier (the reference body
    /// `{data: {action: "update_info_fields", …}}` or the same fields at the top level).
    public func updateInstance(
        _ p: Principal, id: String, body bytes: [UInt8], ifMatch: UInt64?, idempotencyKey: String?
    ) async throws -> ServiceReply {
        let top = try JSONBody(bytes)
        var fields = top
        if let data = top.object("data") {
            _ = data.choice("action", ["update_info_fields"], required: true)
            fields = data
        }
        let name = fields.string("name")
        checkName(fields, "name", name, max: 255)
        let description = fields.string("description", maxLength: 512)
        let tier = fields.choice("ha_priority", HAPriority.allCases.map(\.rawValue))
        try top.finish()
        return try await mutate(
            p, route: "PATCH /api/v1/instances/\(id)", idempotencyKey: idempotencyKey, request: bytes
        ) { t in
            let row = try await t.load(InstanceRecord.self, Table.instances, id, "instance")
            if let ifMatch, ifMatch != row.version { throw Self.stale(row.version, ifMatch) }
            var inst = row.value
            if let name { inst.name = name }
            if let description { inst.description = description }
            if let tier { inst.haPriority = tier }
            let v = try await t.put(StoreKey(Table.instances, id), encoding: inst, expect: .version(row.version))
            return .json(inst, etag: v)
        }
    }
}

extension StoreTransaction {
    /// Writes a new task and its queue row.
    func enqueue(_ task: TaskRecord) async throws {
        try await put(StoreKey(Table.tasks, task.id), encoding: task, expect: .absent)
        try await put(StoreKey(Table.taskQueue, task.id), Array(task.startTime.utf8), expect: .absent)
    }
}
