import CloudControl
import CloudModel
import CloudRuntime
import CloudTelemetry

/// The outcome of one expectation.
public struct ExpectationResult: Sendable, Equatable {
    public let name: String
    public let passed: Bool
    public let detail: String
}

/// One host's end state, for reports.
public struct HostSummary: Sendable, Equatable {
    public let name: String
    public let id: String
    public let template: String
    public let rack: String
    public let power: String
    public let health: String
    public let instances: Int
    public let heartbeats: UInt64
    public let failedGPUs: Int
}

/// One HA VM's end state, for reports: what the manager believes and what runs.
public struct VMSummary: Sendable, Equatable {
    public let name: String
    public let tier: String
    /// The HA manager's state and node.
    public let haState: String
    public let node: String?
    /// Why it waits, if it does.
    public let blocked: String?
    /// Hosts where a process of it runs in the world.
    public let runningOn: [String]
}

/// One GPU resource an instance holds: which GPU, in which mode, and for MIG where.
public struct PlacedGPU: Sendable, Equatable {
    public let gpu: Int
    public let uuid: String
    public let model: String
    /// passthrough, sriov, vgpu, vgpu_mixed, mig.
    public let mode: String
    /// The MIG profile or vGPU type ("" for passthrough and SR-IOV).
    public let profile: String
    /// VFs or vGPUs held on this GPU (1 for passthrough and MIG).
    public let count: Int
    /// The MIG start slice, nil outside MIG.
    public let migStart: Int?
}

/// The GPUs one instance holds on its host.
public struct GPUPlacementSummary: Sendable, Equatable {
    public let instance: String
    public let host: String
    public let gpus: [PlacedGPU]
}

/// End state of a run, for reports.
public struct SimulationSummary: Sendable {
    public let hosts: [HostSummary]
    /// Instance counts by status, in `InstanceStatus.allCases` order.
    public let instanceCounts: [(String, Int)]
    /// Every HA VM's end state, in record order.
    public var vms: [VMSummary] = []
    /// The GPUs of every instance that holds some, in instance order.
    public var gpuPlacements: [GPUPlacementSummary] = []
}

/// What a run produced.
public struct SimulationResult: Sendable {
    public let name: String
    public let seed: UInt64
    /// 128-bit trace hash as 32 hex digits.
    public let traceHash: String
    /// Events dispatched.
    public let events: UInt64
    /// Virtual time reached, in nanoseconds.
    public let simulatedNanoseconds: UInt64
    /// Decision log, one line per decision.
    public let log: [String]
    public let violation: InvariantViolation?
    public let expectations: [ExpectationResult]
    public let passed: Bool
    public let summary: SimulationSummary
    /// The end state as Prometheus metric families.
    public let metrics: [MetricFamily]
    /// Recoveries (VM stopped running in the world to running again), in completion order.
    public let recoveries: [Recovery]
    /// What the random processes did (nil when the scenario has none).
    public var processes: ProcessStats? = nil
    /// Recovery times, nanoseconds, in completion order.
    public var rtoNanoseconds: [UInt64] { recoveries.map(\.nanoseconds) }
}

extension Sequence<Recovery> {
    /// Recovery times by tier (critical, high, normal), omitting tiers without one.
    public var byTier: [(tier: HAPriority, nanoseconds: [UInt64])] {
        HAPriority.allCases.compactMap { t in
            let ns = filter { $0.tier == t }.map(\.nanoseconds)
            return ns.isEmpty ? nil : (t, ns)
        }
    }
}

/// Nearest-rank percentiles of a sample.
public struct Percentiles: Sendable, Equatable {
    public let p50: UInt64
    public let p90: UInt64
    public let p99: UInt64
    public let max: UInt64

    /// Nil for an empty sample.
    public init?(_ values: [UInt64]) {
        guard !values.isEmpty else { return nil }
        let s = values.sorted()
        func rank(_ p: Int) -> UInt64 { s[Swift.max(0, (p * s.count + 99) / 100 - 1)] }
        p50 = rank(50)
        p90 = rank(90)
        p99 = rank(99)
        max = s[s.count - 1]
    }
}

extension Simulation {
    func evaluate(_ e: ScenarioExpectation) -> ExpectationResult {
        let (ok, detail) = check(e)
        return ExpectationResult(name: e.name, passed: ok, detail: detail)
    }

    private func check(_ e: ScenarioExpectation) -> (Bool, String) {
        switch e {
        case .noViolations:
            guard let v = violation else { return (true, "no invariant violated") }
            return (false, "\(v.invariant) violated at \(SimTime.format(v.time)): \(v.detail)")
        case .hostPower(let name, let on):
            guard let h = world.host(named: name) else { return (false, "no host '\(name)'") }
            let p = world.hosts[h].power
            return ((p == .on) == on, "power is \(p.rawValue)")
        case .hostHealth(let name, let state):
            guard let h = world.host(named: name) else { return (false, "no host '\(name)'") }
            let s = monitor.health[h].rawValue
            return (s == state, "state is \(s)")
        case .detectedWithin(let name, let seconds):
            return detected(name, within: seconds)
        case .instances(let status, let lo, let hi):
            let n = world.instances.count(where: { $0.status == status && $0.instance.state != .destroying })
            return ((lo.map { n >= $0 } ?? true) && (hi.map { n <= $0 } ?? true), "\(n) \(status.rawValue)")
        case .gpuHealth(let name, let gpu, let state):
            guard let h = world.host(named: name), world.hosts[h].gpus.indices.contains(gpu) else {
                return (false, "no gpu\(gpu) on '\(name)'")
            }
            let s = world.hosts[h].gpus[gpu].health
            return (s == state, "gpu\(gpu) is \(s.rawValue)")
        case .logContains(let text):
            let hit = log.first(where: { $0.contains(text) })
            return (hit != nil, hit.map { "found: \($0.trimmingLeadingSpaces)" } ?? "not in \(log.count) log lines")
        case .logAbsent(let text):
            let hit = log.first(where: { $0.contains(text) })
            return (
                hit == nil, hit.map { "found: \($0.trimmingLeadingSpaces)" } ?? "absent from \(log.count) log lines"
            )
        default:
            return checkHA(e)
        }
    }

    private func checkHA(_ e: ScenarioExpectation) -> (Bool, String) {
        switch e {
        case .vmState(let name, let state, let host):
            guard let i = world.instances.firstIndex(where: { $0.instance.name == name }),
                let r = control.store[vm: world.vmID(i)]
            else { return (false, "no HA vm '\(name)'") }
            let on = r.node.flatMap { control.store[host: $0]?.name } ?? "-"
            let ok = r.state == state && (host.map { $0 == on } ?? true)
            return (ok, "vm is \(r.state.rawValue) on \(on)" + (r.blocked.map { " (\($0))" } ?? ""))
        case .vmRunning(let name, let host):
            guard let i = world.instances.firstIndex(where: { $0.instance.name == name }) else {
                return (false, "no vm '\(name)'")
            }
            let on = ha.procs[i].map { world.hosts[$0].name }
            let ok = !on.isEmpty && (host.map { on.contains($0) } ?? true)
            return (ok, on.isEmpty ? "not running" : "running on \(on.joined(separator: ", "))")
        case .fences(let name, let count):
            guard let h = world.host(named: name) else { return (false, "no host '\(name)'") }
            let n = control.store.hosts[h].fences
            return (n == count, "\(n) fence(s)")
        case .rtoP99(let seconds):
            guard let p = Percentiles(probe.rto) else { return (false, "no recovery happened") }
            return (
                p.p99 <= seconds * SimTime.second,
                "RTO p50 \(SimTime.format(p.p50)), p99 \(SimTime.format(p.p99)), "
                    + "max \(SimTime.format(p.max)) over \(probe.rto.count) VM(s)"
            )
        case .haVMs(let state, let lo, let hi):
            let believed = control.store.vms.count { $0.state == state }
            guard state == .started else {
                return (
                    (lo.map { believed >= $0 } ?? true) && (hi.map { believed <= $0 } ?? true),
                    "\(believed) \(state.rawValue)"
                )
            }
            // started is a claim about the world: the VM's process runs on the node HA has it on
            let n = control.store.vms.count { r in
                guard r.state == .started, let i = world.instance(r.id), let node = r.node.flatMap(world.host) else {
                    return false
                }
                return ha.procs[i].contains(node)
            }
            return (
                (lo.map { n >= $0 } ?? true) && (hi.map { n <= $0 } ?? true),
                "\(n) started and running" + (believed == n ? "" : " (\(believed) started per the manager)")
            )
        case .rtoTier(let tier, let seconds):
            let ns = probe.recoveries.filter { tier == nil || $0.tier == tier }.map(\.nanoseconds)
            guard let p = Percentiles(ns) else { return (false, "no recovery of \(tier?.rawValue ?? "any") tier") }
            return (
                p.p99 <= seconds * SimTime.second,
                "\(tier?.rawValue ?? "all"): p50 \(SimTime.format(p.p50)), p99 \(SimTime.format(p.p99)), "
                    + "max \(SimTime.format(p.max)) over \(ns.count) VM(s)"
            )
        case .tierOrder:
            return tierOrderProblem().map { (false, $0) } ?? (true, "higher tiers ran again first in every incident")
        case .converged(let want):
            let problem = convergenceProblem(endOfScenario: true)
            if want { return (problem == nil, problem ?? "every HA VM runs or waits with a reason") }
            return (problem != nil, problem.map { "not converged: \($0)" } ?? "converged")
        default:
            return (false, "unknown expectation")
        }
    }

    private func detected(_ name: String, within seconds: UInt64) -> (Bool, String) {
        guard let h = world.host(named: name) else { return (false, "no host '\(name)'") }
        guard let fault = world.hosts[h].lastFaultAt else { return (false, "no fault hit '\(name)'") }
        guard let seen = monitor.unreachableSince[h], seen >= fault else {
            return (false, "not detected (state \(monitor.health[h].rawValue))")
        }
        let took = seen - fault
        return (took <= seconds * SimTime.second, "detected after \(SimTime.format(took))")
    }
}

extension String {
    /// The string without its leading spaces.
    public var trimmingLeadingSpaces: Substring { drop(while: { $0 == " " }) }
}

extension Simulation {
    /// The first pair of VMs of one incident (their outages overlap) where the lower tier ran
    /// again before the higher one, or the higher one never did.
    func tierOrderProblem() -> String? {
        let done = probe.recoveries
        var open: [Recovery] = []
        for i in world.instances.indices {
            guard let t = probe.incidentAt[i], world.instances[i].instance.haPriority != .none else { continue }
            open.append(
                Recovery(
                    instance: world.instances[i].instance.name, tier: world.instances[i].instance.haPriority,
                    downAt: t, nanoseconds: kernel.now - t))
        }
        for low in done {
            for high in done + open where high.tier < low.tier {
                let overlap = high.downAt < low.downAt + low.nanoseconds && low.downAt < high.downAt + high.nanoseconds
                guard overlap, high.downAt + high.nanoseconds > low.downAt + low.nanoseconds else { continue }
                let when =
                    open.contains(high)
                    ? "is still down" : "ran again at \(SimTime.format(high.downAt + high.nanoseconds))"
                return "vm '\(low.instance)' (\(low.tier.rawValue)) ran again at "
                    + "\(SimTime.format(low.downAt + low.nanoseconds)) while '\(high.instance)' (\(high.tier.rawValue)) "
                    + when
            }
        }
        return nil
    }
}
