import CloudModel
import CloudService
import CloudStore
import Foundation
import HTTPTypes
import Hummingbird

extension API {
    func addSessionRoutes(_ r: Router<APIContext>) {
        on(r, .get, "/api/v1/healthcheck") { _, _ in
            let first = try await plane.list(NodeRecord.self, Table.nodes, PageRequest(limit: 1)).items.first
            let hash = first.map { sha256Hex($0.node.clusterID.rawValue) }
            let ms = plane.now.nanoseconds / 1_000_000
            return HTTP.json(HealthCheck(id: first?.node.id.rawValue, clusterIDHash: hash, healthy: true, time: ms))
        }
        on(r, .get, "/api/v1/users/session") { _, c in
            HTTP.json(
                SessionInfo(authenticated: c.principal != nil, user: c.principal.map { SessionUser(name: $0.name) }))
        }
    }

    func addInventoryRoutes(_ r: Router<APIContext>) {
        on(r, .get, "/api/v1/organizations") { req, _ in
            HTTP.page(try await plane.list(Organization.self, Table.organizations, try HTTP.pageRequest(req)), req)
        }
        on(r, .post, "/api/v1/organizations") { req, c in
            HTTP.reply(
                try await plane.createOrganization(
                    HTTP.principal(c), body: try await HTTP.body(req), idempotencyKey: HTTP.idempotencyKey(req)))
        }
        on(r, .get, "/api/v1/organizations/:organization_id") { _, c in
            HTTP.json(try await plane.organizationDetail(try HTTP.pathID(c, "organization_id", .organization)))
        }
        on(r, .delete, "/api/v1/organizations/:organization_id") { req, c in
            let id = try HTTP.pathID(c, "organization_id", .organization)
            return HTTP.reply(
                try await plane.deleteOrganization(HTTP.principal(c), id: id, idempotencyKey: HTTP.idempotencyKey(req)))
        }
        on(r, .get, "/api/v1/datacenters") { req, _ in
            let org = try HTTP.queryID(req, "organization_id", .organization)
            return HTTP.page(
                try await plane.list(Datacenter.self, Table.datacenters, try HTTP.pageRequest(req)) {
                    org == nil || $0.organizationID.rawValue == org
                }, req)
        }
        on(r, .post, "/api/v1/datacenters") { req, c in
            HTTP.reply(
                try await plane.createDatacenter(
                    HTTP.principal(c), body: try await HTTP.body(req), idempotencyKey: HTTP.idempotencyKey(req)))
        }
        on(r, .get, "/api/v1/datacenters/:datacenter_id") { _, c in
            let id = try HTTP.pathID(c, "datacenter_id", .datacenter)
            let dc = try await plane.get(Datacenter.self, Table.datacenters, id, "datacenter")
            let clusters = try await plane.list(Cluster.self, Table.clusters, PageRequest()) {
                $0.datacenterID.rawValue == id
            }.items
            return HTTP.json(DatacenterDetail(datacenter: dc.value, clusters: clusters), headers: HTTP.etag(dc.version))
        }
        on(r, .patch, "/api/v1/datacenters/:datacenter_id") { req, c in
            let id = try HTTP.pathID(c, "datacenter_id", .datacenter)
            return HTTP.reply(
                try await plane.updateDatacenter(
                    HTTP.principal(c), id: id, body: try await HTTP.body(req), ifMatch: try HTTP.ifMatch(req),
                    idempotencyKey: HTTP.idempotencyKey(req)))
        }
        on(r, .delete, "/api/v1/datacenters/:datacenter_id") { req, c in
            let id = try HTTP.pathID(c, "datacenter_id", .datacenter)
            return HTTP.reply(
                try await plane.deleteDatacenter(HTTP.principal(c), id: id, idempotencyKey: HTTP.idempotencyKey(req)))
        }
        addClusterRoutes(r)
    }

    func addClusterRoutes(_ r: Router<APIContext>) {
        on(r, .get, "/api/v1/clusters") { req, _ in
            let dc = try HTTP.queryID(req, "datacenter_id", .datacenter)
            let page = try await plane.list(Cluster.self, Table.clusters, try HTTP.pageRequest(req)) {
                dc == nil || $0.datacenterID.rawValue == dc
            }
            var counted = page
            for (i, c) in page.items.enumerated() { counted.items[i].nodeCount = try await clusterWithNodes(c).1.count }
            return HTTP.page(counted, req)
        }
        on(r, .get, "/api/v1/clusters/:cluster_id") { _, c in
            let (cluster, nodes) = try await plane.clusterWithNodes(try HTTP.pathID(c, "cluster_id", .cluster))
            return HTTP.json(ClusterDetail(cluster: ClusterFull(cluster: cluster, nodes: nodes), nodes: nodes))
        }
        on(r, .patch, "/api/v1/clusters/:cluster_id") { req, c in
            HTTP.reply(
                try await plane.updateCluster(
                    HTTP.principal(c), id: try HTTP.pathID(c, "cluster_id", .cluster), body: try await HTTP.body(req),
                    ifMatch: try HTTP.ifMatch(req), idempotencyKey: HTTP.idempotencyKey(req)))
        }
        on(r, .get, "/api/v1/clusters/:cluster_id/hardware") { _, c in
            let id = try HTTP.pathID(c, "cluster_id", .cluster)
            let (_, nodes) = try await plane.clusterWithNodes(id)
            let storage = try await plane.clusterStoragePools(id).reduce(0) { $0 + $1.capacityGB }
            return HTTP.json(
                ClusterHardware(
                    partial: false, vcpus: nodes.reduce(0) { $0 + $1.node.hardware.cpuCount },
                    memoryGB: nodes.reduce(0) { $0 + $1.node.hardware.memoryMB } / 1024, storageGB: Int(storage)))
        }
        on(r, .get, "/api/v1/clusters/:cluster_id/storage_pools") { req, c in
            let id = try HTTP.pathID(c, "cluster_id", .cluster)
            return HTTP.page(try await plane.clusterStoragePools(id, try HTTP.pageRequest(req)), req)
        }
        on(r, .get, "/api/v1/clusters/:cluster_id/storage_pools/:storage_pool_id") { _, c in
            HTTP.json(
                try await plane.clusterStoragePool(
                    try HTTP.pathID(c, "cluster_id", .cluster), try HTTP.pathID(c, "storage_pool_id", .storagePool)))
        }
    }

    func clusterWithNodes(_ c: Cluster) async throws -> (Cluster, [NodeRecord]) {
        try await plane.clusterWithNodes(c.id.rawValue)
    }
}
