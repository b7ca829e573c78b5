import CloudControl
import CloudModel
import CloudRuntime

extension Simulation {
    /// Timeline actions of the HA vocabulary.
    mutating func applyHA(_ action: FaultAction) {
        let now = kernel.now
        switch action {
        case .networkRestore(let name, let net):
            guard let h = world.host(named: name) else { return }
            var a = world.hosts[h].network(net)
            a.linkUp = true
            world.hosts[h].setNetwork(net, a)
            refreshMembership()
            record("node '\(name)': \(net.rawValue) network link up")
            if net == .storage { storagePathChanged(h, up: true) }
        case .commandDelay(let name, let delay, let window):
            guard let h = world.host(named: name) else { return }
            ha.commandDelay[h] = (now + window, delay)
            record(
                "node '\(name)': commands to its agent arrive \(SimTime.format(delay)) late for \(SimTime.format(window))"
            )
        case .stall(let name, let process, let duration):
            guard let h = world.host(named: name) else { return }
            world.hosts[h].lastFaultAt = now
            if process == .agent {
                ha.agentStalledUntil[h] = now + duration
                refreshHeartbeat(h)
            } else {
                ha.managerStalledUntil[h] = now + duration
            }
            record("node '\(name)': \(process.rawValue) process stalled for \(SimTime.format(duration))")
            schedule(.ha(.processBack(host: h, process: process)), after: duration)
        case .crashLeader(let trigger, let restartAfter):
            if trigger == .now {
                crashLeader(restartAfter: restartAfter)
            } else {
                ha.crashTrigger = (trigger, restartAfter)
                record(
                    "ha: the leader will crash right after its next \(trigger == .fenceSent ? "fence" : "start") command"
                )
            }
        case .storeOutage(let d):
            ha.storeUp = false
            record("store: unavailable for \(SimTime.format(d))")
            schedule(.ha(.storeBack), after: d)
        case .storageOutage(let d):
            ha.storageUp = false
            record("storage: cluster unavailable for \(SimTime.format(d))")
            schedule(.ha(.storageBack), after: d)
        case .watchdog(let name, let broken):
            guard let h = world.host(named: name) else { return }
            ha.watchdogBroken[h] = broken
            record("node '\(name)': watchdog \(broken ? "broken (never resets the host)" : "working")")
        case .startFailures(let vm, let host, let count):
            if let vm, let v = instance(named: vm) { ha.startFailuresVM[v] += count }
            if let host, let h = world.host(named: host) { ha.startFailuresHost[h] += count }
            record("next \(count) start(s) of \(vm.map { "vm '\($0)'" } ?? "VMs on node '\(host ?? "?")'") will fail")
        case .admin(let op):
            operatorRequest(op)
        default:
            break
        }
    }

    func instance(named name: String) -> Int? {
        world.instances.firstIndex { $0.instance.name == name }
    }

    mutating func operatorRequest(_ op: OperatorAction) {
        let cmd: AdminCommand?
        let world = self.world
        func host(_ name: String) -> HostID? { world.host(named: name).map(world.hostID) }
        func vm(_ name: String) -> VMID? { world.instances.firstIndex { $0.instance.name == name }.map(world.vmID) }
        switch op {
        case .maintenance(let h, let on): cmd = host(h).map { .maintenance(host: $0, enable: on) }
        case .shutdown(let h, let p): cmd = host(h).map { .shutdown(host: $0, policy: p) }
        case .fenceAck(let name, let by):
            if let h = world.host(named: name), world.hosts[h].power == .off { evidence.proofAt[h] = kernel.now }
            cmd = host(name).map { .fenceAck(host: $0, by: by) }
        case .disarm: cmd = .disarm
        case .arm: cmd = .arm
        case .lock(let v, let name): cmd = vm(v).map { .lock(vm: $0, name: name) }
        case .migrate(let v, let to):
            cmd = vm(v).flatMap { id in host(to).map { .migrate(vm: id, to: $0) } }
        }
        record("operator: \(op.kindName) requested")
        guard let cmd else { return }
        submit(cmd)
    }
}
