import CloudControl
import CloudModel
import CloudRuntime
import CloudScheduler
import CloudTelemetry

/// A run that could not start: the scenario references something the runtime cannot build.
public struct SimulationError: Error, Equatable, CustomStringConvertible, Sendable {
    public let description: String
    init(_ d: String) { description = d }
}

/// Event kinds dispatched by the simulated runtime.
enum SimEventKind: UInt32 {
    case timeline = 1
    case healthCheck = 2
    case deferred = 3
    /// An arrival or a failure of the scenario's random processes (the argument: the process).
    case process = 4
}

/// Work scheduled for later whose details do not fit in an event's 32-bit argument.
enum DeferredWork: Sendable {
    case bootComplete(host: Int, epoch: UInt32)
    case bmcReply(host: Int, command: BMCCommand, outcome: BMCOutcome)
    case ha(HAWork)
    case process(ProcessWork)
}

/// HA work in flight in the simulated runtime (agents, fence devices, storage, restores).
enum HAWork: Sendable {
    case vmStartDone(vm: Int, host: Int, command: UInt64, power: UInt32, ok: Bool, reason: String)
    case vmStopDone(vm: Int, host: Int, command: UInt64, power: UInt32)
    case migrationDone(vm: Int, from: Int, to: Int, command: UInt64, powers: (UInt32, UInt32), ok: Bool, detail: String)
    case plannedReboot(host: Int, command: UInt64)
    case ipmiOff(host: Int, command: UInt64)
    case pduOff(host: Int, command: UInt64)
    case ipmiReadback(host: Int, command: UInt64)
    case blocklistDone(host: Int, command: UInt64)
    case unfenceDone(host: Int, command: UInt64)
    case leaseCheck(host: Int, command: UInt64)
    case storeBack
    case storageBack
    case processBack(host: Int, process: StalledProcess)
    /// A delayed command reaches the agent of `host`.
    case commandArrives(HACommand, host: Int)
}

/// What a BMC answered.
public enum BMCOutcome: String, Sendable {
    case success, error, timeout
}

/// The simulated runtime: drives the deterministic core (placement, health monitor) over
/// simulated hosts, BMCs, networks and GPUs in virtual time. One instance per (scenario, seed).
public struct Simulation: ~Copyable {
    var kernel: EventKernel
    let spec: ScenarioSpec
    /// The seed actually used (the scenario's or an override).
    public let seed: UInt64
    var world: SimWorld
    var monitor: HostHealthMonitor
    var deferred: [DeferredWork?] = []
    var freeDeferred: [Int] = []
    var log: [String] = []
    var violation: InvariantViolation?
    /// True once the first full audit of the invariants ran; `lastAudit`: the event it ran at.
    var audited = false
    var lastAudit: UInt64 = 0
    var started = false
    var ha: SimHA
    /// True when the safety checkers run (the default); off, no figure of the run changes.
    let checkers: Bool
    /// The checkers' evidence.
    var evidence: CheckerEvidence
    /// The recovery-time probe (runs with or without the checkers).
    var probe: RecoveryProbe
    /// The control plane run by CloudRuntime's loop: lease, store records, agents, fence gate.
    package var control: ControlPlaneState
    /// The scenario's random processes (arrivals, lifetimes, failures, repairs).
    var procs = SimProcesses()

    /// Builds the world of `spec`; `seed` overrides the scenario's seed.
    /// `wallClock` (nanoseconds, from the runtime) only times scheduler decisions for metrics.
    /// `checkers: false` runs without the safety checkers (every figure stays the same).
    public init(
        spec: ScenarioSpec, seed: UInt64? = nil, wallClock: (@Sendable () -> UInt64)? = nil, checkers: Bool = true
    ) throws(SimulationError) {
        let seed = seed ?? spec.seed
        // the world (IDs, UUIDs, heartbeat phases) draws from its own stream, the run from the kernel's
        var buildRNG = Xoshiro256StarStar(seed: seed ^ 0x1D5E_ED00_C10D_D00D)
        var world = try SimWorld.build(spec: spec, rng: &buildRNG, wallClock: wallClock)
        world.loadSeed = seed
        do {
            try spec.settings.ha.validate()
        } catch {
            throw SimulationError("settings.ha.\(error.field): \(error.description)")
        }
        self.spec = spec
        self.seed = seed
        (ha, control) = Self.makeHA(world: world, settings: spec.settings)
        self.checkers = checkers
        evidence = CheckerEvidence(hostCount: world.hosts.count, instanceCount: world.instances.count)
        probe = RecoveryProbe(instanceCount: world.instances.count)
        self.world = world
        kernel = EventKernel(seed: seed)
        monitor = HostHealthMonitor(hostCount: world.hosts.count, config: spec.settings.ha)
        // the initial placement is part of the run: mix every instance's host and GPUs
        for inst in world.instances {
            kernel.trace.mix(UInt64(bitPattern: Int64(inst.host ?? -1)))
            for g in inst.gpuIndices { kernel.trace.mix(UInt64(g)) }
        }
        for line in world.buildLog { record(line) }
        refreshMembership()
    }

    /// The scheduler's state after the scenario's workload was placed (what `scheduler explain`
    /// asks).
    public var scheduler: Scheduler { world.scheduler }

    /// Runs to the scenario's duration (or the first invariant violation) and reports.
    public mutating func run() -> SimulationResult {
        start()
        while violation == nil, let e = kernel.next(until: spec.duration) {
            dispatch(e)
        }
        return finish()
    }

    /// Schedules the timeline and the detector's timer; runs nothing. Idempotent.
    mutating func start() {
        guard !started else { return }
        started = true
        for (i, t) in spec.timeline.enumerated() {
            kernel.schedule(at: t.at, kind: SimEventKind.timeline.rawValue, arg: UInt32(i))
        }
        kernel.schedule(at: spec.settings.checkInterval, kind: SimEventKind.healthCheck.rawValue, arg: 0)
        startProcesses()
        checkInvariants(event: "start")
    }

    /// Runs every event up to virtual time `t` (nanoseconds), past the scenario's duration if
    /// asked: the live-serving mode, where the detector keeps running after the timeline ends.
    /// Stops at the first invariant violation.
    public mutating func advance(to t: UInt64) {
        start()
        while violation == nil, let e = kernel.next(until: t) {
            dispatch(e)
        }
        world.now = kernel.now
    }

    /// Virtual time reached, nanoseconds.
    public var virtualNow: UInt64 { kernel.now }

    /// False once an invariant was violated.
    public var healthy: Bool { violation == nil }

    /// The current state as Prometheus metric families.
    public func metricsSnapshot() -> [MetricFamily] { metrics() }

    mutating func dispatch(_ e: Event) {
        world.now = kernel.now
        switch SimEventKind(rawValue: e.kind) {
        case .timeline:
            let action = spec.timeline[Int(e.arg)].action
            apply(action)
            checkInvariants(event: "timeline[\(e.arg)] \(action.kindName)")
        case .healthCheck:
            healthCheck()
            haTick()
            checkInvariants(event: "tick")
            kernel.schedule(after: spec.settings.checkInterval, kind: SimEventKind.healthCheck.rawValue, arg: 0)
        case .deferred:
            let slot = Int(e.arg)
            guard let work = deferred[slot] else { preconditionFailure("deferred slot \(slot) dispatched twice") }
            deferred[slot] = nil
            freeDeferred.append(slot)
            complete(work)
            checkInvariants(event: "deferred")
        case .process:
            processEvent(Int(e.arg))
            checkInvariants(event: "process")
        case nil:
            preconditionFailure("unknown event kind \(e.kind)")
        }
    }

    mutating func schedule(_ work: DeferredWork, after delay: UInt64) {
        let slot: Int
        if let s = freeDeferred.popLast() {
            slot = s
            deferred[s] = work
        } else {
            slot = deferred.count
            deferred.append(work)
        }
        kernel.schedule(after: delay, kind: SimEventKind.deferred.rawValue, arg: UInt32(slot))
    }

    /// Appends a decision to the run's log and mixes it into the trace hash.
    package mutating func record(_ message: String) {
        let line = SimTime.formatFixed(kernel.now) + " " + message
        kernel.trace.mix(line)
        log.append(line)
    }

    mutating func healthCheck() {
        let interval = spec.settings.heartbeatIntervalNanoseconds
        let now = kernel.now
        let beats = world.hosts.map { $0.heartbeat.lastHeartbeat(now: now, interval: interval) }
        for t in monitor.evaluate(now: now, lastHeartbeats: beats) {
            let last = t.lastHeartbeat.map { "last heartbeat " + SimTime.format($0) } ?? "no heartbeat yet"
            record(
                "monitor: node '\(world.hosts[t.host].name)': state changed from '\(t.from.rawValue)' => "
                    + "'\(t.to.rawValue)' (\(last))")
        }
    }

    mutating func finish() -> SimulationResult {
        if checkers && violation == nil { audit(event: "end of run") }
        let now = kernel.now
        let hash = kernel.finalTraceHash()
        var results = [ExpectationResult]()
        for exp in spec.expectations { results.append(evaluate(exp)) }
        if !spec.expectations.contains(where: { if case .converged = $0 { true } else { false } }) {
            // S12 ends every run: a scenario that means to end unconverged says `converged: false`
            results.append(evaluate(.converged(true)))
        }
        let passed = violation == nil && results.allSatisfy(\.passed)
        var result = SimulationResult(
            name: spec.name, seed: seed, traceHash: hash, events: kernel.dispatched, simulatedNanoseconds: now,
            log: log, violation: violation, expectations: results, passed: passed,
            summary: summary(now: now),
            metrics: metrics(), recoveries: probe.recoveries)
        if !spec.processes.isEmpty { result.processes = procs.stats }
        return result
    }
}

extension SimTime {
    /// Seconds with exactly three decimals, right-aligned to 10 characters, for log lines.
    public static func formatFixed(_ ns: UInt64) -> String {
        let ms = ns / millisecond
        var frac = String(ms % 1000)
        frac = String(repeating: "0", count: 3 - frac.count) + frac
        let text = "\(ms / 1000).\(frac)"
        return String(repeating: " ", count: max(0, 10 - text.count)) + text
    }
}

extension Simulation {
    /// The end state: hosts, instance counts, and every HA VM as the manager has it and as it runs.
    func summary(now: UInt64) -> SimulationSummary {
        var s = world.summary(monitor: monitor, now: now, interval: spec.settings.heartbeatIntervalNanoseconds)
        s.vms = control.store.vms.map { r in
            let running = world.instance(r.id).map { ha.procs[$0].map { world.hosts[$0].name } } ?? []
            return VMSummary(
                name: r.name, tier: r.priority.rawValue, haState: r.state.rawValue,
                node: r.node.map { control.hostName($0) }, blocked: r.blocked, runningOn: running)
        }
        return s
    }
}
