import CloudControl
import CloudDrivers
import CloudModel

extension ControlPlaneHost where Self: ~Copyable {
    /// The agent of a powered host: renew its lease through the quorum (the store records the
    /// renewal), learn of its own fence from failing storage I/O, reconcile when it must; and the
    /// watchdog, which resets the host when it expires even if the agent is stalled.
    package mutating func agentTick(_ h: Int) {
        let now = self.now
        if isAgentAlive(h) {
            let quorate = isInQuorum(h)
            let renewed = quorate || (control.config.storageChannel && hasSecondChannel(h))
            control.agents[h].tick(now: now, renewed: renewed, config: control.config)
            if renewed { control.hostLeases[h] = now }
            if let b = storageFailingSince(h) { control.agents[h].storageFailing(since: b) }
            if control.agents[h].mustReconcile && quorate && isStoreAvailable { reconcile(h) }
        }
        if hasWorkingWatchdog(h) && control.agents[h].watchdog(now: now, config: control.config) == .expired {
            record("agent/\(hostName(h)): watchdog expired; host resets (self-fence)")
            resetHost(h)
        }
    }

    /// Kills the guests the store does not assign to this host (the agent's reconcile plan); the
    /// agent claims no ports.
    package mutating func reconcile(_ h: Int) {
        let handles = control.handles
        let running = guests(on: h).map { handles.vms[$0] }
        for id in HostAgent.reconcilePlan(host: handles.hosts[h], running: running, state: control.store) {
            guard let v = handles.vm(id) else { continue }
            killGuest(v, on: h)
            record("agent/\(hostName(h)): reconcile: killed stale process of vm '\(instanceName(v))'")
        }
        control.agents[h].reconciled(now: self.now)
        hostReconciled(h)
        record("agent/\(hostName(h)): reconciled")
    }

    /// The host booted: its agent starts and must reconcile before it takes part.
    package mutating func agentBooted(_ h: Int) { control.agents[h].booted(now: self.now) }

    /// Carries out a manager command: fence devices and the storage cluster directly, everything
    /// else through the target host's agent (which must be reachable from the leader).
    package mutating func execute(_ c: HACommand, from leader: Int) {
        switch c.kind {
        case .fence(let method):
            fence(c, method)
        case .powerCheck:
            powerCheck(c)
        case .unfenceStorage:
            unfence(c)
        case .start, .stop, .migrate, .reboot:
            guard let h = control.handles.host(c.host), isInQuorum(h), isReachable(h, from: leader), isAgentAlive(h)
            else { return }
            if holdsCommand(c, for: h) { return }
            agentReceive(c, on: h)
        }
    }

    /// A command reaches the agent of `h`: checked for its epoch and ID, then carried out once.
    package mutating func agentReceive(_ c: HACommand, on h: Int) {
        guard isPowered(h), isAgentAlive(h) else { return }
        switch control.agents[h].accept(c) {
        case .staleEpoch(let seen):
            record("agent/\(hostName(h)): rejected command \(c.id) from stale epoch \(c.epoch) (obeying \(seen))")
            commandRejected(c, on: h)
        case .alreadyDone(let answer):
            deliver(answer)
        case .inProgress:
            break
        case .execute:
            agentExecute(c, on: h)
        }
    }

    package mutating func agentExecute(_ c: HACommand, on h: Int) {
        let handles = control.handles
        func vm(_ id: VMID) -> Int {
            guard let v = handles.vm(id) else { preconditionFailure("command \(c.id) names unknown instance '\(id)'") }
            return v
        }
        switch c.kind {
        case .start(let id):
            let vm = vm(id)
            guestStarting(vm, on: h)
            switch HostAgent.startVerdict(
                portBoundHere: chassis(of: vm) == h, alreadyRunning: isGuestRunning(vm, on: h))
            {
            case .refuse(let reason):
                agentFinished(h, c.id, .started(command: c.id, ok: false, reason: reason))
            case .alreadyRunning:
                agentFinished(h, c.id, .started(command: c.id, ok: true, reason: "already running"))
            case .launch:
                startGuest(vm, on: h, command: c.id)
            }
        case .stop(let id):
            stopGuest(vm(id), on: h, command: c.id)
        case .migrate(let id, let to):
            guard let target = handles.host(to) else {
                return agentFinished(h, c.id, .migrated(command: c.id, ok: false, detail: "unknown target '\(to)'"))
            }
            migrateGuest(vm(id), from: h, to: target, command: c.id)
        case .reboot:
            agentFinished(h, c.id, .rebooting(command: c.id))
            rebootHost(h, command: c.id)
        case .fence, .unfenceStorage, .powerCheck:
            preconditionFailure("fence commands go to fence devices, not agents")
        }
    }

    /// The agent of `h` finished command `id`: it records the answer and reports it.
    package mutating func agentFinished(_ h: Int, _ id: UInt64, _ answer: HAInput) {
        control.agents[h].finish(id, answer)
        deliver(answer)
    }
}
