import CloudModel
import CloudStore
import Foundation

/// The reply to a create: the new ID.
public struct Created: Sendable, Equatable, Codable {
    public var id: String
}

/// An empty JSON object (pce-mcp decodes every success body, so none is empty).
public struct Empty: Sendable, Equatable, Codable {
    public init() {}
}

extension ControlPlane {
    /// `POST /api/v1/organizations`: `{name, description?}` → `{id}`; names are unique (409).
    public func createOrganization(
        _ p: Principal, body bytes: [UInt8], idempotencyKey: String?
    ) async throws
        -> ServiceReply
    {
        let b = try JSONBody(bytes)
        let name = b.string("name", required: true)
        checkName(b, "name", name)
        let description = b.string("description", maxLength: 512)
        try b.finish()
        let org = Organization(id: newID(.organization), name: name ?? "", creation: now, description: description)
        return try await mutate(p, route: "POST /api/v1/organizations", idempotencyKey: idempotencyKey, request: bytes)
        { t in
            try await Self.requireUniqueName(t, Table.organizations, Organization.self, org.name) { $0.name }
            try await t.put(StoreKey(Table.organizations, org.id.rawValue), encoding: org, expect: .absent)
            return .json(Created(id: org.id.rawValue))
        }
    }

    static func requireUniqueName<T: Decodable & Sendable>(
        _ t: any StoreTransaction, _ table: String, _ type: T.Type, _ name: String,
        where inScope: (T) -> Bool = { _ in true },
        _ nameOf: (T) -> String
    ) async throws {
        for row in try await t.scan(table: table) {
            let v = try row.decode(T.self).value
            if inScope(v) && nameOf(v) == name {
                throw ServiceError.conflict("the name '\(name)' is taken (\(row.key.id))")
            }
        }
    }

    /// `DELETE /api/v1/organizations/{id}`: refused (409) while it holds datacenters.
    public func deleteOrganization(_ p: Principal, id: String, idempotencyKey: String?) async throws -> ServiceReply {
        try await mutate(p, route: "DELETE /api/v1/organizations/\(id)", idempotencyKey: idempotencyKey, request: []) {
            t in
            let row = try await t.load(Organization.self, Table.organizations, id, "organization")
            let dcs = try await t.list(Datacenter.self, Table.datacenters, PageRequest(limit: 1)) {
                $0.organizationID.rawValue == id
            }
            if let dc = dcs.items.first {
                throw ServiceError.conflict("organization '\(row.value.name)' still holds datacenter '\(dc.name)'")
            }
            let insts = try await t.list(InstanceRecord.self, Table.instances, PageRequest(limit: 1)) {
                $0.organizationID == id
            }
            if let i = insts.items.first {
                throw ServiceError.conflict("organization '\(row.value.name)' still owns instance '\(i.name)'")
            }
            try await t.delete(StoreKey(Table.organizations, id), expect: .version(row.version))
            return .json(Empty())
        }
    }

    /// `POST /api/v1/datacenters`: `{name, organization_id, description?}` → `{id}`.
    public func createDatacenter(
        _ p: Principal, body bytes: [UInt8], idempotencyKey: String?
    ) async throws
        -> ServiceReply
    {
        let b = try JSONBody(bytes)
        let name = b.string("name", required: true)
        checkName(b, "name", name)
        let org = b.string("organization_id", required: true).flatMap {
            Self.checkID($0, .organization, b, "organization_id")
        }
        let description = b.string("description", maxLength: 512)
        let location = Self.location(b)
        try b.finish()
        guard let org, let name else { throw ServiceError.badRequest("unreachable: fields checked above") }
        let dc = Datacenter(
            id: newID(.datacenter), organizationID: try ResourceID(parsing: org), name: name, location: location,
            creation: now, description: description)
        return try await mutate(p, route: "POST /api/v1/datacenters", idempotencyKey: idempotencyKey, request: bytes) {
            t in
            _ = try await t.load(Organization.self, Table.organizations, org, "organization")
            try await t.put(StoreKey(Table.datacenters, dc.id.rawValue), encoding: dc, expect: .absent)
            return .json(Created(id: dc.id.rawValue))
        }
    }

    /// `PATCH /api/v1/datacenters/{id}`: `{name?, description?, location?}` → the datacenter.
    public func updateDatacenter(
        _ p: Principal, id: String, body bytes: [UInt8], ifMatch: UInt64?, idempotencyKey: String?
    )
        async throws -> ServiceReply
    {
        let b = try JSONBody(bytes)
        let name = b.string("name")
        checkName(b, "name", name)
        let description = b.string("description", maxLength: 512)
        let location = Self.location(b)
        try b.finish()
        return try await mutate(
            p, route: "PATCH /api/v1/datacenters/\(id)", idempotencyKey: idempotencyKey, request: bytes
        ) { t in
            let row = try await t.load(Datacenter.self, Table.datacenters, id, "datacenter")
            if let ifMatch, ifMatch != row.version { throw Self.stale(row.version, ifMatch) }
            var dc = row.value
            if let name { dc.name = name }
            if let description { dc.description = description }
            if let location { dc.location = location }
            let v = try await t.put(StoreKey(Table.datacenters, id), encoding: dc, expect: .version(row.version))
            return .json(dc, etag: v)
        }
    }

    /// `DELETE /api/v1/datacenters/{id}`: refused (409) while it holds clusters.
    public func deleteDatacenter(_ p: Principal, id: String, idempotencyKey: String?) async throws -> ServiceReply {
        try await mutate(p, route: "DELETE /api/v1/datacenters/\(id)", idempotencyKey: idempotencyKey, request: []) {
            t in
            let row = try await t.load(Datacenter.self, Table.datacenters, id, "datacenter")
            let held = try await t.list(Cluster.self, Table.clusters, PageRequest(limit: 1)) {
                $0.datacenterID.rawValue == id
            }
            if let c = held.items.first {
                throw ServiceError.conflict("datacenter '\(row.value.name)' still holds cluster '\(c.name)'")
            }
            try await t.delete(StoreKey(Table.datacenters, id), expect: .version(row.version))
            return .json(Empty())
        }
    }

    /// The optional `location` object: latitude −90…90 and longitude −180…180, both required.
    static func location(_ b: JSONBody) -> Location? {
        guard let l = b.object("location") else { return nil }
        let lat = l.double("latitude", required: true, in: -90...90)
        let lon = l.double("longitude", required: true, in: -180...180)
        guard let lat, let lon else { return nil }
        return Location(latitude: lat, longitude: lon)
    }

    /// Node actions (CloudPlane's): `cordon`, `uncordon`, `maintenance` on or off.
    public func nodeAction(
        _ p: Principal, id: String, action: String, idempotencyKey: String?
    ) async throws
        -> ServiceReply
    {
        try await mutate(p, route: "POST /api/v1/nodes/\(id)/\(action)", idempotencyKey: idempotencyKey, request: []) {
            t in
            let row = try await t.load(NodeRecord.self, Table.nodes, id, "node")
            var n = row.value
            switch action {
            case "cordon": n.schedulable = false
            case "uncordon":
                n.schedulable = true
                n.maintenance = false
            case "maintenance":
                n.schedulable = false
                n.maintenance = true
            default: throw ServiceError.notFound("node action", action)
            }
            try await t.put(StoreKey(Table.nodes, id), encoding: n, expect: .version(row.version))
            return .json(n)
        }
    }
}
