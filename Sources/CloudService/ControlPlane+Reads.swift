import CloudModel
import CloudStore
import Foundation

/// A row with the version its ETag names.
public struct Tagged<T: Sendable>: Sendable {
    public var value: T
    public var version: UInt64
}

extension ControlPlane {
    /// Row `id` of `table` as `T` with its version, or a 404 naming `what`.
    public func get<T: Decodable & Sendable>(
        _ type: T.Type, _ table: String, _ id: String, _ what: String
    )
        async throws -> Tagged<T>
    {
        try await store.snapshot { t in
            let v = try await t.load(T.self, table, id, what)
            return Tagged(value: v.value, version: v.version)
        }
    }

    /// Row `id` of `table` as stored (its JSON is the wire shape) with its version, or a 404.
    public func getRaw(_ table: String, _ id: String, _ what: String) async throws -> Tagged<[UInt8]> {
        guard let row = try await store.get(StoreKey(table, id)) else { throw ServiceError.notFound(what, id) }
        return Tagged(value: row.value, version: row.version)
    }

    /// One page of `table` as stored (JSON objects), unfiltered: no decode.
    public func listRaw(_ table: String, _ page: PageRequest) async throws -> Page<[UInt8]> {
        try await store.snapshot { t in
            let rows = try await t.scan(table: table, after: page.cursor, limit: page.limit + 1)
            let more = rows.count > page.limit
            let kept = rows.prefix(page.limit)
            return Page(items: kept.map(\.value), next: more ? kept.last?.key.id : nil)
        }
    }

    /// One page of `table` filtered by `keep`.
    public func list<T: Decodable & Sendable>(
        _ type: T.Type, _ table: String, _ page: PageRequest, where keep: @escaping (T) -> Bool = { _ in true }
    ) async throws -> Page<T> {
        try await store.snapshot { try await $0.list(T.self, table, page, where: keep) }
    }

    /// `GET /api/v1/organizations/{id}`: the organization with its datacenters, clusters, nodes.
    public func organizationDetail(_ id: String) async throws -> OrganizationDetail {
        try await store.snapshot { t in
            let org = try await t.load(Organization.self, Table.organizations, id, "organization").value
            let all = PageRequest(limit: 100_000)
            return OrganizationDetail(
                organization: org,
                datacenters: try await t.list(Datacenter.self, Table.datacenters, all) { $0.organizationID == org.id }
                    .items,
                clusters: try await t.list(Cluster.self, Table.clusters, all) { $0.organizationID == org.id }.items,
                nodes: try await t.list(NodeRecord.self, Table.nodes, all) { $0.node.organizationID == org.id }.items)
        }
    }

    /// Clusters with their live node count.
    public func clusterWithNodes(_ id: String) async throws -> (Cluster, [NodeRecord]) {
        try await store.snapshot { t in
            var c = try await t.load(Cluster.self, Table.clusters, id, "cluster").value
            let nodes = try await t.list(NodeRecord.self, Table.nodes, PageRequest(limit: 100_000)) {
                $0.node.clusterID.rawValue == id
            }.items
            c.nodeCount = nodes.count
            return (c, nodes)
        }
    }

    /// Instances on node `id`.
    public func instances(onNode id: String) async throws -> [InstanceRecord] {
        try await list(InstanceRecord.self, Table.instances, PageRequest(limit: 100_000)) { $0.nodeID == id }.items
    }

    /// Writes the fleet a backend registers (datacenters, clusters, nodes), keeping rows that
    /// exist; returns how many rows were new.
    @discardableResult
    public func registerFleet(datacenters: [Datacenter], clusters: [Cluster], nodes: [NodeRecord]) async throws -> Int {
        try await store.transaction { t in
            var n = 0
            for dc in datacenters where try await t.read(StoreKey(Table.datacenters, dc.id.rawValue)) == nil {
                try await t.put(StoreKey(Table.datacenters, dc.id.rawValue), encoding: dc, expect: .absent)
                n += 1
            }
            for c in clusters where try await t.read(StoreKey(Table.clusters, c.id.rawValue)) == nil {
                try await t.put(StoreKey(Table.clusters, c.id.rawValue), encoding: c, expect: .absent)
                n += 1
            }
            var seen = try await NodeDefaultsIndex(t)
            for node in nodes {
                if try await t.read(StoreKey(Table.nodes, node.node.id.rawValue)) == nil {
                    try await t.put(StoreKey(Table.nodes, node.node.id.rawValue), encoding: node, expect: .absent)
                    n += 1
                }
                n += try await seedNodeDefaults(t, node, &seen)
            }
            return n
        }
    }
}

/// `GET /api/v1/organizations/{id}`: the organization tree.
public struct OrganizationDetail: Sendable, Codable {
    public var organization: Organization
    public var datacenters: [Datacenter]
    public var clusters: [Cluster]
    public var nodes: [NodeRecord]
}
