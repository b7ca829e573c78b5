import CloudModel
import Foundation

extension ControlPlane {
    /// Reads a deploy body: the reference API's `/v2/instances` fields plus CloudPlane's
    /// `organization_id`, `flavor`, `ha_priority` and `gpu`. Every problem is a 422 naming its
    /// field; nothing is written before this passes.
    func parseDeploy(_ bytes: [UInt8]) throws -> (InstanceRecord, String?, String?, VolumeRequests) {
        let b = try JSONBody(bytes)
        var node: String?
        var cluster: String?
        if let d = b.object("destination", required: true) {
            node = d.string("node_id")
            cluster = d.string("cluster_id")
            if (node == nil) == (cluster == nil) {
                b.reject("destination", "must name exactly one of node_id, cluster_id")
            }
            node = node.flatMap { Self.checkID($0, .node, d, "node_id") }
            cluster = cluster.flatMap { Self.checkID($0, .cluster, d, "cluster_id") }
        }
        let name = b.string("name", required: true)
        checkName(b, "name", name, max: 255)
        let description = b.string("description", maxLength: 512)
        _ = b.choice("architecture", ["x86_64", "aarch64"])
        _ = b.string("image")
        let type = b.int("type", in: 1...2) ?? InstanceType.qemu.rawValue
        let org = b.string("organization_id").flatMap { Self.checkID($0, .organization, b, "organization_id") }
        let flavor = Self.parseFlavor(b)
        var shape = flavor.map { CPUShape(cores: $0.vcpus) }
        if let c = b.object("cpu", required: flavor == nil) {
            _ = c.opaque("affinity", array: true)
            shape = Self.parseCPU(c)
        }
        let memory = b.int("memory", required: flavor == nil, in: 64...(16 << 20)) ?? flavor?.memoryMB ?? 64
        let autostart = b.bool("autostart") ?? true
        _ = b.bool("imds_enabled")
        _ = b.opaque("networks", array: true)
        let volumes = Self.parseVolumeRequests(b)
        let tier = b.choice("ha_priority", HAPriority.allCases.map(\.rawValue)) ?? HAPriority.normal.rawValue
        let gpu =
            Self.parseGPU(b) ?? flavor.flatMap { $0.gpus > 0 ? GPUSpec(mode: "passthrough", count: $0.gpus) : nil }
        try b.finish()
        let cpu = shape ?? CPUShape(cores: 1)
        let record = InstanceRecord(
            id: newID(.instance).rawValue, organizationID: org ?? "", clusterID: cluster, nodeID: nil,
            requestedNodeID: node, type: type, name: name ?? "", description: description, cpu: cpu, vcpus: cpu.vcpus,
            memory: memory, creation: now.iso8601, autostart: autostart, bootOrder: -1,
            state: InstanceState.creating.rawValue, stateName: InstanceState.creating.name, haPriority: tier,
            flavor: flavor?.name, gpu: gpu, desiredPower: autostart ? "running" : "stopped", taskID: nil,
            taskState: nil, claim: nil, gpus: [], metadata: nil)
        return (record, node, cluster, volumes)
    }

    /// The `flavor` field: a built-in flavor by name (an unknown name is reported, listing them).
    static func parseFlavor(_ b: JSONBody) -> Flavor? {
        guard let name = b.string("flavor") else { return nil }
        guard let f = Flavor.named(name) else {
            b.reject(
                "flavor", "unknown flavor '\(name)' (known: \(Flavor.builtIn.map(\.name).joined(separator: ", ")))")
            return nil
        }
        return f
    }

    /// A `cpu` object: `{sockets? (1…8), cores (1…512), threads? (1…2)}`.
    static func parseCPU(_ c: JSONBody) -> CPUShape {
        let sockets = c.int("sockets", in: 1...8) ?? 1
        let cores = c.int("cores", required: true, in: 1...512) ?? 1
        let threads = c.int("threads", in: 1...2) ?? 1
        return CPUShape(sockets: sockets, cores: cores, threads: threads)
    }

    static func checkID(_ text: String, _ kind: ResourceKind, _ b: JSONBody, _ key: String) -> String? {
        do {
            return try ResourceID(parsing: text, as: kind).rawValue
        } catch {
            b.reject(key, error.description)
            return nil
        }
    }

    /// The `gpu` object: mode, count, and a profile, model or NVLink need where they apply.
    static func parseGPU(_ b: JSONBody) -> GPUSpec? {
        guard let g = b.object("gpu") else { return nil }
        let mode = g.choice("mode", ["passthrough", "sriov", "vgpu", "mig"], required: true)
        let count = g.int("count", in: 1...64) ?? 1
        let profile = g.string("profile", maxLength: 64)
        let model = g.string("model", maxLength: 64)
        let nvlink = g.choice("nvlink", ["required", "preferred", "none"])
        if let mode, (mode == "mig" || mode == "vgpu") && profile == nil {
            g.reject("profile", "is required for mode '\(mode)'")
        }
        return mode.map { GPUSpec(mode: $0, count: count, profile: profile, model: model, nvlink: nvlink) }
    }
}
