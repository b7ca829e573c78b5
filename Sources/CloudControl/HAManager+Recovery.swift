import CloudModel

extension HAManager {
    /// Locks that are safe to drop after a fence (Proxmox's list); any other lock sends the VM to
    /// `error` for an operator.
    static let clearableLocks = ["backup", "mounted", "migrate", "clone", "rollback", "suspending", "suspended"]

    mutating func handle(_ input: HAInput, placement: inout some HAPlacement) {
        switch input {
        case .fenced(let id, let outcome):
            fenceAnswer(id, outcome)
        case .started(let id, let ok, let reason):
            guard let v = vm(command: id) else { return }
            startAnswer(v, ok: ok, reason: reason, placement: &placement)
        case .stopped(let id):
            guard let v = vm(command: id) else { return }
            stopAnswer(v, placement: &placement)
        case .migrated(let id, let ok, let detail):
            guard let v = vm(command: id) else { return }
            migrateAnswer(v, ok: ok, detail: detail, placement: &placement)
        case .rebooting(let id):
            guard let h = host(command: id) else { return }
            state.hosts[h].hostCommand = nil
            state.hosts[h].rebootAckAt = now
            log(.rebootingForShutdown(host: hostID(h)))
        case .storageUnfenced(let id):
            guard let h = host(command: id) else { return }
            state.hosts[h].hostCommand = nil
            state.hosts[h].storageFenced = false
            log(.storageUnfenced(host: hostID(h)))
        case .admin(let cmd):
            admin(cmd, placement: &placement)
        }
    }

    mutating func startAnswer(_ v: Int, ok: Bool, reason: String, placement: inout some HAPlacement) {
        guard state.vms[v].command != nil, let node = state.vms[v].node else { return }
        state.vms[v].command = nil
        let name = state.vms[v].name
        if ok {
            state.vms[v].blocked = nil
            state.vms[v].restarts = 0
            state.vms[v].relocations = 0
            state.vms[v].failedNodes = []
            state.vms[v].home = nil
            log(.vmStarted(vm: name, host: node))
            setVM(v, .started)
            return
        }
        log(.startFailed(vm: name, host: node, reason: reason))
        if state.vms[v].restarts < config.maxRestart {
            state.vms[v].restarts += 1
            log(.restarting(vm: name, attempt: state.vms[v].restarts, of: config.maxRestart, host: node))
            state.vms[v].command = command(.start(vm: state.vms[v].id), host: slot(node))
            return
        }
        placement.release(vm: state.vms[v].id)
        state.vms[v].claim = nil
        state.vms[v].failedNodes.append(node)
        if state.vms[v].relocations < config.maxRelocate {
            state.vms[v].relocations += 1
            state.vms[v].restarts = 0
            state.vms[v].triedCapacity = nil
            state.vms[v].home = nil
            log(
                .relocating(
                    vm: name, attempt: state.vms[v].relocations, of: config.maxRelocate,
                    avoiding: state.vms[v].failedNodes))
            setVM(v, .recovery)
        } else {
            setNode(v, nil)
            state.vms[v].blocked =
                "start failed \(config.maxRestart + 1) time(s) on each of "
                + "\(state.vms[v].failedNodes.count) node(s)"
            setVM(v, .error, state.vms[v].blocked ?? "")
        }
    }

    /// A `started` VM that its online host's agent no longer runs (and no command is in flight)
    /// crashed or was killed: recover it.
    mutating func checkRunning(placement: inout some HAPlacement) {
        // by host, through the per-host index, then in record order (the order of the log)
        var missing: [Int] = []
        for h in state.hosts.indices where state.hosts[h].state == .online && fresh(h) {
            guard let inventory = observations[h].inventory else { continue }
            // agents list their guests in about the order the records joined: look from where the
            // last one was found first, then before it
            var next = 0
            for v in vmsByHost[h] where state.vms[v].state == .started && state.vms[v].command == nil {
                let id = state.vms[v].id
                if let k = inventory[next...].firstIndex(of: id) {
                    next = k + 1
                } else if !inventory[..<next].contains(id) {
                    missing.append(v)
                }
            }
        }
        for v in missing.sorted() {
            guard let h = nodeSlot(v) else { continue }
            placement.release(vm: state.vms[v].id)
            state.vms[v].claim = nil
            setVM(v, .recovery, "not running on node '\(name(h))' per its agent")
        }
    }

    /// Resends commands that got no answer (lost with a stalled agent or a dead leader), under the
    /// current epoch; after a takeover, every command in flight. Agents and fence devices execute
    /// each command ID once, so a resend never doubles an action.
    mutating func resendStale() {
        let all = takingOver
        takingOver = false
        func renewed(_ c: HACommand) -> HACommand? {
            guard all || now >= c.sentAt + config.resendAfterNanoseconds else { return nil }
            return HACommand(id: c.id, epoch: state.epoch, kind: c.kind, host: c.host, sentAt: now)
        }
        for v in state.vms.indices {
            guard let c = state.vms[v].command, let r = renewed(c) else { continue }
            state.vms[v].command = r
            effects.append(.send(r))
        }
        for h in state.hosts.indices {
            if let c = state.hosts[h].hostCommand, let r = renewed(c) {
                state.hosts[h].hostCommand = r
                effects.append(.send(r))
            }
            guard all, var f = state.hosts[h].fence else { continue }
            f.outstanding = f.outstanding.compactMap(renewed)
            for c in f.outstanding { effects.append(.send(c)) }
            state.hosts[h].fence = f
        }
    }
}
