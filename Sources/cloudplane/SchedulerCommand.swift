import ArgumentParser
import CloudScenario
import CloudScheduler
import CloudSim
import Foundation

struct SchedulerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler", abstract: "Ask the scheduler about a placement.", subcommands: [SchedulerExplain.self]
    )
}

struct SchedulerExplain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Place one request on a scenario's fleet (after its workload) and explain the result.",
        discussion: """
            Exit codes: 0 placed, 1 rejected (the reasons are aggregated per filter over every host), 2 bad input.
            Example: cloudplane scheduler explain --scenario Scenarios/demo.yaml \\
              --request '{"vcpus": 8, "memory_mb": 65536, "gpu": {"mode": "mig", "profile": "3g.40gb"}}'
            """)

    @Option(help: "Scenario whose topology and workload make up the fleet.") var scenario: String
    @Option(help: "The request as JSON, or @FILE to read it from a file.") var request: String
    @Flag(help: "Ignore the scenario's workload: an empty fleet.") var empty = false
    @Option(help: "text or json.") var format: OutputFormat = .text

    func run() throws {
        guard let (file, spec) = try loadScenarios([scenario]).first else { throw ExitCode(2) }
        var fleetSpec = spec
        if empty { fleetSpec.workload = [] }
        let r = try readRequest()
        var s: Scheduler
        do {
            s = try Simulation(spec: fleetSpec).scheduler
        } catch {
            printError("error: \(file): \(error.description)")
            throw ExitCode(2)
        }
        do {
            try s.validate(r)
        } catch {
            printError("error: request: \(error.description)")
            throw ExitCode(2)
        }
        s.maxCandidates = 0  // an operator's question deserves every host
        let decision = s.decide(r)
        if format == .json {
            print(ExplainReport.json(decision, request: r, scheduler: s).serialized())
        } else {
            print(ExplainReport.text(decision, request: r, scheduler: s), terminator: "")
        }
        if decision.placement == nil { throw ExitCode.failure }
    }

    func readRequest() throws -> ResourceRequest {
        var text = request
        if request.hasPrefix("@") {
            let path = String(request.dropFirst())
            guard let data = FileManager.default.contents(atPath: path), let t = String(data: data, encoding: .utf8)
            else {
                printError("error: request: cannot read \(path)")
                throw ExitCode(2)
            }
            text = t
        }
        do {
            return try RequestParser.parse(text)
        } catch {
            printError("error: request: \(error.description)")
            throw ExitCode(2)
        }
    }
}
