import CloudModel

extension HAManager {
    /// Hosts that vanished (silent past the fence delay) and are not accounted for otherwise.
    var vanished: Int {
        state.hosts.indices.count { h in
            let s = state.hosts[h].state
            return (s == .failed || s == .isolated || s == .fencing || s == .suspect) && unreachable(h)
        }
    }

    /// Starts fencing failed hosts (and isolated ones that outlived their lease) that hold VMs,
    /// unless the storm guard holds or the concurrency cap is reached.
    mutating func startFences() {
        let total = state.hosts.count
        let storm = vanished * 100 > config.stormPercent * total
        if storm != state.stormGuard {
            state.stormGuard = storm
            log(.stormGuard(engaged: storm, unreachable: vanished, total: total))
        }
        if storm || now < takeoverAt + config.fenceDelayNanoseconds { return }
        var active = state.hosts.count { $0.state == .fencing }
        for h in state.hosts.indices where active < config.maxConcurrentFences {
            let s = state.hosts[h].state
            let due = s == .failed || (s == .isolated && now >= state.hosts[h].since + config.leaseTTLNanoseconds)
            guard due, needsFence(h) else { continue }
            if let last = state.hosts[h].lastFenceAt, now < last + config.fenceCooldownNanoseconds {
                continue
            }
            beginFence(h)
            active += 1
        }
    }

    mutating func beginFence(_ h: Int) {
        let why = state.hosts[h].state == .isolated ? "isolated past its lease" : "failed"
        setHost(h, .fencing, why)
        for v in vms(on: h) {
            let s = state.vms[v].state
            guard s == .started || s == .migrate || s == .freeze || s == .recovery else { continue }
            state.vms[v].command = nil
            state.vms[v].migrationTarget = nil
            state.vms[v].migrationClaim = nil
            setVM(v, .fence, "node '\(name(h))' is being fenced")
        }
        state.hosts[h].fence = FenceProgress(startedAt: now)
        if unsafeSkipFence {
            log(.fenceSkipped(host: hostID(h)))
            completeFence(h, proofs: ["none (unsafe test switch)"])
            return
        }
        tryLevel(h)
    }

    /// Sends every method of the current level.
    mutating func tryLevel(_ h: Int) {
        guard var f = state.hosts[h].fence else { return }
        let methods = config.fenceLevels[f.level]
        f.retryAt = nil
        f.proofs = []
        var deadline = now + config.fenceTimeoutNanoseconds
        if methods.contains(.lease) {
            deadline = max(now, lastSeen(h) + config.leaseTTLNanoseconds) + config.fenceTimeoutNanoseconds
        }
        if methods.contains(.manual) { deadline = .distantFuture }
        f.deadline = deadline
        state.hosts[h].fence = f
        log(.fenceLevelStarted(host: hostID(h), level: f.level, methods: methods, attempt: f.attempt))
        var outstanding: [HACommand] = []
        for m in methods { outstanding.append(command(.fence(m), host: h)) }
        state.hosts[h].fence?.outstanding = outstanding
    }

    /// Handles a fence device's answer.
    mutating func fenceAnswer(_ id: UInt64, _ outcome: FenceOutcome) {
        // an answer finds its host through the round's index; an operator's acknowledgement
        // applied later in the round (a deferred request) may name a fence begun this round
        let owner =
            fencedHost(command: id)
            ?? state.hosts.indices.first { h in
                state.hosts[h].fence?.outstanding.contains { $0.id == id } ?? false
            }
        guard let h = owner, var f = state.hosts[h].fence, let i = f.outstanding.firstIndex(where: { $0.id == id })
        else { return }
        let c = f.outstanding.remove(at: i)
        guard case .fence(let method) = c.kind else { return }
        switch outcome {
        case .verified(let proof):
            f.proofs.append("\(method.rawValue): \(proof)")
            if method == .storage { state.hosts[h].storageFenced = true }
            state.hosts[h].fence = f
            if f.outstanding.isEmpty { completeFence(h, proofs: f.proofs) }
        case .failed(let reason):
            state.hosts[h].fence = f
            levelFailed(h, "\(method.rawValue): \(reason)")
        }
    }

    /// Times out levels whose deadline passed and restarts fencing after the backoff.
    mutating func progressFences(placement: inout some HAPlacement) {
        for h in state.hosts.indices where state.hosts[h].state == .fencing {
            guard let f = state.hosts[h].fence else { continue }
            // a reconcile counts only when it happened after the fence began (it then killed the
            // processes of every VM in 'fence')
            if let r = observations[h].reconciledAt, r > f.startedAt {
                completeFence(h, proofs: ["host rejoined and its agent reconciled: no VM of it runs there"])
                continue
            }
            let waiting =
                f.retryAt != nil || f.outstanding.allSatisfy { $0.kind == .fence(.lease) || $0.kind == .fence(.manual) }
            if fresh(h) && waiting {
                cancelFence(h)
                continue
            }
            if let retry = f.retryAt {
                if now >= retry {
                    state.hosts[h].fence = FenceProgress(startedAt: f.startedAt)
                    tryLevel(h)
                }
            } else if now >= f.deadline {
                let pending = f.outstanding.map { c -> String in
                    if case .fence(let m) = c.kind { return m.rawValue }
                    return "?"
                }
                levelFailed(h, pending.joined(separator: "+") + ": no confirmation within the level timeout")
            }
        }
        for h in state.hosts.indices where [.fenced, .recovering, .gone].contains(state.hosts[h].state) {
            releaseFencedVMs(h, placement: &placement)
        }
    }

    /// A level failed: retry it, escalate, or (after the last level) block and back off.
    /// A failed fence is never treated as success: the VMs stay in `fence`.
    mutating func levelFailed(_ h: Int, _ reason: String) {
        guard var f = state.hosts[h].fence else { return }
        log(.fenceLevelFailed(host: hostID(h), level: f.level, reason: reason))
        f.outstanding = []
        if f.attempt < config.fenceRetries {
            f.attempt += 1
        } else if f.level + 1 < config.fenceLevels.count {
            f.level += 1
            f.attempt = 0
        } else {
            f.level = 0
            f.attempt = 0
            f.retryAt = now + config.fenceBackoffNanoseconds
            state.hosts[h].fence = f
            let n = vms(on: h).count { state.vms[$0].state == .fence }
            log(.fenceExhausted(host: hostID(h), blockedVMs: n, retryAfterNanoseconds: config.fenceBackoffNanoseconds))
            for v in vms(on: h) where state.vms[v].state == .fence {
                state.vms[v].blocked = "fence of node '\(name(h))' failed: \(reason)"
            }
            return
        }
        state.hosts[h].fence = f
        tryLevel(h)
    }

    /// The host came back (its lease renewed) before any proof: nothing ran elsewhere, so its VMs
    /// are still its own. The fence is called off; the agent's inventory decides what still runs.
    mutating func cancelFence(_ h: Int) {
        state.hosts[h].fence = nil
        log(.fenceCalledOff(host: hostID(h)))
        setHost(h, .online, "heartbeats back")
        for v in vms(on: h) where state.vms[v].state == .fence {
            state.vms[v].blocked = nil
            setVM(v, .started, "node '\(name(h))' is back; its agent reports what runs")
        }
    }

    mutating func completeFence(_ h: Int, proofs: [String]) {
        state.hosts[h].fence = nil
        state.hosts[h].lastFenceAt = now
        state.hosts[h].fences += 1
        state.hosts[h].reconciledAt = nil
        log(.fenceCompleted(host: hostID(h), proofs: proofs))
        setHost(h, .fenced)
    }

    /// After a fence: the VMs of the host go to recovery; their old claims are released.
    mutating func releaseFencedVMs(_ h: Int, placement: inout some HAPlacement) {
        for v in vms(on: h) where state.vms[v].state == .fence {
            placement.release(vm: state.vms[v].id)
            state.vms[v].claim = nil
            state.vms[v].blocked = nil
            state.vms[v].home = nil
            state.vms[v].failedNodes = []
            state.vms[v].restarts = 0
            state.vms[v].relocations = 0
            state.vms[v].triedCapacity = nil
            setVM(v, .recovery)
        }
    }

    /// An operator acknowledged that host `h` is off. A pending manual level takes it as its
    /// answer; any other blocked fence (a level failing or backing off, a host waiting for a fence
    /// slot or held by the storm guard) is overridden, as Pacemaker's `stonith_admin --confirm`
    /// does: the operator's word is the proof. A host that is online is never fenced this way.
    mutating func manualAck(_ h: Int, by: String?) {
        let s = state.hosts[h].state
        if s == .fencing, let f = state.hosts[h].fence {
            if let c = f.outstanding.first(where: { $0.kind == .fence(.manual) }) {
                let proof = by.map { "acknowledged by operator '\($0)'" } ?? "acknowledged by an operator"
                fenceAnswer(c.id, .verified(proof: proof))
                return
            }
            let level =
                f.retryAt != nil ? "the fence backing off after every level failed" : "fence level \(f.level + 1)"
            log(.fenceConfirmedByOperator(host: hostID(h), by: by, level: level))
            completeFence(h, proofs: ["confirmed off by \(HAEvent.who(by))"])
            return
        }
        guard s == .failed || s == .isolated || (s == .suspect && unreachable(h)) else {
            log(.manualAcknowledgementIgnored(host: hostID(h)))
            return
        }
        let why = state.stormGuard ? "the storm guard's hold" : "the wait for a fence"
        log(.fenceConfirmedByOperator(host: hostID(h), by: by, level: why))
        for v in vms(on: h) where [.started, .migrate, .freeze, .recovery].contains(state.vms[v].state) {
            state.vms[v].command = nil
            state.vms[v].migrationTarget = nil
            state.vms[v].migrationClaim = nil
            setVM(v, .fence, "node '\(name(h))' confirmed off by \(HAEvent.who(by))")
        }
        completeFence(h, proofs: ["confirmed off by \(HAEvent.who(by))"])
    }
}
