import CloudModel
import CloudStore
import Foundation

extension ControlPlane {
    /// `PATCH /api/v1/clusters/{id}`: `{name?, description?}` → `{}`; names are unique in the
    /// cluster's datacenter (409).
    public func updateCluster(
        _ p: Principal, id: String, body bytes: [UInt8], ifMatch: UInt64?, idempotencyKey: String?
    ) async throws -> ServiceReply {
        let b = try JSONBody(bytes)
        let name = b.string("name")
        checkName(b, "name", name)
        let description = b.string("description", maxLength: 512)
        try b.finish()
        return try await mutate(
            p, route: "PATCH /api/v1/clusters/\(id)", idempotencyKey: idempotencyKey, request: bytes
        ) { t in
            let row = try await t.load(Cluster.self, Table.clusters, id, "cluster")
            if let ifMatch, ifMatch != row.version { throw Self.stale(row.version, ifMatch) }
            var c = row.value
            if let name, name != c.name {
                let dc = c.datacenterID
                try await Self.requireUniqueName(
                    t, Table.clusters, Cluster.self, name, where: { $0.datacenterID == dc }
                ) {
                    $0.name
                }
                c.name = name
            }
            if let description { c.description = description }
            let v = try await t.put(StoreKey(Table.clusters, id), encoding: c, expect: .version(row.version))
            return .json(Empty(), etag: v)
        }
    }

    /// `PATCH /api/v1/nodes/{id}`: `{name?, description?, wol_mac?}` → the node; names are
    /// unique in the node's cluster (409), `wol_mac` is a MAC address (`aa:bb:cc:dd:ee:ff`).
    public func updateNode(
        _ p: Principal, id: String, body bytes: [UInt8], ifMatch: UInt64?, idempotencyKey: String?
    ) async throws -> ServiceReply {
        let b = try JSONBody(bytes)
        let name = b.string("name")
        checkName(b, "name", name)
        let description = b.string("description", maxLength: 512)
        let mac = b.string("wol_mac", maxLength: 17)
        if let m = mac, !Self.isMAC(m) {
            b.reject("wol_mac", "must be a MAC address such as 52:54:00:12:34:56, got '\(m)'")
        }
        try b.finish()
        return try await mutate(p, route: "PATCH /api/v1/nodes/\(id)", idempotencyKey: idempotencyKey, request: bytes) {
            t in
            let row = try await t.load(NodeRecord.self, Table.nodes, id, "node")
            if let ifMatch, ifMatch != row.version { throw Self.stale(row.version, ifMatch) }
            var n = row.value
            if let name, name != n.node.name {
                let cluster = n.node.clusterID
                try await Self.requireUniqueName(
                    t, Table.nodes, NodeRecord.self, name, where: { $0.node.clusterID == cluster }
                ) { $0.node.name }
                n.node.name = name
            }
            if let description { n.node.description = description }
            if let mac { n.node.wolMAC = mac.lowercased() }
            let v = try await t.put(StoreKey(Table.nodes, id), encoding: n, expect: .version(row.version))
            return .json(n, etag: v)
        }
    }

    static func isMAC(_ s: String) -> Bool {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count == 6 && parts.allSatisfy { $0.count == 2 && $0.allSatisfy(\.isHexDigit) }
    }
}
