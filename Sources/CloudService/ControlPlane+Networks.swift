import CloudModel
import CloudStore
import Foundation

/// `POST …/port_groups` answers `{name}`.
public struct PortGroupCreated: Sendable, Equatable, Codable {
    public var name: String
}

extension ControlPlane {
    /// `POST /api/v1/networks/vswitches/standalone?node_id=`: `{name, description?, config?}` →
    /// `{id}`. Names match `^svswitch\d+$` (at most 16 characters) and are unique in the node's
    /// cluster (409).
    public func createVSwitch(
        _ p: Principal, node: String, body bytes: [UInt8], idempotencyKey: String?
    )
        async throws -> ServiceReply
    {
        let b = try JSONBody(bytes)
        let name = b.string("name", required: true)
        Self.checkVSwitchName(b, name)
        let description = b.string("description", maxLength: 512)
        let config = Self.config(b)
        try b.finish()
        guard let name else { throw ServiceError.badRequest("unreachable: name checked above") }
        let id = newID(.vSwitch).rawValue
        let created = now.iso8601
        let route = "POST /api/v1/networks/vswitches/standalone?node_id=\(node)"
        return try await mutate(p, route: route, idempotencyKey: idempotencyKey, request: bytes) { t in
            let n = try await t.load(NodeRecord.self, Table.nodes, node, "node").value
            let cluster = n.node.clusterID.rawValue
            try await Self.requireUniqueName(
                t, Table.vSwitches, VSwitchRecord.self, name, where: { $0.clusterID == cluster }
            ) { $0.name }
            let s = VSwitchRecord(
                id: id, type: 1, nodeID: node, clusterID: cluster, name: name, description: description,
                config: config ?? .object([:]), creation: created, portGroupCount: 0, uplinks: [], uplinkCount: 0)
            try await t.put(StoreKey(Table.vSwitches, id), encoding: s, expect: .absent)
            return .json(Created(id: id))
        }
    }

    static func checkVSwitchName(_ b: JSONBody, _ name: String?) {
        guard let name else { return }
        let digits = name.dropFirst("svswitch".count)
        if !name.hasPrefix("svswitch") || digits.isEmpty || !digits.allSatisfy(\.isASCII)
            || !digits.allSatisfy(\.isNumber)
            || name.count > 16
        {
            b.reject("name", "must match ^svswitch\\d+$ with at most 16 characters, got '\(name)'")
        }
    }

    /// The optional `config` object, kept as given.
    static func config(_ b: JSONBody) -> JSONValue? {
        guard let bytes = b.opaque("config", array: false) else { return nil }
        return Wire.decode(JSONValue.self, bytes)
    }

    /// `PATCH /api/v1/networks/vswitches/standalone/{id}`: `{description?, config?}` → `{}`.
    public func updateVSwitch(
        _ p: Principal, id: String, body bytes: [UInt8], ifMatch: UInt64?, idempotencyKey: String?
    ) async throws -> ServiceReply {
        let b = try JSONBody(bytes)
        let description = b.string("description", maxLength: 512)
        let config = Self.config(b)
        try b.finish()
        let route = "PATCH /api/v1/networks/vswitches/standalone/\(id)"
        return try await mutate(p, route: route, idempotencyKey: idempotencyKey, request: bytes) { t in
            let row = try await t.load(VSwitchRecord.self, Table.vSwitches, id, "vSwitch")
            if let ifMatch, ifMatch != row.version { throw Self.stale(row.version, ifMatch) }
            var s = row.value
            if let description { s.description = description }
            if let config { s.config = config }
            let v = try await t.put(StoreKey(Table.vSwitches, id), encoding: s, expect: .version(row.version))
            return .json(Empty(), etag: v)
        }
    }

    /// `DELETE /api/v1/networks/vswitches/standalone/{id}` → `{}`; refused (409) while it has
    /// port groups.
    public func deleteVSwitch(_ p: Principal, id: String, idempotencyKey: String?) async throws -> ServiceReply {
        let route = "DELETE /api/v1/networks/vswitches/standalone/\(id)"
        return try await mutate(p, route: route, idempotencyKey: idempotencyKey, request: []) { t in
            let row = try await t.load(VSwitchRecord.self, Table.vSwitches, id, "vSwitch")
            if let pg = try await t.scan(table: Table.portGroups, after: id + "/", limit: 1).first,
                pg.key.id.hasPrefix(id + "/")
            {
                throw ServiceError.conflict(
                    "vSwitch '\(row.value.name)' still has port group '\(pg.key.id.dropFirst(id.count + 1))'")
            }
            try await t.delete(StoreKey(Table.vSwitches, id), expect: .version(row.version))
            return .json(Empty())
        }
    }

    /// `POST /api/v1/networks/vswitches/standalone/{id}/port_groups`: `{name, description?,
    /// config: {type, data}}` → `{name}`; names are unique in the vSwitch (409).
    public func createPortGroup(
        _ p: Principal, vswitch id: String, body bytes: [UInt8], idempotencyKey: String?
    )
        async throws -> ServiceReply
    {
        let b = try JSONBody(bytes)
        let name = b.string("name", required: true)
        checkName(b, "name", name)
        let description = b.string("description", maxLength: 512)
        let config = Self.portGroupConfig(b)
        try b.finish()
        guard let name, let config else { throw ServiceError.badRequest("unreachable: fields checked above") }
        let created = now.iso8601
        let route = "POST /api/v1/networks/vswitches/standalone/\(id)/port_groups"
        return try await mutate(p, route: route, idempotencyKey: idempotencyKey, request: bytes) { t in
            let row = try await t.load(VSwitchRecord.self, Table.vSwitches, id, "vSwitch")
            var s = row.value
            let pg = PortGroupRecord(
                vswitchID: id, nodeID: s.nodeID, name: name, description: description, config: config,
                creation: created)
            if try await t.read(StoreKey(Table.portGroups, pg.key)) != nil {
                throw ServiceError.conflict("vSwitch '\(s.name)' already has a port group '\(name)'")
            }
            try await t.put(StoreKey(Table.portGroups, pg.key), encoding: pg, expect: .absent)
            s.portGroupCount += 1
            try await t.put(StoreKey(Table.vSwitches, id), encoding: s, expect: .version(row.version))
            return .json(PortGroupCreated(name: name))
        }
    }

    /// `DELETE …/standalone/{id}/port_groups/{name}` → `{}`.
    public func deletePortGroup(
        _ p: Principal, vswitch id: String, name: String, idempotencyKey: String?
    )
        async throws -> ServiceReply
    {
        let route = "DELETE /api/v1/networks/vswitches/standalone/\(id)/port_groups/\(name)"
        return try await mutate(p, route: route, idempotencyKey: idempotencyKey, request: []) { t in
            let row = try await t.load(VSwitchRecord.self, Table.vSwitches, id, "vSwitch")
            let key = StoreKey(Table.portGroups, id + "/" + name)
            guard let pg = try await t.read(key) else { throw ServiceError.notFound("port group", name) }
            try await t.delete(key, expect: .version(pg.version))
            var s = row.value
            s.portGroupCount = max(0, s.portGroupCount - 1)
            try await t.put(StoreKey(Table.vSwitches, id), encoding: s, expect: .version(row.version))
            return .json(Empty())
        }
    }

    /// A port group's `config`: `type` 1 access (`data.vlan_id` 1…4095), 2 trunk
    /// (`data.trunk_vlans`, optional `data.native_vlan_id`), 3 untagged; `data._type` equals `type`.
    static func portGroupConfig(_ b: JSONBody) -> JSONValue? {
        guard let c = b.object("config", required: true) else { return nil }
        let type = c.int("type", required: true, in: 1...3)
        guard let d = c.object("data", required: true) else { return nil }
        let kind = d.int("_type", required: true, in: 1...3)
        if let type, let kind, type != kind { d.reject("_type", "must equal config.type (\(type)), got \(kind)") }
        var data: [String: JSONValue] = ["_type": .number(Double(kind ?? 0))]
        switch type {
        case 1:
            if let v = d.int("vlan_id", required: true, in: 1...4095) { data["vlan_id"] = .number(Double(v)) }
        case 2:
            let vlans = d.intArray("trunk_vlans", in: 1...4095)
            data["trunk_vlans"] = .array((vlans ?? []).map { .number(Double($0)) })
            if let n = d.int("native_vlan_id", in: 1...4095) { data["native_vlan_id"] = .number(Double(n)) }
        default: break
        }
        guard let type else { return nil }
        return .object(["type": .number(Double(type)), "data": .object(data)])
    }
}
