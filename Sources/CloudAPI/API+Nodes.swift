import CloudModel
import CloudService
import CloudStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension API {
    func addNodeRoutes(_ r: Router<APIContext>) {
        on(r, .get, "/api/v1/nodes") { req, _ in
            let cluster = try HTTP.queryID(req, "cluster_id", .cluster)
            return HTTP.page(
                try await plane.list(NodeRecord.self, Table.nodes, try HTTP.pageRequest(req)) {
                    cluster == nil || $0.node.clusterID.rawValue == cluster
                }, req)
        }
        on(r, .get, "/api/v1/nodes/tasks") { req, _ in
            let q = req.uri.queryParameters.get("maxPoints").flatMap { Int(String($0)) } ?? 100
            let tasks = try await plane.list(TaskRecord.self, Table.tasks, PageRequest()).items
            return HTTP.json(Array(tasks.sorted { $0.startTime > $1.startTime }.prefix(max(1, min(q, 1000)))))
        }
        on(r, .get, "/api/v1/nodes/:node_id") { _, c in
            let node = try await plane.get(NodeRecord.self, Table.nodes, try HTTP.pathID(c, "node_id", .node), "node")
            let instances = try await plane.instances(onNode: node.value.node.id.rawValue)
            let now = plane.now.nanoseconds / 1_000_000_000
            return HTTP.json(
                NodeDetail(
                    node: node.value, instances: instances, hostname: node.value.node.name,
                    os: NodeOS(kernel: "simulated", architecture: "x86_64", uefi: true),
                    time: NodeTime(
                        time: now, timezone: "UTC", uptime: now - node.value.node.creation.nanoseconds / 1_000_000_000),
                    pceVersion: version), headers: HTTP.etag(node.version))
        }
        on(r, .patch, "/api/v1/nodes/:node_id") { req, c in
            HTTP.reply(
                try await plane.updateNode(
                    HTTP.principal(c), id: try HTTP.pathID(c, "node_id", .node), body: try await HTTP.body(req),
                    ifMatch: try HTTP.ifMatch(req), idempotencyKey: HTTP.idempotencyKey(req)))
        }
        on(r, .get, "/api/v1/nodes/:node_id/hardware") { _, c in
            let n = try await node(c)
            return HTTP.object(NodeHardware.hardware(n.node.hardware))
        }
        on(r, .get, "/api/v1/nodes/:node_id/hardware/pci") { _, c in
            HTTP.object(NodeHardware.pci(try await node(c).node.hardware))
        }
        on(r, .get, "/api/v1/nodes/:node_id/hardware/usb") { _, c in
            _ = try await node(c)
            return HTTP.object(["usb": [Any]()])
        }
        on(r, .get, "/api/v1/nodes/:node_id/capabilities") { _, c in
            HTTP.object(NodeHardware.capabilities(try await node(c).node.hardware))
        }
        on(r, .get, "/api/v1/nodes/:node_id/tasks") { _, c in
            let id = try HTTP.pathID(c, "node_id", .node)
            _ = try await node(c)
            return HTTP.json(
                try await plane.list(TaskRecord.self, Table.tasks, PageRequest()) { $0.nodeID == id }.items)
        }
        for action in ["cordon", "uncordon", "maintenance"] {
            on(r, .post, "/api/v1/nodes/:node_id/\(action)") { req, c in
                let id = try HTTP.pathID(c, "node_id", .node)
                let reply = try await plane.nodeAction(
                    HTTP.principal(c), id: id, action: action, idempotencyKey: HTTP.idempotencyKey(req))
                if let n = Wire.decode(NodeRecord.self, reply.body) {
                    await backend?.setNode(id, schedulable: n.schedulable, maintenance: n.maintenance)
                }
                return HTTP.reply(reply)
            }
        }
    }

    func node(_ c: APIContext) async throws -> NodeRecord {
        try await plane.get(NodeRecord.self, Table.nodes, try HTTP.pathID(c, "node_id", .node), "node").value
    }
}

extension HTTP {
    /// A JSONSerialization value as a response.
    static func object(_ value: Any) -> Response {
        let data =
            (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return Response(
            status: .ok, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: Array(data))))
    }
}

/// The reference API's hardware shapes, from a node's topology.
enum NodeHardware {
    static func hardware(_ h: HostTopology) -> [String: Any] {
        let socket = h.sockets.first
        let cores = h.sockets.reduce(0) { $0 + $1.cores }
        let banks: [[String: Any]] = h.numaNodes.map { n in
            [
                "bank": "NUMA\(n.id)", "empty": false,
                "data": ["size": n.memoryMB / 1024, "type": "DDR5", "ecc": true] as [String: Any],
            ]
        }
        let cpu: [String: Any] = [
            "manufacturer": socket.map { $0.model.hasPrefix("AMD") ? "AMD" : "Intel" } ?? "unknown",
            "brand": socket?.model ?? "unknown", "speed": ["current": 2.4], "governor": "performance",
            "cores": ["physical": cores, "performance": cores, "efficiency": 0], "processors": h.cpuCount,
            "sockets": h.sockets.count, "flags": ["vmx", "avx2", "avx512f"], "virtualization": "VT-x",
        ]
        return [
            "vcpus": h.cpuCount, "cpu": cpu, "memory": banks, "disks": [Any](), "usb": [Any](),
            "numa_nodes": h.numaNodes.map { ["id": $0.id, "cpus": $0.cpus, "memory_mb": $0.memoryMB] },
            "gpus": h.gpus.map {
                ["index": $0.index, "uuid": $0.uuid, "model": $0.model, "pci_address": $0.pciAddress]
            },
        ]
    }

    static func pci(_ h: HostTopology) -> [[String: Any]] {
        h.gpus.enumerated().map { i, g in
            [
                "slot": g.pciAddress, "class": "3D controller", "vendor": "NVIDIA Corporation", "device": g.model,
                "revision": "a1", "prog_if": "00", "iommu_group": 20 + i,
                "marked_for_passthrough": g.capabilities.passthrough,
            ]
        }
    }

    static func capabilities(_ h: HostTopology) -> [String: Any] {
        [
            "x86_64": [
                "arch": "x86_64", "wordsize": 64, "emulator": "/usr/bin/qemu-system-x86_64", "kvm_supported": true,
                "firmware": ["efi": ["secure_boot": true]],
                "cpu_models": [["name": "host-passthrough", "vendor": "", "experimental": false]],
                "default_machine": "q35", "machines": [["name": "q35", "max_vcpus": h.cpuCount]],
                "features": ["acpi": true, "apic": true],
            ] as [String: Any]
        ]
    }
}
