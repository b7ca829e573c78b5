import CloudModel

/// What one recovery attempt did.
enum RecoveryAttempt {
    /// A start was sent.
    case sent
    /// The VM has a host but its start waits for the host's start throttle.
    case throttled
    /// Nothing was sent (no capacity, a lock sent it to `error`, its home is not back).
    case notStarted
}

extension HAManager {
    /// Starts VMs in recovery in tier order across every host of an incident: critical before high
    /// before normal, each tier's starts finished before the next tier begins. A tier also waits
    /// for its VMs that are still on hosts being fenced: while such a fence progresses, no lower
    /// tier starts; once it is blocked (backing off, waiting for an operator, held by the storm
    /// guard), capacity is held for those VMs and the lower tiers go on around it. Throttled per
    /// target host and fleet-wide; VMs that do not fit wait and are retried when capacity changes.
    mutating func recover(placement: inout some HAPlacement) {
        var perHost = Array(repeating: 0, count: state.hosts.count)
        var fleet = 0
        // the lowest tier (largest rank) with a VM in recovery waiting to start: holds are taken
        // only for tiers above it, where something could take their capacity
        var lowestReady = -1
        for v in state.vms.indices where state.vms[v].state == .recovery || state.vms[v].state == .freeze {
            guard state.vms[v].command != nil else {
                if state.vms[v].state == .recovery { lowestReady = max(lowestReady, state.vms[v].priority.rank) }
                continue
            }
            if let h = nodeSlot(v) { perHost[h] += 1 }
            fleet += 1
        }
        var waiting: (vm: Int, host: Int)?
        let fleetLimit = config.fleetStartLimit(hosts: state.hosts.count)
        for tier in HAPriority.allCases where tier != .none {
            var busy = false
            for v in state.vms.indices where state.vms[v].priority == tier && state.vms[v].state == .recovery {
                if state.vms[v].command != nil {
                    busy = true
                    continue
                }
                if let w = waiting {
                    holdBack(v, behind: w)
                    continue
                }
                guard fleet < fleetLimit else {
                    busy = true
                    break
                }
                switch recoverOne(v, perHost: &perHost, placement: &placement) {
                case .sent:
                    fleet += 1
                    busy = true
                case .throttled:
                    busy = true
                case .notStarted:
                    break
                }
            }
            if busy { break }
            if waiting == nil && !unsafeIgnorePriority {
                waiting = awaitFences(of: tier, hold: tier.rank < lowestReady, placement: &placement)
            }
        }
    }

    /// VM `v` of a lower tier waits while VM `w.vm` of a higher tier waits for the fence of its host.
    mutating func holdBack(_ v: Int, behind w: (vm: Int, host: Int)) {
        let why =
            "waiting for the fence of node '\(name(w.host))' "
            + "(it holds \(state.vms[w.vm].priority.rawValue) vm '\(state.vms[w.vm].name)')"
        guard state.vms[v].blocked != why else { return }
        state.vms[v].blocked = why
        log(.recoveryPending(vm: state.vms[v].name, reason: why))
    }

    /// The VMs of `tier` still on hosts that must be fenced first: the first whose fence
    /// progresses (the lower tiers wait for it), after holding capacity (when `hold`: a lower tier
    /// waits to start) for those whose fence is blocked. Nil when no VM of the tier waits for a
    /// progressing fence.
    mutating func awaitFences(
        of tier: HAPriority, hold: Bool, placement: inout some HAPlacement
    ) -> (vm: Int, host: Int)? {
        var first: (vm: Int, host: Int)?
        for h in state.hosts.indices where state.hosts[h].state == .fencing || state.hosts[h].state == .failed {
            let progressing = fenceProgresses(h)
            for v in vmsByHost[h] where state.vms[v].priority == tier {
                let s = state.vms[v].state
                guard s == .fence || (state.hosts[h].state == .failed && (s == .started || s == .freeze)) else {
                    continue
                }
                if progressing {
                    if first == nil { first = (v, h) }
                } else if hold {
                    holdCapacity(v, fencing: h, placement: &placement)
                }
            }
        }
        return first
    }

    /// True while the fence of host `h` is under way or about to begin: not backing off after
    /// every level failed, not waiting for an operator, not held by the storm guard or a cooldown.
    func fenceProgresses(_ h: Int) -> Bool {
        let rec = state.hosts[h]
        if rec.state == .fencing {
            guard let f = rec.fence, f.retryAt == nil else { return false }
            return !config.fenceLevels[f.level].contains(.manual)
        }
        if let last = rec.lastFenceAt, now < last + config.fenceCooldownNanoseconds { return false }
        return !state.stormGuard || stormGuardAllowsFence(h)
    }

    /// Holds capacity for VM `v` (its host `h` cannot be fenced yet) on another host, unless it
    /// holds some already or no capacity appeared since the last try.
    mutating func holdCapacity(_ v: Int, fencing h: Int, placement: inout some HAPlacement) {
        let vm = state.vms[v]
        guard vm.migrationClaim == nil, vm.migrationTarget == nil, vm.triedCapacity != placement.capacityVersion
        else { return }
        switch placement.reserve(vm: vm.id, target: nil, excluding: [hostID(h)] + vm.failedNodes) {
        case .noCapacity:
            state.vms[v].triedCapacity = placement.capacityVersion
        case .placed(let target, let claim):
            state.vms[v].migrationClaim = claim ?? HAClaim(host: target, resources: "")
            log(.capacityHeld(vm: vm.name, host: target, fencing: hostID(h)))
        }
    }

    /// Gives back the capacity held for VM `v`, if any.
    mutating func releaseHold(_ v: Int, _ reason: String, placement: inout some HAPlacement) {
        guard let held = state.vms[v].migrationClaim, state.vms[v].migrationTarget == nil else { return }
        state.vms[v].migrationClaim = nil
        placement.finishMigration(vm: state.vms[v].id, committed: false)
        log(.capacityReleased(vm: state.vms[v].name, host: held.host, reason: reason))
    }

    /// The capacity held for VM `v`, taken over as its placement when the held host can still take
    /// it (nil: no hold, or the hold was given back and the VM is placed afresh).
    mutating func takeHold(_ v: Int, placement: inout some HAPlacement) -> HAClaim? {
        guard let held = state.vms[v].migrationClaim, state.vms[v].migrationTarget == nil else { return nil }
        guard let t = state.host(held.host), state.hosts[t].state == .online, fresh(t) else {
            releaseHold(v, "node '\(hostName(held.host))' is no longer online", placement: &placement)
            return nil
        }
        state.vms[v].migrationClaim = nil
        placement.finishMigration(vm: state.vms[v].id, committed: true)
        return held
    }

    /// Tries to start one VM.
    mutating func recoverOne(_ v: Int, perHost: inout [Int], placement: inout some HAPlacement) -> RecoveryAttempt {
        let name = state.vms[v].name
        if let lock = state.vms[v].lock {
            state.vms[v].lock = nil
            if Self.clearableLocks.contains(lock) {
                log(.lockRemoved(vm: name, lock: lock))
            } else {
                releaseHold(v, "the vm needs an operator", placement: &placement)
                setNode(v, nil)
                state.vms[v].blocked = "locked by '\(lock)'; an operator must check it"
                setVM(v, .error, "leftover lock '\(lock)' is not safe to remove")
                return .notStarted
            }
        }
        let vm = state.vms[v].id
        if let held = state.vms[v].migrationClaim, state.vms[v].migrationTarget == nil,
            let t = state.host(held.host), perHost[t] >= config.startsPerHost,
            state.hosts[t].state == .online, fresh(t)
        {
            return .throttled
        }
        let outcome: PlacementOutcome
        if let held = takeHold(v, placement: &placement) {
            outcome = .placed(host: held.host, claim: held)
        } else if state.vms[v].triedCapacity == placement.capacityVersion {
            return .notStarted
        } else if let home = state.vms[v].home {
            guard let h = state.host(home), state.hosts[h].state == .online, fresh(h) else { return .notStarted }
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
            return .notStarted
        case .placed(let target, let claim):
            let t = slot(target)
            if perHost[t] >= config.startsPerHost {
                if state.vms[v].home == nil { placement.release(vm: vm) }
                return .throttled
            }
            perHost[t] += 1
            setNode(v, target)
            if let claim { state.vms[v].claim = claim }
            state.vms[v].blocked = nil
            effects.append(.claimPort(vm: vm, host: target))
            log(.vmStarting(vm: name, host: target))
            state.vms[v].command = command(.start(vm: vm), host: t)
            return .sent
        }
    }
}
