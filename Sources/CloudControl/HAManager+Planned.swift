import CloudModel

extension HAManager {
    /// True while a fence or recovery is in flight anywhere (operator requests wait for it).
    var fenceOrRecoveryInFlight: Bool {
        state.hosts.contains { $0.state == .fencing }
            || state.vms.contains { $0.state == .fence || ($0.state == .recovery && $0.blocked == nil) }
    }

    /// Whether host `h` is involved in a fence (maintenance or shutdown of it must wait).
    func hostFenceBusy(_ h: Int) -> Bool {
        let s = state.hosts[h].state
        return s == .fencing || s == .fenced || s == .recovering
            || vms(on: h).contains { state.vms[$0].state == .fence }
    }

    mutating func admin(_ cmd: AdminCommand, placement: inout some HAPlacement) {
        if !tryAdmin(cmd, placement: &placement) {
            state.deferred.append(cmd)
        }
    }

    /// Retries deferred operator requests in arrival order.
    mutating func applyDeferred(placement: inout some HAPlacement) {
        let pending = state.deferred
        state.deferred = []
        for cmd in pending where !tryAdmin(cmd, placement: &placement, quiet: true) {
            state.deferred.append(cmd)
        }
    }

    /// Applies an operator request; false when it must wait (logged once unless `quiet`).
    mutating func tryAdmin(_ cmd: AdminCommand, placement: inout some HAPlacement, quiet: Bool = false) -> Bool {
        switch cmd {
        case .disarm:
            if let v = state.vms.first(where: { $0.state == .fence || ($0.state == .recovery && $0.blocked == nil) }) {
                if !quiet { log(.disarmDeferred(vm: v.name, state: v.state)) }
                return false
            }
            if state.armed {
                state.armed = false
                effects.append(.watchdogs(armed: false))
                log(.disarmed)
            }
        case .arm:
            if !state.armed {
                state.armed = true
                effects.append(.watchdogs(armed: true))
                log(.armed)
            }
        case .maintenance(let host, let enable):
            guard let h = state.host(host) else { return true }
            if enable && hostFenceBusy(h) {
                if !quiet { log(.maintenanceDeferred(host: hostID(h))) }
                return false
            }
            setMaintenance(h, enable, placement: &placement)
        case .shutdown(let host, let policy):
            guard let h = state.host(host) else { return true }
            if hostFenceBusy(h) {
                if !quiet { log(.shutdownDeferred(host: hostID(h))) }
                return false
            }
            beginShutdown(h, policy, placement: &placement)
        case .fenceAck(let host, let by):
            guard let h = state.host(host) else { return true }
            manualAck(h, by: by)
        case .lock(let vm, let name):
            guard let v = state.vm(vm) else { return true }
            state.vms[v].lock = name
            log(.lockSet(vm: state.vms[v].name, lock: name))
        case .migrate(let vm, let to):
            guard let v = state.vm(vm), state.vms[v].state == .started, state.vms[v].command == nil else {
                return true
            }
            beginMigration(v, to: to, placement: &placement)
        }
        return true
    }

    mutating func setMaintenance(_ h: Int, _ enable: Bool, placement: inout some HAPlacement) {
        state.hosts[h].maintenanceRequested = enable
        if enable {
            setHost(h, .maintenance, "requested by an operator")
            for v in vms(on: h) where state.vms[v].state == .started && state.vms[v].command == nil {
                beginMigration(v, to: nil, placement: &placement)
            }
        } else if state.hosts[h].state == .maintenance && state.hosts[h].shutdown == nil {
            setHost(h, fresh(h) ? .online : .suspect, "maintenance ended")
        }
    }

    mutating func beginShutdown(_ h: Int, _ policy: ShutdownPolicy, placement: inout some HAPlacement) {
        state.hosts[h].shutdown = policy
        state.hosts[h].rebootAckAt = nil
        setHost(h, .maintenance, "planned shutdown, policy \(policy.rawValue)")
        for v in vms(on: h) where state.vms[v].state == .started && state.vms[v].command == nil {
            switch policy {
            case .migrate: beginMigration(v, to: nil, placement: &placement)
            case .freeze, .failover: stopForShutdown(v, h, failover: policy == .failover)
            }
        }
    }

    mutating func stopForShutdown(_ v: Int, _ h: Int, failover: Bool) {
        state.vms[v].failover = failover
        state.vms[v].home = failover ? nil : hostID(h)
        setVM(v, .freeze, failover ? "stopping to fail over" : "stopping until node '\(name(h))' is back")
        state.vms[v].command = command(.stop(vm: state.vms[v].id), host: h)
    }

    mutating func beginMigration(_ v: Int, to: HostID?, placement: inout some HAPlacement) {
        guard let node = state.vms[v].node, let source = state.host(node) else { return }
        let vm = state.vms[v].id
        let outcome =
            to.map { placement.reserveMigration(vm: vm, on: $0) }
            ?? placement.reserveMigration(vm: vm, excluding: [node])
        guard case .placed(let target, let claim) = outcome else {
            if case .noCapacity(let reason) = outcome {
                log(.migrationImpossible(vm: state.vms[v].name, reason: reason))
            }
            if state.hosts[source].shutdown != nil || state.hosts[source].maintenanceRequested {
                stopForShutdown(v, source, failover: state.hosts[source].shutdown == nil)
            }
            return
        }
        state.vms[v].migrationTarget = target
        state.vms[v].migrationClaim = claim
        setVM(v, .migrate, "live migration to node '\(hostName(target))'")
        state.vms[v].command = command(.migrate(vm: vm, to: target), host: source)
    }

    mutating func migrateAnswer(_ v: Int, ok: Bool, detail: String, placement: inout some HAPlacement) {
        guard let node = state.vms[v].node, let source = state.host(node), let target = state.vms[v].migrationTarget
        else { return }
        let claim = state.vms[v].migrationClaim
        state.vms[v].command = nil
        state.vms[v].migrationTarget = nil
        state.vms[v].migrationClaim = nil
        placement.finishMigration(vm: state.vms[v].id, committed: ok)
        if ok {
            setNode(v, target)
            state.vms[v].claim = claim
            log(.migrated(vm: state.vms[v].name, to: target, detail: detail))
            setVM(v, .started)
            return
        }
        log(.migrationFailed(vm: state.vms[v].name, to: target, detail: detail))
        setVM(v, .started)
        if state.hosts[source].shutdown != nil || state.hosts[source].maintenanceRequested {
            stopForShutdown(v, source, failover: true)
        }
    }

    mutating func stopAnswer(_ v: Int, placement: inout some HAPlacement) {
        state.vms[v].command = nil
        guard state.vms[v].state == .freeze else { return }
        if state.vms[v].failover {
            state.vms[v].failover = false
            placement.release(vm: state.vms[v].id)
            state.vms[v].claim = nil
            state.vms[v].triedCapacity = nil
            setVM(v, .recovery, "stopped cleanly; failing over")
        }
    }

    /// Reboots hosts whose VMs were handled per their shutdown policy, and brings them back.
    mutating func progressShutdowns(placement: inout some HAPlacement) {
        for h in state.hosts.indices {
            refreshSchedulable(h)
            guard state.hosts[h].shutdown != nil else { continue }
            if let ack = state.hosts[h].rebootAckAt {
                guard let seen = observations[h].lastHeartbeat, seen > ack, fresh(h) else { continue }
                state.hosts[h].shutdown = nil
                state.hosts[h].rebootAckAt = nil
                if !state.hosts[h].maintenanceRequested { setHost(h, .online, "back from planned reboot") }
                for v in vms(on: h) where state.vms[v].state == .freeze && state.vms[v].home == hostID(h) {
                    setVM(v, .recovery, "node '\(name(h))' is back")
                }
                refreshSchedulable(h)
                continue
            }
            let busy =
                vms(on: h).contains { state.vms[$0].command != nil }
                || state.vms.contains { $0.migrationTarget != nil && $0.node == hostID(h) }
            guard !busy, state.hosts[h].hostCommand == nil else { continue }
            state.hosts[h].hostCommand = command(.reboot, host: h)
        }
    }
}
