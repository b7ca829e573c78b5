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
    /// the hosts holding the highest tier first, up to the concurrency cap. While the storm guard
    /// holds, only hosts a power-verifying level can fence are fenced, and only with such levels:
    /// a BMC that reads the power back off proves the fault is real; blind fencing waits.
    mutating func startFences(placement: inout some HAPlacement) {
        let total = state.hosts.count
        let storm = vanished * 100 > config.stormPercent * total
        if storm != state.stormGuard {
            state.stormGuard = storm
            log(
                .stormGuard(
                    engaged: storm, unreachable: vanished, total: total,
                    powerChecks: storm && verifiedLevel(from: 0) != nil))
        }
        let storagePaths = pendingStorageFences
        pendingStorageFences.removeAll()
        if now < takeoverAt + config.fenceDelayNanoseconds { return }
        var active = state.hosts.count { $0.state == .fencing }
        for h in storagePaths where state.hosts[h].state == .online && active < config.maxConcurrentFences {
            beginFence(h, storageOnly: true, placement: &placement)
            active += 1
        }
        guard active < config.maxConcurrentFences else { return }
        var due: [(rank: Int, host: Int)] = []
        for h in state.hosts.indices {
            let s = state.hosts[h].state
            guard s == .failed || (s == .isolated && now >= state.hosts[h].since + config.leaseTTLNanoseconds),
                needsFence(h)
            else { continue }
            if let last = state.hosts[h].lastFenceAt, now < last + config.fenceCooldownNanoseconds { continue }
            if storm && !stormGuardAllowsFence(h) { continue }
            due.append((highestTier(waitingOn: h).rank, h))
        }
        due.sort { $0.rank != $1.rank ? $0.rank < $1.rank : $0.host < $1.host }
        for d in due where active < config.maxConcurrentFences {
            beginFence(d.host, verifiedOnly: storm, placement: &placement)
            active += 1
        }
    }

    /// The highest tier among the VMs that the fence of host `h` frees.
    func highestTier(waitingOn h: Int) -> HAPriority {
        vmsByHost[h].map { state.vms[$0].priority }.min() ?? .none
    }

    /// True when a power-verifying fence level is configured, so the storm guard lets host `h`
    /// be fenced with it.
    func stormGuardAllowsFence(_ h: Int) -> Bool { verifiedLevel(from: 0) != nil }

    /// The first level at or after `level` whose every method verifies power off.
    func verifiedLevel(from level: Int) -> Int? {
        (level..<config.fenceLevels.count).first { config.fenceLevels[$0].allSatisfy { $0 == .ipmi } }
    }

    /// An online host that lost its storage path: noted when it starts (and when it ends); under
    /// `storage_path_loss: restart`, fenced through storage alone once the grace period passed.
    mutating func checkStoragePath(_ h: Int) {
        let rec = state.hosts[h]
        func note(_ lost: Bool) {
            log(
                .storagePath(
                    host: hostID(h), lost: lost, policy: config.storagePathPolicy,
                    graceNanoseconds: config.storagePathGraceNanoseconds, clusterWide: lost && !storageSeenByMost))
        }
        if observations[h].storageAlive {
            state.hosts[h].storageLostSince = nil
            state.hosts[h].storageLossNoted = false
            if rec.storageLossNoted { note(false) }
            return
        }
        if rec.storageFenced { return }
        guard let since = rec.storageLostSince else {
            state.hosts[h].storageLostSince = now
            return
        }
        // a host that lost its power goes silent on both channels within the suspect delay:
        // only a host still online after that lost just its storage path
        guard now >= since + config.suspectAfterNanoseconds else { return }
        if !rec.storageLossNoted {
            state.hosts[h].storageLossNoted = true
            note(true)
        }
        guard config.storagePathPolicy == .restart, state.armed, storageSeenByMost,
            now >= since + config.storagePathGraceNanoseconds,
            needsFence(h), state.hosts.count(where: { $0.state == .fencing }) < config.maxConcurrentFences
        else { return }
        pendingStorageFences.append(h)
    }

    mutating func beginFence(
        _ h: Int, verifiedOnly: Bool = false, storageOnly: Bool = false, placement: inout some HAPlacement
    ) {
        var why = state.hosts[h].state == .isolated ? "isolated past its lease" : "failed"
        if storageOnly {
            why =
                "storage path lost for \(Self.seconds(now.nanoseconds(since: state.hosts[h].storageLostSince ?? now)))"
        }
        setHost(h, .fencing, verifiedOnly ? why + "; storm guard: power-verified levels only" : why)
        for v in vms(on: h) {
            let s = state.vms[v].state
            guard s == .started || s == .migrate || s == .freeze || s == .recovery else { continue }
            state.vms[v].command = nil
            if state.vms[v].migrationTarget != nil {
                state.vms[v].migrationTarget = nil
                state.vms[v].migrationClaim = nil
                placement.finishMigration(vm: state.vms[v].id, committed: false)
            }
            setVM(v, .fence, "node '\(name(h))' is being fenced")
        }
        var progress = FenceProgress(startedAt: now)
        progress.verifiedOnly = verifiedOnly
        progress.storageOnly = storageOnly
        if verifiedOnly, let first = verifiedLevel(from: 0) { progress.level = first }
        // a host whose lease already expired reset itself (S3): a lease level proves that now,
        // without power-cycling a host that is already rebooting empty
        if !verifiedOnly && !storageOnly, now >= lastSeen(h) + config.leaseTTLNanoseconds,
            let lease = config.fenceLevels.firstIndex(of: [.lease]), lease > 0
        {
            progress.level = lease
            log(.fenceLevelSkipped(host: hostID(h), toLevel: lease))
        }
        state.hosts[h].fence = progress
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
        let methods = f.storageOnly ? [FenceMethod.storage] : config.fenceLevels[f.level]
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
        for m in methods { outstanding.append(command(f.verifiedOnly ? .powerCheck : .fence(m), host: h)) }
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
        let method: FenceMethod
        switch c.kind {
        case .fence(let m): method = m
        case .powerCheck: method = .ipmi
        default: return
        }
        // a power read-back is not trusted alone: a host whose storage heartbeat goes on is running
        var outcome = outcome
        if case .verified = outcome, method == .ipmi, observations[h].storageAlive {
            outcome = .failed(reason: "BMC reads power off but the host's storage heartbeat goes on")
        }
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
                // a blocklist sent without an answer may have been applied: unfence it on return
                if f.outstanding.contains(where: { $0.kind == .fence(.storage) }) {
                    state.hosts[h].storageFenced = true
                }
                completeFence(h, proofs: ["host rejoined and its agent reconciled: no VM of it runs there"])
                continue
            }
            let waiting =
                f.retryAt != nil || f.outstanding.allSatisfy { $0.kind == .fence(.lease) || $0.kind == .fence(.manual) }
            // a storage-path fence of an online host is called off only when its storage is back
            let back = f.storageOnly ? observations[h].storageAlive && !state.hosts[h].storageFenced : waiting
            if fresh(h) && back {
                cancelFence(h, placement: &placement)
                continue
            }
            if let retry = f.retryAt {
                if now >= retry {
                    var restart = FenceProgress(startedAt: f.startedAt)
                    restart.verifiedOnly = f.verifiedOnly && state.stormGuard
                    restart.storageOnly = f.storageOnly
                    restart.level = restart.verifiedOnly ? verifiedLevel(from: 0) ?? 0 : 0
                    state.hosts[h].fence = restart
                    tryLevel(h)
                }
            } else if now >= f.deadline {
                let pending = f.outstanding.map { c -> String in
                    if case .fence(let m) = c.kind { return m.rawValue }
                    if c.kind == .powerCheck { return "ipmi status" }
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
        let next = f.storageOnly ? nil : f.verifiedOnly ? verifiedLevel(from: f.level + 1) : f.level + 1
        if f.attempt < config.fenceRetries {
            f.attempt += 1
        } else if let next, next < config.fenceLevels.count {
            f.level = next
            f.attempt = 0
        } else {
            f.level = f.verifiedOnly ? verifiedLevel(from: 0) ?? 0 : 0
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
    mutating func cancelFence(_ h: Int, placement: inout some HAPlacement) {
        dropUnreleasedFenceCommands(h)
        state.hosts[h].fence = nil
        log(.fenceCalledOff(host: hostID(h)))
        setHost(h, .online, "heartbeats back")
        for v in vms(on: h) where state.vms[v].state == .fence {
            releaseHold(v, "node '\(name(h))' is back", placement: &placement)
            state.vms[v].blocked = nil
            setVM(v, .started, "node '\(name(h))' is back; its agent reports what runs")
        }
    }

    /// The fence of host `h` ends this round: commands of it sent this round are not released,
    /// since the state written for the round no longer has them (S13).
    mutating func dropUnreleasedFenceCommands(_ h: Int) {
        guard let outstanding = state.hosts[h].fence?.outstanding, !outstanding.isEmpty else { return }
        effects.removeAll { e in
            if case .send(let c) = e { outstanding.contains { $0.id == c.id } } else { false }
        }
    }

    mutating func completeFence(_ h: Int, proofs: [String]) {
        dropUnreleasedFenceCommands(h)
        state.hosts[h].lastFenceBeganAt = state.hosts[h].fence?.startedAt ?? now
        state.hosts[h].fence = nil
        state.hosts[h].lastFenceAt = now
        state.hosts[h].fences += 1
        state.hosts[h].reconciledAt = nil
        if state.hosts[h].storageLostSince != nil { state.hosts[h].storageLostSince = now }
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
