import CloudModel
import CloudStore
import Foundation

/// `POST /api/v1/volumes` answers `{volume_id}`.
public struct VolumeCreated: Sendable, Equatable, Codable {
    public var volumeID: String
    enum CodingKeys: String, CodingKey { case volumeID = "volume_id" }
}

/// A long action's reply: `{task_id}`.
public struct TaskOnly: Sendable, Equatable, Codable {
    public var taskID: String
    enum CodingKeys: String, CodingKey { case taskID = "task_id" }
}

extension ControlPlane {
    /// `POST /api/v1/volumes?node_id=&storage_pool_id=`: `{name, size, description?, driver?}` →
    /// `{volume_id}`. The pool must be on the node and available, the name unique in the pool
    /// (409), and the size fit its free space (422 naming `size` with the numbers); the pool's
    /// usage changes in the same transaction.
    public func createVolume(
        _ p: Principal, node: String, pool: String, body bytes: [UInt8], idempotencyKey: String?
    ) async throws -> ServiceReply {
        let b = try JSONBody(bytes)
        let name = b.string("name", required: true)
        checkName(b, "name", name)
        let size = b.double("size", required: true, in: 0.001...1_048_576)
        let description = b.string("description", maxLength: 512)
        let driver = b.choice("driver", ["qcow2", "vmdk", "raw"]) ?? "qcow2"
        try b.finish()
        guard let name, let size else { throw ServiceError.badRequest("unreachable: fields checked above") }
        let id = newID(.volume).rawValue
        let created = now.iso8601
        let route = "POST /api/v1/volumes?node_id=\(node)&storage_pool_id=\(pool)"
        return try await mutate(p, route: route, idempotencyKey: idempotencyKey, request: bytes) { t in
            _ = try await t.load(NodeRecord.self, Table.nodes, node, "node")
            let row = try await t.load(StoragePoolRecord.self, Table.storagePools, pool, "storage pool")
            var sp = row.value
            guard sp.nodeID == node else {
                throw ServiceError.invalid(["storage_pool_id"], "storage pool '\(sp.name)' is on node \(sp.nodeID)")
            }
            guard sp.available else { throw ServiceError.conflict("storage pool '\(sp.name)' is not available") }
            try await Self.requireUniqueName(
                t, Table.volumes, VolumeRecord.self, name, where: { $0.storagePoolID == pool }
            ) { $0.name }
            guard size <= sp.freeGB else {
                throw ServiceError.invalid(
                    ["size"],
                    "\(Self.gb(size)) GB does not fit storage pool '\(sp.name)': \(Self.gb(sp.freeGB)) GB free of "
                        + "\(Self.gb(sp.capacityGB)) GB")
            }
            let v = VolumeRecord(
                id: id, storagePoolID: pool, nodeID: node, name: name, fqName: sp.name + "/" + name,
                description: description, status: VolumeRecord.Status.available.rawValue, size: size,
                metadata: .init(driver: driver), attached: false, attachedTo: nil, creation: created)
            try await t.put(StoreKey(Table.volumes, id), encoding: v, expect: .absent)
            sp.allocatedGB += size
            sp.volumeCount += 1
            try await t.put(StoreKey(Table.storagePools, pool), encoding: sp, expect: .version(row.version))
            return .json(VolumeCreated(volumeID: id))
        }
    }

    /// `PATCH /api/v1/volumes/{id}`: `{description}` → `{}`.
    public func updateVolume(
        _ p: Principal, id: String, body bytes: [UInt8], ifMatch: UInt64?, idempotencyKey: String?
    ) async throws -> ServiceReply {
        let b = try JSONBody(bytes)
        let description = b.string("description", maxLength: 512)
        try b.finish()
        return try await mutate(p, route: "PATCH /api/v1/volumes/\(id)", idempotencyKey: idempotencyKey, request: bytes)
        { t in
            let row = try await t.load(VolumeRecord.self, Table.volumes, id, "volume")
            if let ifMatch, ifMatch != row.version { throw Self.stale(row.version, ifMatch) }
            var v = row.value
            if let description { v.description = description }
            let version = try await t.put(StoreKey(Table.volumes, id), encoding: v, expect: .version(row.version))
            return .json(Empty(), etag: version)
        }
    }

    /// `POST /api/v1/volumes/{id}/resize`: `{size}` (GB, larger than now) → `{task_id}`.
    public func resizeVolume(
        _ p: Principal, id: String, body bytes: [UInt8], idempotencyKey: String?
    ) async throws
        -> ServiceReply
    {
        let b = try JSONBody(bytes)
        let size = b.double("size", required: true, in: 0.001...1_048_576)
        try b.finish()
        guard let size else { throw ServiceError.badRequest("unreachable: size checked above") }
        return try await mutate(
            p, route: "POST /api/v1/volumes/\(id)/resize", idempotencyKey: idempotencyKey, request: bytes
        ) { t in
            let row = try await t.load(VolumeRecord.self, Table.volumes, id, "volume")
            var v = row.value
            guard size > v.size else {
                throw ServiceError.invalid(
                    ["size"], "must be larger than the volume's \(Self.gb(v.size)) GB (volumes only grow)")
            }
            let prow = try await t.load(StoragePoolRecord.self, Table.storagePools, v.storagePoolID, "storage pool")
            var sp = prow.value
            guard size - v.size <= sp.freeGB else {
                throw ServiceError.invalid(
                    ["size"],
                    "growing by \(Self.gb(size - v.size)) GB does not fit storage pool '\(sp.name)': "
                        + "\(Self.gb(sp.freeGB)) GB free")
            }
            sp.allocatedGB += size - v.size
            let task = finishedTask(
                "volume.resize", node: v.nodeID, principal: p,
                "volume '\(v.fqName)' grown from \(Self.gb(v.size)) to \(Self.gb(size)) GB")
            v.size = size
            try await t.put(StoreKey(Table.volumes, id), encoding: v, expect: .version(row.version))
            try await t.put(StoreKey(Table.storagePools, sp.id), encoding: sp, expect: .version(prow.version))
            try await t.put(StoreKey(Table.tasks, task.id), encoding: task, expect: .absent)
            return .json(TaskOnly(taskID: task.id))
        }
    }

    /// `DELETE /api/v1/volumes/{id}` → `{task_id}`; refused (409) while attached. Frees its space.
    public func deleteVolume(_ p: Principal, id: String, idempotencyKey: String?) async throws -> ServiceReply {
        try await mutate(p, route: "DELETE /api/v1/volumes/\(id)", idempotencyKey: idempotencyKey, request: []) { t in
            let row = try await t.load(VolumeRecord.self, Table.volumes, id, "volume")
            let v = row.value
            if v.attached {
                throw ServiceError.conflict("volume '\(v.fqName)' is attached to instance \(v.attachedTo ?? "?")")
            }
            try await t.delete(StoreKey(Table.volumes, id), expect: .version(row.version))
            try await freeVolumeSpace(t, v)
            let task = finishedTask("volume.destroy", node: v.nodeID, principal: p, "volume '\(v.fqName)' destroyed")
            try await t.put(StoreKey(Table.tasks, task.id), encoding: task, expect: .absent)
            return .json(TaskOnly(taskID: task.id))
        }
    }

    /// Returns `v`'s space to its pool (inside the transaction that removes `v`).
    func freeVolumeSpace(_ t: any StoreTransaction, _ v: VolumeRecord) async throws {
        guard let prow = try await t.read(StoragePoolRecord.self, StoreKey(Table.storagePools, v.storagePoolID)) else {
            return
        }
        var sp = prow.value
        sp.allocatedGB = max(0, sp.allocatedGB - v.size)
        sp.volumeCount = max(0, sp.volumeCount - 1)
        try await t.put(StoreKey(Table.storagePools, sp.id), encoding: sp, expect: .version(prow.version))
    }

    /// A task that ran to completion inside the transaction that records it (storage and
    /// network changes of the simulated dataplane take effect at commit).
    func finishedTask(_ type: String, node: String?, principal: Principal, _ line: String) -> TaskRecord {
        let at = now.iso8601
        var task = TaskRecord(
            id: newUUID(), type: type, status: "stopped", exitstatus: "OK", progress: 100, instanceID: nil,
            nodeID: node, organizationID: nil, user: principal.name, startTime: at, endTime: at, arguments: [:],
            log: [])
        task.note(line)
        return task
    }

    /// GB for messages: at most three decimals, no trailing zeros.
    static func gb(_ v: Double) -> String {
        let r = (v * 1000).rounded() / 1000
        return r == r.rounded() ? String(Int64(r)) : String(r)
    }
}
