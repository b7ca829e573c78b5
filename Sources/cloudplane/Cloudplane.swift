import ArgumentParser

struct CloudplaneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cloudplane",
        abstract: "CloudPlane: a private-cloud control plane with a deterministic simulator.",
        subcommands: [BenchCommand.self])
}
