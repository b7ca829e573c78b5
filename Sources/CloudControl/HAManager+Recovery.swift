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
            for v in vmsByHost[h] where state.vms[v].state == .started && state.vms[v].command == nil {
                if !inventory.contains(state.vms[v].id) { missing.append(v) }
            }
        }
        for v in missing.sorted() {
            guard let h = nodeSlot(v) else { continue }
            placement.release(vm: state.vms[v].id)
            state.vms[v].claim = nil
            setVM(v, .recovery, "not running on node '\(name(h))' per its agent")
        }
    }

    /// Starts VMs in recovery: critical before high before normal, each tier's starts finished
    /// before the next tier begins; throttled per target host and fleet-wide; VMs that do not fit
    /// wait and are retried when capacity changes.
    mutating func recover(placement: inout some HAPlacement) {
        var perHost = Array(repeating: 0, count: state.hosts.count)
        var fleet = 0
        for v in state.vms.indices
        where state.vms[v].command != nil && (state.vms[v].state == .recovery || state.vms[v].state == .freeze) {
            if let h = nodeSlot(v) { perHost[h] += 1 }
            fleet += 1
        }
        for tier in HAPriority.allCases where tier != .none {
            var busy = false
            for v in state.vms.indices where state.vms[v].priority == tier && state.vms[v].state == .recovery {
                if state.vms[v].command != nil {
                    busy = true
                    continue
                }
                guard fleet < config.startsFleet else {
                    busy = true
                    break
                }
                if recoverOne(v, perHost: &perHost, placement: &placement) {
                    fleet += 1
                    busy = true
                }
            }
            if busy { break }
        }
    }

    /// Tries to start one VM; true when a start was sent.
    mutating func recoverOne(_ v: Int, perHost: inout [Int], placement: inout some HAPlacement) -> Bool {
        let name = state.vms[v].name
        if let lock = state.vms[v].lock {
            state.vms[v].lock = nil
            if Self.clearableLocks.contains(lock) {
                log(.lockRemoved(vm: name, lock: lock))
            } else {
                setNode(v, nil)
                state.vms[v].blocked = "locked by '\(lock)'; an operator must check it"
                setVM(v, .error, "leftover lock '\(lock)' is not safe to remove")
                return false
            }
        }
        if state.vms[v].triedCapacity == placement.capacityVersion { return false }
        let vm = state.vms[v].id
        let outcome: PlacementOutcome
        if let home = state.vms[v].home {
            guard let h = state.host(home), state.hosts[h].state == .online, fresh(h) else { return false }
            outcome = .placed(host: home, claim: nil)
        } else {
            outcome = placement.place(vm: vm, excluding: state.vms[v].failedNodes)
        }
        switch outcome {
        case .noCapacity(let reason):
            state.vms[v].triedCapacity = placement.capacityVersion
            let why = "no capacity: \(reason)"
            if state.vms[v].blocked != why {
                state.vms[v].blocked = why
                log(.recoveryPending(vm: name, reason: why))
            }
            return false
        case .placed(let target, let claim):
            let t = slot(target)
            if perHost[t] >= config.startsPerHost {
                if state.vms[v].home == nil { placement.release(vm: vm) }
                return false
            }
            perHost[t] += 1
            setNode(v, target)
            if let claim { state.vms[v].claim = claim }
            state.vms[v].blocked = nil
            effects.append(.claimPort(vm: vm, host: target))
            log(.vmStarting(vm: name, host: target))
            state.vms[v].command = command(.start(vm: vm), host: t)
            return true
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
