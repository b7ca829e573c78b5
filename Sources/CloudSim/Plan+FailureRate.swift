import CloudControl
import CloudModel

/// The measured consequence of one sampled failure.
public struct IncidentSample: Sendable, Equatable {
    public var unit: String
    /// VM-hours lost: recovery times of the VMs that ran again, plus the mean repair time for
    /// each VM of the unit that did not (unprotected ones included).
    public var vmHoursLost: Double
    public var recoveries: Int
    public var fences: Int
    /// GPU-hours out of service: the unit's GPUs that cannot be used after the failure, for the
    /// mean repair time.
    public var gpuHoursLost: Double
    public var affected: Int
}

/// Expected consequences of one failure process.
public struct FailureRateRow: Sendable {
    public var process: FailureProcess
    public var units: Int
    public var failuresPerDay: Double
    public var samples: [IncidentSample]
    public func mean(_ f: (IncidentSample) -> Double) -> Double {
        samples.isEmpty ? 0 : samples.reduce(0) { $0 + f($1) } / Double(samples.count)
    }
    public var vmHoursLostPerDay: Double { failuresPerDay * mean(\.vmHoursLost) }
    public var recoveriesPerDay: Double { failuresPerDay * mean { Double($0.recoveries) } }
    public var fencesPerDay: Double { failuresPerDay * mean { Double($0.fences) } }
    public var gpuHoursLostPerDay: Double { failuresPerDay * mean(\.gpuHoursLost) }
}

/// The answer: per process and in total, per day and over the duration asked.
public struct FailureRateAnswer: Sendable {
    public var rows: [FailureRateRow]
    public var durationDays: Double
    public var fleetGPUs: Int
    public func total(_ f: (FailureRateRow) -> Double) -> Double { rows.reduce(0) { $0 + f($1) } }
    /// The share of the fleet's GPU-hours lost (0…1).
    public var gpuCapacityLostShare: Double {
        fleetGPUs == 0 ? 0 : total(\.gpuHoursLostPerDay) / (Double(fleetGPUs) * 24)
    }
}

/// Rate multipliers per kind of component (1: as given; 0: off).
public struct FailureRateScale: Sendable, Equatable {
    public var gpu = 1.0
    public var host = 1.0
    public var link = 1.0
    public var bmc = 1.0
    public init() {}

    func factor(_ c: FailureComponent) -> Double {
        switch c {
        case .gpu: gpu
        case .host, .rackPower: host
        case .link: link
        case .bmc: bmc
        }
    }
}

extension Planner {
    /// When the sampled failure happens, and how long its consequences are watched.
    public static let incidentAt: UInt64 = 2 * SimTime.minute

    /// The scenario's failure processes (the Llama 3 defaults when it has none), scaled.
    public static func failureProcesses(_ spec: ScenarioSpec, scale: FailureRateScale) -> [FailureProcess] {
        let base = spec.processes.failures.isEmpty ? FailurePresets.llama3() : spec.processes.failures
        return base.compactMap { f in
            let k = scale.factor(f.component)
            guard k > 0 else { return nil }
            var g = f
            g.mtbf = FailurePresets.hours(Double(f.mtbf) / Double(SimTime.hour) / k)
            return g
        }
    }

    /// The unit names of each process, and the fleet's GPU count (one build of the world).
    public static func failureUnits(
        _ spec: ScenarioSpec, _ processes: [FailureProcess]
    ) throws(SimulationError) -> (
        [[String]], Int
    ) {
        var s = spec
        s.processes = ProcessSpec()
        let sim = try Simulation(spec: s, checkers: false)
        let gpus = sim.world.hosts.reduce(0) { $0 + $1.gpus.count }
        return (processes.map { sim.failureUnits($0).map(\.name) }, gpus)
    }

    /// Seed `seed` of process `f`: one unit drawn at random fails at `incidentAt`; the run is
    /// watched for `window`.
    public static func incidentRun(
        _ spec: ScenarioSpec, _ f: FailureProcess, unitCount: Int, seed: UInt64, window: UInt64
    ) throws(SimulationError) -> IncidentSample {
        var stream = SimProcesses.stream(seed: seed, label: "plan/" + f.label)
        var s = spec
        s.processes = ProcessSpec()
        s.expectations = []
        s.timeline = []
        s.duration = incidentAt + window
        var probe = try Simulation(spec: s, seed: seed, checkers: false)
        let units = probe.failureUnits(f)
        precondition(units.count == unitCount && unitCount > 0, "the fleet changed between builds")
        let unit = units[Int(stream.below(UInt64(unitCount)))]
        _ = consume probe
        let names = unit.hosts.map { s.hostNames[$0] }
        let action: FaultAction =
            switch f.component {
            case .host, .rackPower: .powerCut(hosts: names)
            case .link(let k): .networkCut(host: names[0], network: k)
            case .bmc: .bmcFault(host: names[0], mode: .timeout)
            case .gpu(let xid): .gpuFault(host: names[0], gpu: unit.gpu ?? 0, xid: xid)
            }
        s.timeline = [TimedAction(at: incidentAt, action: action)]
        var sim = try Simulation(spec: s, seed: seed, checkers: false)
        sim.advance(to: incidentAt - 1)
        let affected =
            unit.gpu.map { g in sim.world.hosts[unit.hosts[0]].gpus[g].holders } ?? sim.instances(on: unit.hosts)
        let result = sim.run()
        let repairHours = Double(f.repair) / Double(SimTime.hour)
        let down = affected.count(where: { sim.ha.procs[$0].isEmpty })
        let gpusOut: Int
        switch f.component {
        case .host, .rackPower: gpusOut = unit.hosts.reduce(0) { $0 + sim.world.hosts[$1].gpus.count }
        case .gpu(let xid): gpusOut = XidClass.of(xid) == .application ? 0 : 1
        case .link, .bmc:
            gpusOut = unit.hosts.filter { sim.world.hosts[$0].power != .on }.reduce(0) {
                $0 + sim.world.hosts[$1].gpus.count
            }
        }
        return IncidentSample(
            unit: unit.name,
            vmHoursLost: Double(result.rtoNanoseconds.reduce(0, +)) / Double(SimTime.hour) + Double(down) * repairHours,
            recoveries: result.recoveries.count,
            fences: result.log.count(where: { $0.contains("fencing: acknowledged") }),
            gpuHoursLost: Double(gpusOut) * repairHours, affected: affected.count)
    }

    /// Combines the samples: failures per day from the rates, consequences from the samples.
    public static func failureRate(
        processes: [FailureProcess], units: [[String]], samples: [[IncidentSample]], durationDays: Double,
        fleetGPUs: Int
    ) -> FailureRateAnswer {
        let rows = processes.indices.map { j in
            FailureRateRow(
                process: processes[j], units: units[j].count,
                failuresPerDay: Double(units[j].count) * Double(SimTime.hour * 24) / Double(processes[j].mtbf),
                samples: samples[j])
        }
        return FailureRateAnswer(rows: rows, durationDays: durationDays, fleetGPUs: fleetGPUs)
    }
}
