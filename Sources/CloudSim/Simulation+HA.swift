import CloudControl
import CloudModel

extension Simulation {
    static func makeHA(world: SimWorld, config: HAConfig) -> SimHA {
        var vms: [HAVMRecord] = []
        var processes: [[Int]] = []
        for (i, inst) in world.instances.enumerated() {
            processes.append(inst.host.map { [$0] } ?? [])
            guard inst.instance.haPriority != .none else { continue }
            vms.append(HAVMRecord(index: i, name: inst.instance.name, priority: inst.instance.haPriority, node: inst.host))
        }
        return SimHA(
            config: config, hostCount: world.hosts.count, instanceCount: world.instances.count, vms: vms,
            processes: processes)
    }

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
        for h in 0..<n { refreshHeartbeat(h) }
    }

    func inQuorum(_ h: Int) -> Bool { ha.quorate != nil && ha.component[h] == ha.quorate && world.hosts[h].power == .on }

    func hostTag(_ h: Int?) -> String { h.map { world.hosts[$0].name } ?? "-" }

    /// The HA round at every detector tick: agents (lease, watchdog, reconcile), the leader
    /// lease, then the manager's round on the leader.
    mutating func haTick() {
        let now = kernel.now
        for h in world.hosts.indices where world.hosts[h].power == .on {
            if ha.agentAlive(h, now: now) {
                ha.agents[h].tick(now: now, renewed: inQuorum(h), config: ha.config)
                if inQuorum(h) { ha.hostLeases[h] = now }  // the renewal the store recorded
                // its storage I/O fails once blocklisted: the agent learns it was fenced
                if let b = ha.blocklistedAt[h] { ha.agents[h].storageFailing(since: b) }
                if ha.agents[h].mustReconcile && inQuorum(h) && ha.storeUp { reconcile(h) }
            }
            if !ha.watchdogBroken[h] && ha.agents[h].watchdog(now: now, config: ha.config) == .expired {
                selfFence(h)
            }
        }
        leaderStep()
        managerRound()
        accumulateEnergy()
    }

    mutating func selfFence(_ h: Int) {
        record("agent/\(world.hosts[h].name): watchdog expired; host resets (self-fence)")
        powerOff(h, reason: "reset by watchdog")
        powerOn(h, reason: "rebooting after watchdog reset")
    }

    /// Kills processes of VMs the store does not assign to this host (the agent's reconcile plan);
    /// the agent claims no ports.
    mutating func reconcile(_ h: Int) {
        let name = world.hosts[h].name
        let running = ha.procs.indices.filter { ha.procs[$0].contains(h) }
        for v in HostAgent.reconcilePlan(host: h, running: running, state: ha.store) {
            ha.procs[v].removeAll { $0 == h }
            syncStatus(v)
            record("agent/\(name): reconcile: killed stale process of vm '\(world.instances[v].instance.name)'")
        }
        ha.agents[h].reconciled(now: kernel.now)
        ha.proofAt[h] = kernel.now
        record("agent/\(name): reconciled")
    }

    /// The leader lease: the holder renews while its manager runs in the quorum; an expired lease
    /// is released, and the first quorate host with a running manager takes it under a new epoch.
    mutating func leaderStep() {
        let now = kernel.now
        if let l = ha.leader {
            if ha.step != nil && inQuorum(l) && ha.managerUp(l, now: now) {
                ha.lease.renew(by: l, now: now)
            } else if let gone = ha.lease.expire(now: now) {
                record("ha: leader lease of node '\(world.hosts[gone.holder].name)' expired (epoch \(gone.epoch))")
                ha.step = nil
                ha.inbox = []
            }
        }
        guard ha.leader == nil, ha.quorate != nil else { return }
        guard let c = world.hosts.indices.first(where: { inQuorum($0) && ha.managerUp($0, now: now) }),
            let epoch = ha.lease.acquire(by: c, now: now)
        else { return }
        ha.step = HAControlStep(manager: newManager())
        record("ha: node '\(world.hosts[c].name)' became leader (epoch \(epoch))")
    }

    /// A manager process's memory, loaded from the store.
    func newManager() -> HAManager {
        var m = HAManager(config: ha.config, hostNames: world.hosts.map(\.name), persisted: ha.store)
        m.unsafeSkipFence = spec.settings.unsafeSkipFence
        return m
    }

    func observations() -> [HostObservation] {
        var inventory = Array(repeating: [Int](), count: world.hosts.count)
        for v in ha.procs.indices {
            for h in ha.procs[v] { inventory[h].append(v) }
        }
        let now = kernel.now
        let interval = spec.settings.heartbeatInterval
        return world.hosts.indices.map { h in
            let host = world.hosts[h]
            let storage = host.power == .on && host.network(.storage).reachesControlPlane && ha.storageUp
                && !ha.blocklisted[h]
            let reachable = inQuorum(h) && ha.agentAlive(h, now: now)
            return HostObservation(
                lastHeartbeat: host.heartbeat.lastHeartbeat(now: now, interval: interval), storageAlive: storage,
                inventory: reachable ? inventory[h] : nil, reconciledAt: reachable ? ha.agents[h].reconciledAt : nil)
        }
    }

    /// The leader's round: inputs in, state persisted, effects out (in that order).
    mutating func managerRound() {
        let now = kernel.now
        guard let l = ha.leader, var step = ha.step, inQuorum(l), ha.managerUp(l, now: now),
            ha.lease.isValid(for: l, now: now)
        else { return }
        guard ha.storeUp else {
            if !ha.storeDownLogged {
                ha.storeDownLogged = true
                record("ha/\(world.hosts[l].name): store unavailable; holding every decision")
            }
            return
        }
        if ha.storeDownLogged {
            ha.storeDownLogged = false
            record("ha/\(world.hosts[l].name): store available again")
        }
        let inputs = ha.inbox
        ha.inbox = []
        let before = ha.store
        let persist = step.round(
            now: now, epoch: ha.epoch, observations: observations(), inputs: inputs,
            queued: ha.record.operatorQueue, placement: &world)
        let effects: [HAEffect]
        do {
            try ha.record.write(persist)  // persisted before any effect is carried out
            effects = step.persisted()
            ha.step = step
        } catch {
            step.persistFailed()
            ha.step = HAControlStep(manager: newManager())
            record("ha/\(world.hosts[l].name): write refused (\(error)); reloading from the store")
            return
        }
        checkTransitions(before: before, after: ha.store)
        var crash = false
        for e in effects {
            applyEffect(e, leader: l)
            if case .send(let c) = e, let t = ha.crashTrigger {
                if case .fence = c.kind, t.trigger == .fenceSent { crash = true }
                if case .start = c.kind, t.trigger == .startSent { crash = true }
            }
        }
        if crash, let t = ha.crashTrigger { crashLeader(restartAfter: t.restartAfter) }
    }

    mutating func applyEffect(_ e: HAEffect, leader l: Int) {
        switch e {
        case .log(let line):
            record("ha/\(world.hosts[l].name): " + line)
        case .send(let c):
            checkPersisted(c)
            execute(c, from: l)
        case .claimPort(let vm, let host):
            ha.portChassis[vm] = host
        case .schedulable(let h, let on):
            world.setSchedulable(h, on)
        case .watchdogs(let armed):
            for h in ha.agents.indices { ha.agents[h].watchdogArmed = armed }
        }
    }

    mutating func crashLeader(restartAfter: UInt64) {
        ha.crashTrigger = nil
        guard let l = ha.leader else { return }
        ha.step = nil
        ha.inbox = []
        ha.managerDownUntil[l] = kernel.now + restartAfter
        record("ha: manager on node '\(world.hosts[l].name)' crashed (in-memory state lost; restarts in "
            + "\(SimTime.format(restartAfter)))")
        defer_(.ha(.processBack(host: l, process: .manager)), after: restartAfter)
    }

    /// Delivers an answer to the leader (dropped when there is none: the command is resent).
    mutating func reply(_ input: HAInput) {
        guard let l = ha.leader, ha.step != nil, ha.managerUp(l, now: kernel.now) else { return }
        ha.inbox.append(input)
    }

    /// Observed status of an instance from its processes and the HA state.
    mutating func syncStatus(_ v: Int) {
        if !ha.procs[v].isEmpty {
            if world.instances[v].status != .running { world.instances[v].startedAt = kernel.now }
            world.instances[v].status = .running
            world.instances[v].instance.state = .running
            return
        }
        let failed = ha.store.vm(instance: v).map { ha.store.vms[$0].state == .error } ?? false
        world.instances[v].status = failed ? .error : (world.instances[v].status == .pending ? .pending : .down)
        world.instances[v].instance.state = failed ? .error : .stopped
    }
}
