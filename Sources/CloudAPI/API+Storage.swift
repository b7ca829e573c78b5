import CloudModel
import CloudService
import CloudStore
import Foundation
import HTTPTypes
import Hummingbird

extension API {
    func addStorageAndNetworkRoutes(_ r: Router<APIContext>) {
        addVolumeRoutes(r)
        addVSwitchRoutes(r)
        addPortGroupRoutes(r)
        on(r, .get, "/api/v1/nodes/:node_id/storage/pools") { req, c in
            let id = try await node(c).node.id.rawValue
            let page = try await plane.list(StoragePoolRecord.self, Table.storagePools, try HTTP.pageRequest(req)) {
                $0.nodeID == id
            }
            return HTTP.page(page.map(NodeStoragePool.init), req)
        }
        on(r, .get, "/api/v1/nodes/:node_id/images/images") { req, c in
            let id = try await node(c).node.id.rawValue
            return HTTP.page(
                try await plane.list(ImageRecord.self, Table.images, try HTTP.pageRequest(req)) { $0.nodeID == id }, req
            )
        }
    }

    func addVolumeRoutes(_ r: Router<APIContext>) {
        on(r, .get, "/api/v1/volumes") { req, _ in
            let node = try HTTP.queryID(req, "node_id", .node)
            let pool = try HTTP.queryID(req, "storage_pool_id", .storagePool)
            if node == nil && pool == nil {
                throw ServiceError.invalid(["node_id"], "is required (or storage_pool_id)")
            }
            if let node { _ = try await plane.get(NodeRecord.self, Table.nodes, node, "node") }
            if let pool { _ = try await plane.get(StoragePoolRecord.self, Table.storagePools, pool, "storage pool") }
            return HTTP.page(
                try await plane.list(VolumeRecord.self, Table.volumes, try HTTP.pageRequest(req)) {
                    (node == nil || $0.nodeID == node) && (pool == nil || $0.storagePoolID == pool)
                }, req)
        }
        on(r, .post, "/api/v1/volumes") { req, c in
            guard let node = try HTTP.queryID(req, "node_id", .node) else {
                throw ServiceError.invalid(["node_id"], "is required")
            }
            guard let pool = try HTTP.queryID(req, "storage_pool_id", .storagePool) else {
                throw ServiceError.invalid(["storage_pool_id"], "is required")
            }
            return HTTP.reply(
                try await plane.createVolume(
                    HTTP.principal(c), node: node, pool: pool, body: try await HTTP.body(req),
                    idempotencyKey: HTTP.idempotencyKey(req)))
        }
        on(r, .get, "/api/v1/volumes/:volume_id") { _, c in
            let v = try await plane.get(
                VolumeRecord.self, Table.volumes, try HTTP.pathID(c, "volume_id", .volume), "volume")
            return HTTP.json(v.value, headers: HTTP.etag(v.version))
        }
        on(r, .patch, "/api/v1/volumes/:volume_id") { req, c in
            HTTP.reply(
                try await plane.updateVolume(
                    HTTP.principal(c), id: try HTTP.pathID(c, "volume_id", .volume), body: try await HTTP.body(req),
                    ifMatch: try HTTP.ifMatch(req), idempotencyKey: HTTP.idempotencyKey(req)))
        }
        on(r, .post, "/api/v1/volumes/:volume_id/resize") { req, c in
            HTTP.reply(
                try await plane.resizeVolume(
                    HTTP.principal(c), id: try HTTP.pathID(c, "volume_id", .volume), body: try await HTTP.body(req),
                    idempotencyKey: HTTP.idempotencyKey(req)))
        }
        on(r, .delete, "/api/v1/volumes/:volume_id") { req, c in
            HTTP.reply(
                try await plane.deleteVolume(
                    HTTP.principal(c), id: try HTTP.pathID(c, "volume_id", .volume),
                    idempotencyKey: HTTP.idempotencyKey(req)))
        }
    }

    func addVSwitchRoutes(_ r: Router<APIContext>) {
        let base = "/api/v1/networks/vswitches/standalone"
        on(r, .get, base) { req, _ in
            let node = try HTTP.queryID(req, "node_id", .node)
            if let node { _ = try await plane.get(NodeRecord.self, Table.nodes, node, "node") }
            return HTTP.page(
                try await plane.list(VSwitchRecord.self, Table.vSwitches, try HTTP.pageRequest(req)) {
                    node == nil || $0.nodeID == node
                }, req)
        }
        on(r, .post, base) { req, c in
            guard let node = try HTTP.queryID(req, "node_id", .node) else {
                throw ServiceError.invalid(["node_id"], "is required")
            }
            return HTTP.reply(
                try await plane.createVSwitch(
                    HTTP.principal(c), node: node, body: try await HTTP.body(req),
                    idempotencyKey: HTTP.idempotencyKey(req)))
        }
        on(r, .get, base + "/:svswitch_id") { _, c in
            let s = try await plane.get(
                VSwitchRecord.self, Table.vSwitches, try HTTP.pathID(c, "svswitch_id", .vSwitch), "vSwitch")
            return HTTP.json(s.value, headers: HTTP.etag(s.version))
        }
        on(r, .patch, base + "/:svswitch_id") { req, c in
            HTTP.reply(
                try await plane.updateVSwitch(
                    HTTP.principal(c), id: try HTTP.pathID(c, "svswitch_id", .vSwitch), body: try await HTTP.body(req),
                    ifMatch: try HTTP.ifMatch(req), idempotencyKey: HTTP.idempotencyKey(req)))
        }
        on(r, .delete, base + "/:svswitch_id") { req, c in
            HTTP.reply(
                try await plane.deleteVSwitch(
                    HTTP.principal(c), id: try HTTP.pathID(c, "svswitch_id", .vSwitch),
                    idempotencyKey: HTTP.idempotencyKey(req)))
        }
    }

    func addPortGroupRoutes(_ r: Router<APIContext>) {
        let base = "/api/v1/networks/vswitches/standalone"
        on(r, .get, base + "/port_groups") { req, _ in
            let node = try HTTP.queryID(req, "node_id", .node)
            if let node { _ = try await plane.get(NodeRecord.self, Table.nodes, node, "node") }
            return HTTP.page(
                try await plane.list(PortGroupRecord.self, Table.portGroups, try HTTP.pageRequest(req)) {
                    node == nil || $0.nodeID == node
                }, req)
        }
        on(r, .get, base + "/:svswitch_id/port_groups") { req, c in
            let id = try HTTP.pathID(c, "svswitch_id", .vSwitch)
            _ = try await plane.get(VSwitchRecord.self, Table.vSwitches, id, "vSwitch")
            return HTTP.page(
                try await plane.list(PortGroupRecord.self, Table.portGroups, try HTTP.pageRequest(req)) {
                    $0.vswitchID == id
                }, req)
        }
        on(r, .post, base + "/:svswitch_id/port_groups") { req, c in
            HTTP.reply(
                try await plane.createPortGroup(
                    HTTP.principal(c), vswitch: try HTTP.pathID(c, "svswitch_id", .vSwitch),
                    body: try await HTTP.body(req), idempotencyKey: HTTP.idempotencyKey(req)))
        }
        on(r, .get, base + "/:svswitch_id/port_groups/:port_group_name") { _, c in
            let id = try HTTP.pathID(c, "svswitch_id", .vSwitch)
            let name = c.parameters.get("port_group_name") ?? ""
            _ = try await plane.get(VSwitchRecord.self, Table.vSwitches, id, "vSwitch")
            return HTTP.json(
                try await plane.get(PortGroupRecord.self, Table.portGroups, id + "/" + name, "port group").value)
        }
        on(r, .delete, base + "/:svswitch_id/port_groups/:port_group_name") { req, c in
            HTTP.reply(
                try await plane.deletePortGroup(
                    HTTP.principal(c), vswitch: try HTTP.pathID(c, "svswitch_id", .vSwitch),
                    name: c.parameters.get("port_group_name") ?? "", idempotencyKey: HTTP.idempotencyKey(req)))
        }
    }
}
