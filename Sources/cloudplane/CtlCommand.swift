import ArgumentParser
import Foundation

struct CtlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ctl", abstract: "Drive a running control plane through its REST API.",
        subcommands: [CtlOrganizations.self, CtlNodes.self, CtlInstances.self, CtlTasks.self])
}

/// Runs `body`, turning a server refusal into its message and exit 1.
func ctlRun(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let f as CtlFailure {
        FileHandle.standardError.write(Data("error: \(f.description)\n".utf8))
        throw ExitCode(1)
    }
}

struct CtlOrganizations: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "organizations", abstract: "List, show, create and delete organizations.")
    @Argument(help: "list | show ID | create NAME | delete ID") var words: [String] = ["list"]
    @OptionGroup var options: CtlOptions

    func run() async throws {
        let c = options.client
        let cols = ["id", "name", "is_root", "creation"]
        try await ctlRun {
            switch (words.first ?? "list", words.dropFirst().first) {
            case ("list", _): ctlPrint(try await c.call("GET", "/api/v1/organizations"), options.format, columns: cols)
            case ("show", let id?):
                ctlPrint(
                    try await c.call("GET", "/api/v1/organizations/\(id)"), options.format,
                    columns: ["organization.id", "organization.name"])
            case ("create", let name?):
                ctlPrint(
                    try await c.call("POST", "/api/v1/organizations", body: ["name": name]), options.format,
                    columns: ["id"])
            case ("delete", let id?): _ = try await c.call("DELETE", "/api/v1/organizations/\(id)")
            default: throw ValidationError("usage: ctl organizations list | show ID | create NAME | delete ID")
            }
        }
    }
}

struct CtlNodes: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodes", abstract: "List and show nodes; cordon, uncordon, maintenance.")
    @Argument(help: "list | show ID | cordon ID | uncordon ID | maintenance ID") var words: [String] = ["list"]
    @Option(help: "Only nodes of this cluster (list).") var cluster: String?
    @OptionGroup var options: CtlOptions

    func run() async throws {
        let c = options.client
        let cols = ["id", "name", "cluster_id", "rack", "alive", "schedulable", "maintenance"]
        try await ctlRun {
            switch (words.first ?? "list", words.dropFirst().first) {
            case ("list", _):
                let q = cluster.map { "?cluster_id=\($0)" } ?? ""
                ctlPrint(try await c.call("GET", "/api/v1/nodes\(q)"), options.format, columns: cols)
            case ("show", let id?):
                ctlPrint(
                    try await c.call("GET", "/api/v1/nodes/\(id)"), options.format, columns: cols.map { "node.\($0)" })
            case (let action, let id?) where ["cordon", "uncordon", "maintenance"].contains(action):
                ctlPrint(try await c.call("POST", "/api/v1/nodes/\(id)/\(action)"), options.format, columns: cols)
            default: throw ValidationError("usage: ctl nodes list | show ID | cordon ID | uncordon ID | maintenance ID")
            }
        }
    }
}

struct CtlTasks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tasks", abstract: "List and show tasks.")
    @Argument(help: "list | show ID") var words: [String] = ["list"]
    @Flag(help: "Wait until the task stops (show).") var wait = false
    @OptionGroup var options: CtlOptions

    func run() async throws {
        let c = options.client
        let cols = ["id", "type", "status", "exitstatus", "progress", "instance_id", "start_time"]
        try await ctlRun {
            switch (words.first ?? "list", words.dropFirst().first) {
            case ("list", _): ctlPrint(try await c.call("GET", "/api/v1/tasks"), options.format, columns: cols)
            case ("show", let id?):
                let t = wait ? try await c.wait(task: id) : try await c.call("GET", "/api/v1/tasks/\(id)")
                ctlPrint(t, options.format, columns: cols)
            default: throw ValidationError("usage: ctl tasks list | show ID [--wait]")
            }
        }
    }
}
