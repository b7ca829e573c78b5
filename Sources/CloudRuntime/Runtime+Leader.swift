import CloudControl
import CloudDrivers
import CloudModel

extension ControlPlaneHost where Self: ~Copyable {
    /// One tick of the control plane (every detector interval): every host's agent (lease,
    /// reconcile, watchdog), then the leader lease, then the leader's manager round.
    package mutating func controlTick() {
        for h in 0..<hostCount where isPowered(h) { agentTick(h) }
        leaderStep()
        managerRound()
    }

    /// The leader lease: the holder renews while its manager runs in the quorum; an expired lease
    /// is released, and the first quorate host with a running manager takes it under a new epoch.
    package mutating func leaderStep() {
        let now = self.now
        if let l = control.leader {
            if control.step != nil && isInQuorum(l) && isManagerUp(l) {
                control.lease.renew(by: control.handles.hosts[l], now: now)
            } else if let gone = control.lease.expire(now: now) {
                record("ha: leader lease of node '\(control.hostName(gone.holder))' expired (epoch \(gone.epoch))")
                control.step = nil
                control.inbox = []
            }
        }
        guard control.leader == nil else { return }
        guard let c = (0..<hostCount).first(where: { isInQuorum($0) && isManagerUp($0) }),
            let epoch = control.lease.acquire(by: control.handles.hosts[c], now: now)
        else { return }
        control.step = HAControlStep(manager: loadManager())
        record("ha: node '\(hostName(c))' became leader (epoch \(epoch))")
    }

    /// A manager process's memory, loaded from the store.
    package func loadManager() -> HAManager {
        var m = HAManager(config: control.config, persisted: control.store)
        m.unsafeSkipFence = control.faults.skipFence
        m.unsafeIgnorePriority = control.faults.ignorePriority
        return m
    }

    /// The leader's round: inputs in, state persisted, effects out (in that order).
    package mutating func managerRound() {
        let now = self.now
        guard let l = control.leader, var step = control.step, isInQuorum(l), isManagerUp(l),
            control.lease.isValid(for: control.handles.hosts[l], now: now)
        else { return }
        guard isStoreAvailable else {
            if !control.storeDownLogged {
                control.storeDownLogged = true
                record("ha/\(hostName(l)): store unavailable; holding every decision")
            }
            return
        }
        if control.storeDownLogged {
            control.storeDownLogged = false
            record("ha/\(hostName(l)): store available again")
        }
        let inputs = control.inbox
        control.inbox = []
        control.step = nil  // the round's step holds the only reference: its state changes in place
        let before = control.store
        let persist = placeRound(
            &step, now: now, epoch: control.epoch, observations: hostObservations(agents: control.agents),
            inputs: inputs, queued: control.record.operatorQueue)
        let effects: [HAEffect]
        do {
            try control.record.write(persist)  // persisted before any effect is carried out
            effects = step.persisted()
            control.step = step
        } catch {
            step.persistFailed()
            control.step = HAControlStep(manager: loadManager())
            record("ha/\(hostName(l)): write refused (\(error)); reloading from the store")
            return
        }
        roundPersisted(before: before, after: control.store)
        var sent: [HACommand] = []
        for e in effects {
            if case .send(let c) = e { sent.append(c) }
            apply(e, leader: l)
        }
        roundCarriedOut(sent: sent)
    }

    package mutating func apply(_ e: HAEffect, leader l: Int) {
        switch e {
        case .event(let event):
            record("ha/\(hostName(l)): " + event.text(hostName: control.hostName))
        case .send(let c):
            commandReleased(c)
            execute(c, from: l)
        case .claimPort(let vm, let host):
            guard let v = control.handles.vm(vm), let h = control.handles.host(host) else { return }
            bindPort(v, to: h)
        case .schedulable(let host, let on):
            guard let h = control.handles.host(host) else { return }
            setSchedulable(h, on)
        case .watchdogs(let armed):
            for h in control.agents.indices { control.agents[h].watchdogArmed = armed }
        }
    }

    /// Delivers an answer to the leader (dropped when there is none: the command is resent).
    package mutating func deliver(_ input: HAInput) {
        guard let l = control.leader, control.step != nil, isManagerUp(l) else { return }
        control.inbox.append(input)
    }

    /// An operator request: to the leader when one runs, otherwise into the store's operator
    /// queue for the next one.
    package mutating func submit(_ request: AdminCommand) {
        if control.leader != nil && control.step != nil {
            control.inbox.append(.admin(request))
        } else {
            control.record.enqueue(request)
        }
    }

    /// The leader's manager process died: its memory and inbox are gone; the lease lapses unless
    /// it comes back in time.
    package mutating func managerCrashed() {
        control.step = nil
        control.inbox = []
    }
}
