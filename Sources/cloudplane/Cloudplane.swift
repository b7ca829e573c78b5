import ArgumentParser
import Foundation

struct CloudplaneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cloudplane",
        abstract: "CloudPlane: a private-cloud control plane with a deterministic simulator.",
        subcommands: [
            ServeCommand.self, CtlCommand.self, DBCommand.self, ScenarioCommand.self, SchedulerCommand.self,
            BenchCommand.self, MetricsCommand.self, PlanCommand.self,
        ])

    /// Runs the command line with the contract's exit codes: 0 success, 1 failure, 2 bad input
    /// (argument-parser's usage errors, normally 64, are reported as 2).
    static func runMain() async -> Never {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            Foundation.exit(0)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            let message = fullMessage(for: error)
            if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
            Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}
