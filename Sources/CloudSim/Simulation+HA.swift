import CloudControl
import CloudModel
import CloudRuntime

extension Simulation {
    /// The world's HA side and the control plane of a new simulated cluster.
    static func makeHA(world: SimWorld, settings: SimSettings) -> (SimHA, ControlPlaneState) {
        var vms: [HAVMRecord] = []
        var processes: [[Int]] = []
        for (i, inst) in world.instances.enumerated() {
            processes.append(inst.host.map { [$0] } ?? [])
            guard inst.instance.haPriority != .none else { continue }
            vms.append(
                HAVMRecord(
                    id: world.vmID(i), name: inst.instance.name, priority: inst.instance.haPriority,
                    node: inst.host.map(world.hostID), claim: world.haClaim(ofInstance: i)))
        }
        let hosts = world.hosts.indices.map {
            HAHostRecord(id: world.hostID($0), name: world.hosts[$0].name, joinedAt: .virtualEpoch)
        }
        let ha = SimHA(
            hostCount: world.hosts.count, instanceCount: world.instances.count,
            processes: processes, ids: world.instances.indices.map(world.vmID))
        let control = ControlPlaneState(
            config: settings.ha, initial: HAState(hosts: hosts, vms: vms),
            handles: RuntimeHandles(hosts: hosts.map(\.id), vms: world.instances.indices.map(world.vmID)),
            powerFenceTiming: simulatedBMCTiming, now: .virtualEpoch,
            faults: RuntimeFaultHooks(
                skipFence: settings.unsafeSkipFence, acceptBeforeSchedule: settings.unsafeAcceptBeforeSchedule,
                ignorePriority: settings.unsafeIgnorePriority))
        return (ha, control)
    }

    /// The simulated BMC is read once, 2 s after its power-off answer.
    static let simulatedBMCTiming = PowerFenceTiming(
        offWaitNanoseconds: 2 * SimTime.second, pollIntervalNanoseconds: SimTime.second, pollTimeoutNanoseconds: 0)

    /// Recomputes membership components over the management network (powered hosts with a link
    /// in the same island), the quorate component (more than half of all hosts) and heartbeats.
    mutating func refreshMembership() {
        let n = world.hosts.count
        var sizes: [Int: Int] = [:]
        for h in 0..<n {
            let host = world.hosts[h]
            let net = host.network(.management)
            let c = host.power != .on ? -1 : (net.linkUp ? Int(net.island) : n + 65_536 + h)
            ha.component[h] = c
            if c >= 0 { sizes[c, default: 0] += 1 }
        }
        ha.quorate = nil
        for h in 0..<n where ha.component[h] >= 0 && (sizes[ha.component[h]] ?? 0) * 2 > n {
            ha.quorate = ha.component[h]
            break
        }
        if ha.quorate == nil && n % 2 == 0 { ha.quorate = tieBreak(sizes: sizes) }
        for h in 0..<n { refreshHeartbeat(h) }
    }

    func inQuorum(_ h: Int) -> Bool {
        ha.quorate != nil && ha.component[h] == ha.quorate && world.hosts[h].power == .on
    }

    func hostTag(_ h: Int?) -> String { h.map { world.hosts[$0].name } ?? "-" }

    /// The HA round at every detector tick: the control plane's tick (agents, leader lease,
    /// manager round; CloudRuntime).
    mutating func haTick() {
        controlTick()
    }

    /// The leader's manager process crashes (a fault): its memory is lost and it restarts later.
    mutating func crashLeader(restartAfter: UInt64) {
        ha.crashTrigger = nil
        guard let l = control.leader else { return }
        managerCrashed()
        ha.managerDownUntil[l] = kernel.now + restartAfter
        record(
            "ha: manager on node '\(world.hosts[l].name)' crashed (in-memory state lost; restarts in "
                + "\(SimTime.format(restartAfter)))")
        schedule(.ha(.processBack(host: l, process: .manager)), after: restartAfter)
    }

    /// Adds the incarnation that ends now to the instance's usage counters.
    mutating func endIncarnation(_ v: Int) {
        let shape = vmLoad(v)
        world.instances[v].priorBusySeconds +=
            shape.integral(virtualSeconds) - shape.integral(Double(world.instances[v].startedAt) / 1e9)
    }

    /// Observed status of an instance from its processes and the HA state (CloudControl's
    /// status reconciler).
    mutating func syncStatus(_ v: Int) {
        let previous = world.instances[v].status
        let haState = control.store[vm: world.vmID(v)]?.state
        let status = InstanceStatusReconciler.observed(
            running: !ha.procs[v].isEmpty, haState: haState, previous: previous)
        if status == .running && previous != .running { world.instances[v].startedAt = kernel.now }
        if previous == .running && status != .running { endIncarnation(v) }
        settleEnergy(of: v)
        world.instances[v].status = status
        world.touchInstance(v)
        world.instances[v].instance.state = status == .running ? .running : (status == .error ? .error : .stopped)
    }
}

extension Simulation {
    /// The component that wins a tie (exactly half the hosts), by the cluster's tie-breaker.
    func tieBreak(sizes: [Int: Int]) -> Int? {
        let n = world.hosts.count
        func half(_ c: Int) -> Int? { c >= 0 && (sizes[c] ?? 0) * 2 == n ? c : nil }
        switch spec.settings.tieBreaker {
        case .none: return nil
        case .witness: return half(0)  // the witness sits on the core management network (island 0)
        case .lowest: return half(ha.component[0])
        case .highest: return half(ha.component[n - 1])
        }
    }
}
