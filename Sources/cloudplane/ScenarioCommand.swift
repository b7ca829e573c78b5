import ArgumentParser
import CloudScenario
import CloudSim
import CloudTelemetry
import Foundation

struct ScenarioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenario", abstract: "Validate and run fault scenarios in virtual time.",
        subcommands: [ScenarioRun.self, ScenarioCheck.self, ScenarioSwarm.self])
}

/// Reads and parses scenario files; on any error prints every error and exits with 2.
func loadScenarios(_ files: [String]) throws -> [(String, ScenarioSpec)] {
    var specs: [(String, ScenarioSpec)] = []
    var errors: [String] = []
    for file in files {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            errors.append("\(file): cannot read the file: \(readFailure(file))")
            continue
        }
        guard let text = String(data: data, encoding: .utf8) else {
            errors.append("\(file): not UTF-8 text")
            continue
        }
        do {
            specs.append((file, try ScenarioParser.parse(text, file: file)))
        } catch {
            errors.append(error.description)
        }
    }
    if !errors.isEmpty {
        for e in errors { printError("error: " + e) }
        throw ExitCode(2)
    }
    return specs
}

/// Why `path` cannot be read, in the system's words (`No such file or directory`, `Is a
/// directory`, `Permission denied`).
func readFailure(_ path: String) -> String {
    let fd = open(path, O_RDONLY)
    if fd < 0 { return String(cString: strerror(errno)) }
    defer { close(fd) }
    var byte: UInt8 = 0
    if read(fd, &byte, 1) < 0 { return String(cString: strerror(errno)) }
    return "unreadable"
}

func printError(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}

struct ScenarioCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Validate scenario files without running them (exit 2 on errors).")

    @Argument(help: "Scenario YAML files.") var files: [String]
    @Option(help: "text or json.") var format: OutputFormat = .text

    func run() throws {
        let specs = try loadScenarios(files)
        if format == .json {
            let items: [JSON] = specs.map { f, s in
                .object([
                    ("file", .string(f)), ("name", .string(s.name)), ("hosts", .int(Int64(s.hostNames.count))),
                    ("timeline", .int(Int64(s.timeline.count))), ("expectations", .int(Int64(s.expectations.count))),
                ])
            }
            print(JSON.object([("valid", .bool(true)), ("scenarios", .array(items))]).serialized())
        } else {
            for (f, s) in specs {
                print(
                    "\(f): ok (\(s.name): \(s.hostNames.count) hosts, \(s.timeline.count) timeline entries, "
                        + "\(s.expectations.count) expectations)")
            }
        }
    }
}

struct ScenarioRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run scenarios in virtual time and report (exit 1 if any fails).")

    @Argument(help: "Scenario YAML files.") var files: [String]
    @Option(help: "Override every scenario's seed.") var seed: UInt64?
    @Option(help: "text or json.") var format: OutputFormat = .text
    @Option(help: "Write a JUnit XML report to this path.") var junit: String?
    @Option(help: "Write the end state as Prometheus metrics to this path (one scenario).") var metrics: String?
    @Flag(help: "Write the metrics in OpenMetrics 1.0 instead of text 0.0.4.") var openmetrics = false
    @Flag(help: "Rewrite each scenario's golden log (NAME.log.expect) from this run. Review the diff.")
    var updateGolden = false
    @OptionGroup var remoteWrite: RemoteWriteOptions
    @Option(help: "Virtual seconds between remote-write snapshots.") var remoteWriteStep: Double = 15
    /// Simulation-only fault hooks (the swarm's mutation switches): prove a scenario's checks fail.
    @Flag(help: "Test-only mutation: recover without fencing (S1/S2 must fire).") var unsafeSkipFence = false
    @Flag(help: "Test-only mutation: the storage cluster accepts an unfence it cannot carry out (S12 must fire).")
    var unsafeAcceptBeforeSchedule = false
    @Flag(help: "Test-only mutation: restart each host's VMs without regard to other hosts' tiers (S14 must fire).")
    var unsafeIgnorePriority = false
    @Flag(help: "Run without the safety checkers (to time them); every figure and log stays the same.")
    var noCheckers = false

    func validate() throws {
        if metrics != nil && files.count != 1 { throw ValidationError("--metrics takes exactly one scenario file") }
        if updateGolden && (unsafeSkipFence || unsafeAcceptBeforeSchedule || unsafeIgnorePriority) {
            throw ValidationError("--update-golden cannot record a run with an unsafe fault hook")
        }
        try remoteWrite.check()
        if remoteWrite.url != nil && files.count != 1 {
            throw ValidationError("--remote-write takes exactly one scenario file")
        }
        guard remoteWriteStep >= 1 && remoteWriteStep <= 3600 else {
            throw ValidationError("--remote-write-step must be in [1, 3600] seconds")
        }
    }

    func run() async throws {
        let specs = try loadScenarios(files)
        var runs: [CloudScenario.ScenarioRun] = []
        let clock = ContinuousClock()
        for (file, original) in specs {
            var spec = original
            spec.settings.unsafeSkipFence = spec.settings.unsafeSkipFence || unsafeSkipFence
            spec.settings.unsafeAcceptBeforeSchedule =
                spec.settings.unsafeAcceptBeforeSchedule || unsafeAcceptBeforeSchedule
            spec.settings.unsafeIgnorePriority = spec.settings.unsafeIgnorePriority || unsafeIgnorePriority
            let start = clock.now
            var sim: Simulation
            do {
                sim = try Simulation(spec: spec, seed: seed, checkers: !noCheckers)
            } catch {
                printError("error: \(file): \(error.description)")
                throw ExitCode(2)
            }
            if remoteWrite.url != nil { try await push(&sim, spec) }
            let result = sim.run()
            let wall = seconds(clock.now - start)
            runs.append(.init(file: file, result: result, wallSeconds: wall, goldenProblem: try golden(file, result)))
        }
        if let junit {
            do {
                try ScenarioReport.junit(runs).write(toFile: junit, atomically: true, encoding: .utf8)
            } catch {
                printError("error: cannot write JUnit report to \(junit): \(error.localizedDescription)")
                throw ExitCode(2)
            }
        }
        if let metrics, let run = runs.first {
            let body = Exposition.render(run.result.metrics, format: openmetrics ? .openMetrics : .text004)
            do {
                try body.write(toFile: metrics, atomically: true, encoding: .utf8)
            } catch {
                printError("error: cannot write metrics to \(metrics): \(error.localizedDescription)")
                throw ExitCode(2)
            }
        }
        switch format {
        case .json: print(ScenarioReport.json(runs).serialized())
        case .text: print(ScenarioReport.text(runs), terminator: "")
        }
        if !runs.allSatisfy(\.passed) { throw ExitCode.failure }
    }

    /// Compares the run's decision log with the scenario's golden log, or rewrites it.
    func golden(_ file: String, _ result: SimulationResult) throws -> String? {
        let path = ScenarioReport.goldenPath(file)
        let text = result.log.map { $0 + "\n" }.joined()
        if updateGolden {
            guard seed == nil else { return nil }  // golden logs are for the scenario's own seed
            do {
                try text.write(toFile: path, atomically: true, encoding: .utf8)
            } catch {
                printError("error: cannot write \(path): \(error.localizedDescription)")
                throw ExitCode(2)
            }
            return nil
        }
        guard seed == nil, let data = FileManager.default.contents(atPath: path) else { return nil }
        return ScenarioReport.goldenDifference(log: result.log, golden: String(decoding: data, as: UTF8.self))
    }
}
