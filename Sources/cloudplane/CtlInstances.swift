import ArgumentParser
import Foundation

struct CtlInstances: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "instances",
        abstract: "Instances: list, show, create, start, stop, restart, kill, delete, migrate, resize (by ID or name).")
    @Argument(
        help: "list | show X | create NAME | start X | stop X | restart X | kill X | delete X | migrate X | resize X")
    var words: [String] = ["list"]
    @Option(help: "Cluster to place in (create; ID or name), or to list (ID).") var cluster: String?
    @Option(help: "Node to place on (create; ID or name), or to list (ID).") var node: String?
    @Option(help: "Owning organization (create), or to list.") var organization: String?
    @Option(help: "Flavor, e.g. m1.large (create, resize).") var flavor: String?
    @Option(help: "vCPUs (create, resize).") var vcpus: Int?
    @Option(help: "Memory in MB (create, resize).") var memory: Int?
    @Option(help: "HA tier: critical, high, normal or none (create).") var ha: String?
    @Option(help: "GPUs as MODE:COUNT[:PROFILE], e.g. passthrough:2 or mig:1:3g.40gb (create).") var gpu: String?
    @Option(help: "Target node (migrate).") var to: String?
    @Flag(help: "Wait for the action's task to finish, with a progress line.") var wait = false
    @OptionGroup var options: CtlOptions

    static let columns = ["id", "name", "state_name", "node_id", "vcpus", "memory", "ha_priority", "task_state"]

    func run() async throws {
        let c = options.client
        try await ctlRun {
            let verb = words.first ?? "list"
            guard let arg = words.dropFirst().first else {
                guard verb == "list" else {
                    throw ValidationError("ctl instances \(verb) needs an instance ID or name")
                }
                var q: [String] = []
                if let cluster { q.append("cluster_id=\(cluster)") }
                if let node { q.append("node_id=\(node)") }
                if let organization { q.append("organization_id=\(organization)") }
                let path = "/api/v1/instances" + (q.isEmpty ? "" : "?" + q.joined(separator: "&"))
                ctlPrint(try await c.call("GET", path), options.format, columns: Self.columns)
                return
            }
            if verb == "create" { return try await create(c, name: arg) }
            let id = try await resolve(c, arg)
            let started: Any
            switch verb {
            case "show":
                let i = try await c.call("GET", "/api/v1/instances/\(id)")
                ctlPrint((i as? [String: Any])?["instance"] ?? i, options.format, columns: Self.columns)
                return
            case "start", "stop", "restart", "kill":
                started = try await c.call("POST", "/api/v1/instances/\(id)/power", body: ["action": verb])
            case "delete": started = try await c.call("DELETE", "/api/v1/instances/\(id)")
            case "migrate":
                started = try await c.call(
                    "POST", "/api/v1/instances/\(id)/migrate", body: to.map { ["node_id": $0] } ?? [:])
            case "resize":
                var body: [String: Any] = [:]
                if let flavor { body["flavor"] = flavor }
                if let vcpus { body["cpu"] = ["sockets": 1, "cores": vcpus, "threads": 1] }
                if let memory { body["memory"] = memory }
                guard !body.isEmpty else { throw ValidationError("resize needs --flavor, --vcpus or --memory") }
                started = try await c.call(
                    "POST", "/api/v1/instances/\(id)/resize", body: body, idempotencyKey: "ctl-" + UUID().uuidString)
            default: throw ValidationError("unknown verb '\(verb)'")
            }
            try await finish(c, started)
        }
    }

    /// An instance ID, or the ID of the one instance of that name.
    func resolve(_ c: CtlClient, _ text: String) async throws -> String {
        if text.hasPrefix("inst-") { return text }
        let found = try await c.call("GET", "/api/v1/instances?name=\(text)") as? [[String: Any]] ?? []
        guard found.count == 1, let id = found[0]["id"] as? String else {
            throw CtlFailure(
                description: found.isEmpty
                    ? "no instance is named '\(text)'" : "\(found.count) instances are named '\(text)'; use an ID")
        }
        return id
    }

    /// The ID of the cluster or node named `text` (IDs pass through).
    func lookup(_ c: CtlClient, _ text: String, prefix: String, in path: String) async throws -> String {
        if text.hasPrefix(prefix) { return text }
        let all = try await c.call("GET", path) as? [[String: Any]] ?? []
        guard let id = all.first(where: { $0["name"] as? String == text })?["id"] as? String else {
            throw CtlFailure(description: "no \(path.split(separator: "/").last ?? "") named '\(text)'")
        }
        return id
    }

    func create(_ c: CtlClient, name: String) async throws {
        var body: [String: Any] = ["name": name]
        if let node {
            body["destination"] = ["node_id": try await lookup(c, node, prefix: "node-", in: "/api/v1/nodes")]
        } else if let cluster {
            body["destination"] = ["cluster_id": try await lookup(c, cluster, prefix: "cls-", in: "/api/v1/clusters")]
        } else {
            throw ValidationError("create needs --cluster or --node (an ID or a name)")
        }
        if let flavor { body["flavor"] = flavor }
        if let vcpus { body["cpu"] = ["sockets": 1, "cores": vcpus, "threads": 1] }
        if let memory { body["memory"] = memory }
        if let ha { body["ha_priority"] = ha }
        if let organization { body["organization_id"] = organization }
        if let gpu {
            let p = gpu.split(separator: ":").map(String.init)
            guard p.count >= 2, let n = Int(p[1]) else {
                throw ValidationError("--gpu must be MODE:COUNT[:PROFILE], got '\(gpu)'")
            }
            var g: [String: Any] = ["mode": p[0], "count": n]
            if p.count > 2 { g["profile"] = p[2] }
            body["gpu"] = g
        }
        let started = try await c.call(
            "POST", "/api/v2/instances", body: body, idempotencyKey: "ctl-" + UUID().uuidString)
        try await finish(c, started)
    }

    /// Prints the started task, or waits for it and prints the instance.
    func finish(_ c: CtlClient, _ started: Any) async throws {
        let s = started as? [String: Any] ?? [:]
        guard wait, let task = s["task_id"] as? String else {
            ctlPrint(s, options.format, columns: ["task_id", "instance_id"])
            return
        }
        _ = try await c.wait(task: task)
        guard let id = s["instance_id"] as? String else { return }
        let i = try? await c.call("GET", "/api/v1/instances/\(id)")
        ctlPrint(
            (i as? [String: Any])?["instance"] ?? ["id": id, "state_name": "deleted"], options.format,
            columns: Self.columns)
    }
}
