import CloudModel
import CloudStore
import Foundation

/// A volume an instance has attached (`metadata.new_volumes` or `existing_volumes` of a QEMU
/// deploy): the volume and the disk it appears as.
public struct AttachedVolume: Sendable, Equatable, Codable {
    public var volumeID: String
    /// `virtio`, `scsi`, `sata` or `ide`.
    public var bus: String
    /// The guest device name (`vda`, `sdb`, …).
    public var dev: String
    public var driver: String

    enum CodingKeys: String, CodingKey {
        case bus, dev, driver
        case volumeID = "volume_id"
    }
}

/// The volumes a deploy asks for, as parsed (before the transaction checks them).
struct VolumeRequests {
    struct New {
        var bus, dev, driver, pool: String
        var size: Double
    }
    var new: [New] = []
    var existing: [AttachedVolume] = []
    var isEmpty: Bool { new.isEmpty && existing.isEmpty }
    /// The reference API's limit on both lists together.
    static let maxVolumes = 16
}

extension ControlPlane {
    /// `metadata` of a deploy: `new_volumes: [{bus, dev, driver, storage_pool_id, size}]` and
    /// `existing_volumes: [{bus, dev, driver, volume_id}]` are read and checked (at most 16
    /// together, device names unique); the other members (`_type`, `cpu_model`, `firmware`, …)
    /// are kept as given.
    static func parseVolumeRequests(_ b: JSONBody) -> VolumeRequests {
        var out = VolumeRequests()
        guard let m = b.object("metadata") else { return out }
        m.acceptRest(except: ["new_volumes", "existing_volumes"])
        for v in m.objectArray("new_volumes") {
            let (bus, dev, driver) = disk(v)
            let pool = v.string("storage_pool_id", required: true).flatMap {
                checkID($0, .storagePool, v, "storage_pool_id")
            }
            let size = v.double("size", required: true, in: 0.001...1_048_576)
            _ = v.bool("backup")
            _ = v.bool("readonly")
            if let pool, let size, let dev {
                out.new.append(.init(bus: bus, dev: dev, driver: driver, pool: pool, size: size))
            }
        }
        for v in m.objectArray("existing_volumes") {
            let (bus, dev, driver) = disk(v)
            let id = v.string("volume_id", required: true).flatMap { checkID($0, .volume, v, "volume_id") }
            _ = v.bool("backup")
            _ = v.bool("readonly")
            if let id, let dev { out.existing.append(AttachedVolume(volumeID: id, bus: bus, dev: dev, driver: driver)) }
        }
        if out.new.count + out.existing.count > VolumeRequests.maxVolumes {
            m.reject(
                "new_volumes",
                "at most \(VolumeRequests.maxVolumes) volumes in new_volumes and existing_volumes together")
        }
        let devs = out.new.map(\.dev) + out.existing.map(\.dev)
        if Set(devs).count != devs.count { m.reject("existing_volumes", "two volumes name the same dev") }
        let ids = out.existing.map(\.volumeID)
        if Set(ids).count != ids.count { m.reject("existing_volumes", "a volume is named twice") }
        return out
    }

    static func disk(_ v: JSONBody) -> (String, String?, String) {
        let bus = v.choice("bus", ["virtio", "scsi", "sata", "ide"]) ?? "virtio"
        let dev = v.string("dev", required: true, maxLength: 16)
        if let d = dev, d.isEmpty || !d.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) }) {
            v.reject("dev", "must be a device name such as vda or sdb, got '\(d)'")
        }
        let driver = v.choice("driver", ["qcow2", "vmdk", "raw"]) ?? "qcow2"
        return (bus, dev, driver)
    }

    /// Inside the deploy's transaction: creates the new volumes and attaches the existing ones
    /// to `inst`, taking pool space. Local storage pins the instance: every volume must be on one
    /// node, that node in the destination cluster (and the destination node, when one is named),
    /// and `inst.requestedNodeID` becomes it. Any refusal aborts the whole deploy.
    func attachVolumes(_ t: any StoreTransaction, _ req: VolumeRequests, to inst: inout InstanceRecord) async throws {
        guard !req.isEmpty else { return }
        var attached: [AttachedVolume] = []
        var node: String? = inst.requestedNodeID
        func pin(_ n: String, _ cluster: String, _ field: [String]) throws {
            if cluster != inst.clusterID {
                throw ServiceError.invalid(
                    field, "is in cluster \(cluster), the instance's destination is \(inst.clusterID ?? "?")")
            }
            if let have = node, have != n {
                throw ServiceError.invalid(
                    field, "is on node \(n); the instance's other volumes or destination are on \(have)")
            }
            node = n
        }
        for (i, v) in req.existing.enumerated() {
            let field = ["metadata", "existing_volumes", String(i), "volume_id"]
            let row = try await t.load(VolumeRecord.self, Table.volumes, v.volumeID, "volume")
            var vol = row.value
            guard !vol.attached, vol.status == VolumeRecord.Status.available.rawValue else {
                throw ServiceError.conflict("volume '\(vol.fqName)' is attached to \(vol.attachedTo ?? "an instance")")
            }
            let pool = try await t.load(StoragePoolRecord.self, Table.storagePools, vol.storagePoolID, "storage pool")
            try pin(vol.nodeID, pool.value.clusterID, field)
            vol.attached = true
            vol.attachedTo = inst.id
            try await t.put(StoreKey(Table.volumes, vol.id), encoding: vol, expect: .version(row.version))
            attached.append(v)
        }
        for (i, n) in req.new.enumerated() {
            let field = ["metadata", "new_volumes", String(i), "storage_pool_id"]
            let prow = try await t.load(StoragePoolRecord.self, Table.storagePools, n.pool, "storage pool")
            var sp = prow.value
            try pin(sp.nodeID, sp.clusterID, field)
            guard n.size <= sp.freeGB else {
                throw ServiceError.invalid(
                    ["metadata", "new_volumes", String(i), "size"],
                    "\(Self.gb(n.size)) GB does not fit storage pool '\(sp.name)': \(Self.gb(sp.freeGB)) GB free")
            }
            let id = newID(.volume).rawValue
            let name = "\(inst.name)-\(n.dev)"
            let vol = VolumeRecord(
                id: id, storagePoolID: sp.id, nodeID: sp.nodeID, name: name, fqName: sp.name + "/" + name,
                description: "disk \(n.dev) of instance \(inst.name)", status: VolumeRecord.Status.available.rawValue,
                size: n.size, metadata: .init(driver: n.driver), attached: true, attachedTo: inst.id,
                creation: inst.creation)
            try await t.put(StoreKey(Table.volumes, id), encoding: vol, expect: .absent)
            sp.allocatedGB += n.size
            sp.volumeCount += 1
            try await t.put(StoreKey(Table.storagePools, sp.id), encoding: sp, expect: .version(prow.version))
            attached.append(AttachedVolume(volumeID: id, bus: n.bus, dev: n.dev, driver: n.driver))
        }
        inst.requestedNodeID = node
        inst.volumes = attached
    }

    /// Inside the transaction that deletes `inst`: its volumes are detached, or destroyed (their
    /// space returned) when `destroy` is set (`DELETE …?destroy_volumes=true`).
    func releaseVolumes(_ t: any StoreTransaction, of inst: InstanceRecord, destroy: Bool) async throws -> [String] {
        var log: [String] = []
        for a in inst.volumes ?? [] {
            guard let row = try await t.read(VolumeRecord.self, StoreKey(Table.volumes, a.volumeID)) else { continue }
            var v = row.value
            if destroy {
                try await t.delete(StoreKey(Table.volumes, v.id), expect: .version(row.version))
                try await freeVolumeSpace(t, v)
                log.append("volume '\(v.fqName)' destroyed")
            } else {
                v.attached = false
                v.attachedTo = nil
                try await t.put(StoreKey(Table.volumes, v.id), encoding: v, expect: .version(row.version))
                log.append("volume '\(v.fqName)' detached")
            }
        }
        return log
    }
}

extension JSONBody {
    /// An array of objects, each read as its own body (errors name `key/<index>/…`); empty when
    /// absent, and reported when not an array of objects.
    public func objectArray(_ key: String) -> [JSONBody] {
        guard let v = value(key) else { return [] }
        guard let a = v as? [Any] else {
            fail(key, "must be an array")
            return []
        }
        var out: [JSONBody] = []
        for (i, e) in a.enumerated() {
            guard let o = e as? [String: Any] else {
                sink.errors.append(FieldError(path: path + [key, String(i)], detail: "must be an object"))
                continue
            }
            let child = JSONBody(object: o, path: path + [key, String(i)], sink: sink)
            children.append(child)
            out.append(child)
        }
        return out
    }

    /// Marks every member but `except` as read: they are kept as given, not checked.
    public func acceptRest(except: Set<String>) {
        for k in object.keys where !except.contains(k) { read.insert(k) }
    }
}
