import ArgumentParser
import CloudModel
import CloudScenario
import CloudSim
import Foundation

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "What-if planning over a scenario's fleet and workload, answered from many seeds in parallel.",
        subcommands: [PlanRackLoss.self, PlanNPlusK.self, PlanFailureRate.self])
}

/// Options every plan question takes.
struct PlanOptions: ParsableArguments {
    @Option(help: "The scenario whose fleet and workload the question is about.") var scenario: String
    @Option(help: "Number of seeds (runs).") var seeds: Int?
    @Option(help: "First seed.") var from: UInt64 = 1
    @Option(help: "Parallel runs (default: one per core).") var workers: Int?
    @Option(help: "text or json.") var format: OutputFormat = .text
    @Option(help: "Write the picture to this SVG file.") var plot: String?

    func validate() throws {
        if let s = seeds, s < 1 || s > 10_000 { throw ValidationError("--seeds: must be in 1…10000, got \(s)") }
        if let w = workers, w < 1 || w > 256 { throw ValidationError("--workers: must be in 1…256, got \(w)") }
        if let p = plot, !p.lowercased().hasSuffix(".svg") {
            throw ValidationError("--plot: '\(p)' must name an .svg file")
        }
    }

    func load() throws -> ScenarioSpec {
        guard let (_, spec) = try loadScenarios([scenario]).first else { throw ExitCode(2) }
        return spec
    }

    func seedList(default n: Int) -> [UInt64] { (0..<UInt64(seeds ?? n)).map { from &+ $0 } }
    var workerCount: Int { workers ?? ProcessInfo.processInfo.activeProcessorCount }

    func emit(_ text: String, json: JSON, svg: String) throws {
        print(format == .json ? json.pretty() : text, terminator: format == .json ? "\n" : "")
        if let p = plot { try PlanPlot.write(svg, to: p) }
    }
}

/// Runs `body` for every index in `0..<count` on `workers` threads; results in index order.
func parallelMap<T: Sendable>(_ count: Int, workers: Int, _ body: @escaping @Sendable (Int) throws -> T) throws -> [T] {
    let box = ParallelResults<T>()
    DispatchQueue.concurrentPerform(iterations: max(1, min(workers, count))) { _ in
        while true {
            box.lock.lock()
            let i = box.next
            box.next += 1
            box.lock.unlock()
            guard i < count else { return }
            let r = Result { try body(i) }
            box.lock.lock()
            box.results[i] = r
            box.lock.unlock()
        }
    }
    return try (0..<count).map { i in
        guard let r = box.results[i] else { preconditionFailure("run \(i) left no result") }
        return try r.get()
    }
}

/// The shared state of `parallelMap`'s workers (every access under the lock).
final class ParallelResults<T: Sendable>: @unchecked Sendable {
    let lock = NSLock()
    var next = 0
    var results: [Int: Result<T, any Error>] = [:]
}

/// A duration flag (`15m`, `30d`) or exit 2 naming it.
func durationFlag(_ text: String, _ flag: String) throws -> UInt64 {
    guard let ns = ScenarioParser.duration(text), ns > 0 else {
        throw ValidationError("\(flag): bad duration '\(text)' (use e.g. 90s, 15m, 2h, 30d)")
    }
    return ns
}

/// A rate multiplier flag (`2x`, `0.5`, `0x` turns the process off) or exit 2 naming it.
func multiplierFlag(_ text: String, _ flag: String) throws -> Double {
    let stem = text.hasSuffix("x") ? String(text.dropLast()) : text
    guard let v = Double(stem), v.isFinite, v >= 0, v <= 1_000 else {
        throw ValidationError("\(flag): '\(text)' must be a multiplier from 0x to 1000x, such as 2x")
    }
    return v
}

struct PlanRackLoss: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rack-loss",
        abstract: "A rack (or a list of hosts) loses power: RTO per tier, VMs left down and why, headroom left.")

    @OptionGroup var options: PlanOptions
    @Option(help: "The rack that loses power.") var rack: String?
    @Option(help: "Hosts that lose power instead, comma-separated.") var hosts: String?
    @Option(help: "When the power goes (simulated time).") var at: String = "5m"
    @Option(help: "How long each run watches the recovery after the loss.") var window: String = "15m"

    func run() throws {
        let spec = try options.load()
        let lost = try lostHosts(spec)
        let atNs = try durationFlag(at, "--at")
        let windowNs = try durationFlag(window, "--window")
        let seeds = options.seedList(default: 8)
        let runs = try parallelMap(seeds.count, workers: options.workerCount) { i in
            try Planner.rackLossRun(spec, hosts: lost, at: atNs, window: windowNs, seed: seeds[i])
        }
        let answer = Planner.rackLoss(hosts: lost, window: windowNs, runs: runs)
        let title = rack.map { "rack \($0)" } ?? "\(lost.count) host(s)"
        try options.emit(
            PlanReport.rackLossText(answer, title: title, at: atNs), json: PlanReport.rackLossJSON(answer, runs: runs),
            svg: PlanReport.rackLossSVG(answer, title: title))
    }

    func lostHosts(_ spec: ScenarioSpec) throws -> [String] {
        switch (rack, hosts) {
        case (nil, nil), (.some, .some): throw ValidationError("--rack or --hosts: give exactly one")
        case (let r?, nil):
            let racks = ScenarioParser.racks(spec.datacenters)
            guard racks.contains(r) else {
                throw ValidationError("--rack: unknown rack '\(r)' (racks: \(racks.joined(separator: ", ")))")
            }
            var out: [String] = []
            for dc in spec.datacenters {
                for c in dc.clusters {
                    for g in c.hostGroups { out += zip(g.hostNames, g.hostRacks).filter { $0.1 == r }.map(\.0) }
                }
            }
            return out
        case (nil, let list?):
            let names = list.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            let known = Set(spec.hostNames)
            guard !names.isEmpty else { throw ValidationError("--hosts: give at least one host") }
            for n in names where !known.contains(n) { throw ValidationError("--hosts: unknown host '\(n)'") }
            return names
        }
    }
}

struct PlanNPlusK: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "n-plus-k",
        abstract: "The smallest k simultaneous losses at which protected VMs can no longer all be restarted.")

    @OptionGroup var options: PlanOptions
    @Option(help: "What is lost: hosts or racks.") var over: String = "hosts"
    @Option(help: "Protected tiers, comma-separated.") var tiers: String = "critical,high"
    @Option(parsing: .unconditional, help: "Largest k to try (default: the whole fleet).") var maxK: String?

    func run() throws {
        let spec = try options.load()
        guard let unit = NPlusKUnit(rawValue: over) else {
            throw ValidationError("--over: '\(over)' is not hosts or racks")
        }
        var protected: [HAPriority] = []
        for t in tiers.split(separator: ",") {
            guard let p = HAPriority(rawValue: String(t)), p != .none else {
                throw ValidationError("--tiers: unknown tier '\(t)' (critical, high, normal)")
            }
            protected.append(p)
        }
        let units = unit == .hosts ? spec.hostNames.count : ScenarioParser.racks(spec.datacenters).count
        var limit = units
        if let text = maxK {
            guard let k = Int(text), k >= 1 else {
                throw ValidationError("--max-k: '\(text)' must be a whole number from 1")
            }
            guard k <= units else {
                throw ValidationError("--max-k: \(k) is beyond the fleet's \(units) \(unit.rawValue)")
            }
            limit = k
        }
        let seeds = options.seedList(default: 2)
        let tierList = protected
        let kLimit = limit
        let answers = try parallelMap(seeds.count, workers: options.workerCount) { i in
            try Planner.nPlusK(spec, seed: seeds[i], over: unit, tiers: tierList, maxK: kLimit)
        }
        // the worst placement: the seed with the smallest k (no k counts as beyond the fleet)
        guard
            let worst = answers.indices.min(by: {
                (answers[$0].smallestK ?? Int.max, $0) < (answers[$1].smallestK ?? Int.max, $1)
            })
        else { throw ExitCode(1) }
        try options.emit(
            PlanReport.nPlusKText(answers[worst], seed: seeds[worst], all: answers),
            json: PlanReport.nPlusKJSON(answers[worst], seed: seeds[worst], all: answers, seeds: seeds),
            svg: PlanReport.nPlusKSVG(answers[worst]))
    }
}

struct PlanFailureRate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failure-rate",
        abstract: "Expected VM-hours lost, recoveries, fences and GPU capacity lost per day under failure rates.")

    @OptionGroup var options: PlanOptions
    @Option(parsing: .unconditional, help: "Multiplier of the GPU Xid rates (2x: twice as often).") var gpuXidRate:
        String = "1x"
    @Option(parsing: .unconditional, help: "Multiplier of host and rack power failure rates.") var hostRate: String =
        "1x"
    @Option(parsing: .unconditional, help: "Multiplier of NIC and link failure rates.") var linkRate: String = "1x"
    @Option(parsing: .unconditional, help: "Multiplier of BMC failure rates.") var bmcRate: String = "1x"
    @Option(help: "The period the totals cover.") var duration: String = "30d"
    @Option(help: "How long each sampled incident is watched.") var window: String = "15m"

    func run() throws {
        var scale = FailureRateScale()
        scale.gpu = try multiplierFlag(gpuXidRate, "--gpu-xid-rate")
        scale.host = try multiplierFlag(hostRate, "--host-rate")
        scale.link = try multiplierFlag(linkRate, "--link-rate")
        scale.bmc = try multiplierFlag(bmcRate, "--bmc-rate")
        let days = Double(try durationFlag(duration, "--duration")) / Double(SimTime.hour * 24)
        let windowNs = try durationFlag(window, "--window")
        let spec = try options.load()
        let processes = Planner.failureProcesses(spec, scale: scale)
        let (units, gpus) = try Planner.failureUnits(spec, processes)
        let seeds = options.seedList(default: 4)
        let jobs = processes.indices.filter { !units[$0].isEmpty }.flatMap { j in seeds.map { (j, $0) } }
        let samples = try parallelMap(jobs.count, workers: options.workerCount) { i in
            try Planner.incidentRun(
                spec, processes[jobs[i].0], unitCount: units[jobs[i].0].count, seed: jobs[i].1, window: windowNs)
        }
        var perProcess = processes.map { _ in [IncidentSample]() }
        for (i, job) in jobs.enumerated() { perProcess[job.0].append(samples[i]) }
        let answer = Planner.failureRate(
            processes: processes, units: units, samples: perProcess, durationDays: days, fleetGPUs: gpus)
        try options.emit(
            PlanReport.failureRateText(answer, seeds: seeds.count), json: PlanReport.failureRateJSON(answer),
            svg: PlanReport.failureRateSVG(answer))
    }
}
