import CloudModel
import CloudService
import CloudStore
import Foundation
import HTTPTypes
import Hummingbird

extension API {
    func addInstanceRoutes(_ r: Router<APIContext>) {
        on(r, .get, "/api/v1/instances") { req, _ in
            let f = try InstanceFilter(req)
            if f.isEmpty {
                return HTTP.rawPage(try await plane.listRaw(Table.instances, try HTTP.pageRequest(req)), req)
            }
            return HTTP.page(
                try await plane.list(InstanceRecord.self, Table.instances, try HTTP.pageRequest(req), where: f.keep),
                req)
        }
        on(r, .get, "/api/v1/instances/states") { req, _ in
            let f = try InstanceFilter(req)
            let ids = req.uri.queryParameters.get("ids").map { Set($0.split(separator: ",").map { String($0) }) }
            let all = try await plane.list(InstanceRecord.self, Table.instances, PageRequest(limit: 1_000_000)) {
                f.keep($0) && (ids == nil || ids?.contains($0.id) == true)
            }.items
            return HTTP.json(all.map { InstanceStateRow(id: $0.id, state: $0.state) })
        }
        on(r, .get, "/api/v1/instances/:instance_id") { _, c in
            let id = try HTTP.pathID(c, "instance_id", .instance)
            // the stored row is the wire shape: wrap its bytes, no decode and encode
            let i = try await plane.getRaw(Table.instances, id, "instance")
            let body = Array(#"{"instance":"#.utf8) + i.value + [UInt8(ascii: "}")]
            return HTTP.reply(ServiceReply(body: body), extra: HTTP.etag(i.version))
        }
        on(r, .patch, "/api/v1/instances/:instance_id") { req, c in
            HTTP.reply(
                try await plane.updateInstance(
                    HTTP.principal(c), id: try HTTP.pathID(c, "instance_id", .instance), body: try await HTTP.body(req),
                    ifMatch: try HTTP.ifMatch(req), idempotencyKey: HTTP.idempotencyKey(req)))
        }
    }

    /// The routes that start tasks on instances (destroy, power, migrate, resize, deploy) and the
    /// devices read.
    func addInstanceActionRoutes(_ r: Router<APIContext>) {
        on(r, .delete, "/api/v1/instances/:instance_id") { req, c in
            let flag = req.uri.queryParameters.get("destroy_volumes")
            guard flag == nil || flag == "true" || flag == "false" else {
                throw ServiceError.invalid(["destroy_volumes"], "must be true or false, got '\(flag ?? "")'")
            }
            return try await act(
                req, c, "destroy", arguments: flag == "true" ? ["destroy_volumes": "true"] : [:],
                body: flag == "true" ? Array("destroy_volumes=true".utf8) : [])
        }
        on(r, .post, "/api/v1/instances/:instance_id/power") { req, c in
            let bytes = try await HTTP.body(req)
            let b = try JSONBody(bytes)
            let action = b.choice("action", ["start", "stop", "restart", "kill"], required: true)
            try b.finish()
            return try await act(req, c, action ?? "", body: bytes)
        }
        on(r, .post, "/api/v1/instances/:instance_id/migrate") { req, c in
            let bytes = try await HTTP.body(req)
            let b = try JSONBody(bytes)
            let target = b.string("node_id").map { try? parseID($0, .node, "node_id") }
            if case .some(.none) = target { b.reject("node_id", "must be a node ID (node-…)") }
            try b.finish()
            let args = (target ?? nil).map { ["node_id": $0] } ?? [:]
            return try await act(req, c, "migrate", arguments: args, body: bytes)
        }
        on(r, .post, "/api/v1/instances/:instance_id/resize") { req, c in
            let reply = try await plane.resize(
                HTTP.principal(c), instance: try HTTP.pathID(c, "instance_id", .instance),
                body: try await HTTP.body(req),
                ifMatch: try HTTP.ifMatch(req), idempotencyKey: HTTP.idempotencyKey(req), admission: backend)
            plane.kick()
            return HTTP.reply(reply)
        }
        on(r, .get, "/api/v1/instances/:instance_id/devices") { _, c in
            let id = try HTTP.pathID(c, "instance_id", .instance)
            let i = try await plane.get(InstanceRecord.self, Table.instances, id, "instance").value
            return HTTP.object(InstanceDevices.list(i))
        }
        on(r, .post, "/api/v2/instances") { req, c in
            HTTP.reply(
                try await plane.deploy(
                    HTTP.principal(c), body: try await HTTP.body(req), idempotencyKey: HTTP.idempotencyKey(req),
                    admission: backend))
        }
    }

    func act(
        _ req: Request, _ c: APIContext, _ action: String, arguments: [String: String] = [:], body: [UInt8]
    )
        async throws -> Response
    {
        let reply = try await plane.act(
            HTTP.principal(c), instance: try HTTP.pathID(c, "instance_id", .instance), action: action,
            arguments: arguments, ifMatch: try HTTP.ifMatch(req), idempotencyKey: HTTP.idempotencyKey(req),
            request: body)
        plane.kick()
        return HTTP.reply(reply)
    }

    func addTaskRoutes(_ r: Router<APIContext>) {
        on(r, .get, "/api/v1/tasks") { req, _ in
            let q = req.uri.queryParameters
            let instance = try HTTP.queryID(req, "instance_id", .instance)
            let status = q.get("status").map { String($0) }
            if let s = status, !["queued", "running", "stopped"].contains(s) {
                throw ServiceError.invalid(["status"], "must be one of queued, running, stopped, got '\(s)'")
            }
            return HTTP.page(
                try await plane.list(TaskRecord.self, Table.tasks, try HTTP.pageRequest(req)) {
                    (instance == nil || $0.instanceID == instance) && (status == nil || $0.status == status)
                }, req)
        }
        on(r, .get, "/api/v1/tasks/:task_id") { _, c in
            HTTP.json(try await plane.get(TaskRecord.self, Table.tasks, try taskID(c), "task").value)
        }
        on(r, .get, "/api/v1/tasks/:task_id/log") { req, c in
            let task = try await plane.get(TaskRecord.self, Table.tasks, try taskID(c), "task").value
            let start = req.uri.queryParameters.get("start").flatMap { Int(String($0)) } ?? 0
            let limit = req.uri.queryParameters.get("limit").flatMap { Int(String($0)) } ?? 500
            return HTTP.json(Array(task.log.dropFirst(max(0, start)).prefix(max(1, limit))))
        }
    }

    func taskID(_ c: APIContext) throws(ServiceError) -> String {
        let raw = c.parameters.get("task_id") ?? ""
        guard let u = UUID(uuidString: raw) else {
            throw ServiceError.badRequest("task_id must be a UUID, got '\(raw)'")
        }
        return u.uuidString.lowercased()
    }
}

/// The instance list filters: `node_id`, `cluster_id`, `organization_id`, `state`, `name`.
struct InstanceFilter {
    var node: String?
    var cluster: String?
    var org: String?
    var state: Int?
    var name: String?

    init(_ req: Request) throws(ServiceError) {
        node = try HTTP.queryID(req, "node_id", .node)
        cluster = try HTTP.queryID(req, "cluster_id", .cluster)
        org = try HTTP.queryID(req, "organization_id", .organization)
        name = req.uri.queryParameters.get("name").map { String($0) }
        if let s = req.uri.queryParameters.get("state") {
            guard let n = Int(s), InstanceState(rawValue: n) != nil else {
                throw ServiceError.invalid(["state"], "must be an instance state 1...12, got '\(s)'")
            }
            state = n
        }
    }

    var isEmpty: Bool { node == nil && cluster == nil && org == nil && state == nil && name == nil }

    func keep(_ i: InstanceRecord) -> Bool {
        (node == nil || i.nodeID == node) && (cluster == nil || i.clusterID == cluster)
            && (org == nil || i.organizationID == org) && (state == nil || i.state == state)
            && (name == nil || i.name == name)
    }
}

/// An instance's devices in the reference API's shape (the GPUs its claim holds).
enum InstanceDevices {
    static func list(_ i: InstanceRecord) -> [[String: Any]] {
        let disks: [[String: Any]] = (i.volumes ?? []).enumerated().map { n, v in
            [
                "name": "disk\(n)", "instance_id": i.id, "type": 2, "description": NSNull(),
                "metadata": [
                    "_type": 2, "bus": v.bus, "dev": v.dev, "driver": v.driver, "volume_id": v.volumeID,
                ] as [String: Any],
                "creation": i.creation, "resource_id": v.volumeID, "boot_order": n == 0 ? 1 : -1,
                "is_boot_device": n == 0,
            ]
        }
        return disks
            + i.gpus.enumerated().map { n, uuid in
                [
                    "name": "gpu\(n)", "instance_id": i.id, "type": 5, "description": NSNull(),
                    "metadata": ["_type": 5, "data": ["device": uuid]] as [String: Any], "creation": i.creation,
                    "resource_id": uuid, "boot_order": -1, "is_boot_device": false,
                ]
            }
    }
}
