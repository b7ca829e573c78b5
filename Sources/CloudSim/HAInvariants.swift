import CloudControl
import CloudModel
import CloudRuntime
import CloudScheduler

/// The HA safety invariants of `reference/ha.md` §9, evaluated by the simulated runtime as the
/// state changes. Names are the ones reports print (`S1_single_writer`, …).
extension Simulation {
    mutating func violate(_ invariant: String, _ detail: String) {
        guard violation == nil else { return }
        violation = InvariantViolation(
            invariant: invariant, detail: detail, time: kernel.now, event: kernel.dispatched, eventDescription: "ha")
        record("invariant violated: \(invariant): \(detail)")
    }

    /// S1: at most one process of a VM can write to its disks (processes on blocklisted hosts cannot).
    mutating func checkSingleWriter(_ vm: Int) {
        guard checkers else { return }
        let writers = ha.procs[vm].filter { !ha.blocklisted[$0] }
        guard writers.count > 1 else { return }
        violate(
            "S1_single_writer",
            "vm '\(world.instances[vm].instance.name)' runs on "
                + writers.map { "'\(world.hosts[$0].name)'" }.joined(separator: " and ") + " with storage access")
    }

    /// S10: a strict anti-affinity group never has two running members on one host.
    mutating func checkAntiAffinity(_ vm: Int, on h: Int) {
        guard checkers else { return }
        for rule in world.instances[vm].request.groups where rule.kind == .antiAffinity && rule.strength == .strict {
            for other in ha.procs.guests(on: h) where other != vm {
                guard world.instances[other].request.groups.contains(rule) else { continue }
                violate(
                    "S10_priority_affinity",
                    "vm '\(world.instances[vm].instance.name)' and '"
                        + "\(world.instances[other].instance.name)' of anti-affinity group '\(rule.group)' both run on "
                        + "'\(world.hosts[h].name)'")
            }
        }
    }

    /// S9: start attempts per incident are bounded by (max_restart + 1) × (max_relocate + 1).
    mutating func checkStartAttempts(_ vm: Int) {
        guard checkers else { return }
        let bound = (control.config.maxRestart + 1) * (control.config.maxRelocate + 1)
        guard evidence.startAttempts[vm] > bound else { return }
        violate(
            "S9_bounded_retries",
            "vm '\(world.instances[vm].instance.name)' start attempt "
                + "\(evidence.startAttempts[vm]) exceeds the bound \(bound)")
    }

    /// S8: storage is unfenced only after the host reconciled (no stale process left on it).
    mutating func checkUnfence(_ h: Int) {
        guard checkers else { return }
        let host = world.hostID(h)
        for v in ha.procs.guests(on: h) {
            if let o = control.store[vm: world.vmID(v)], o.node != host {
                violate(
                    "S8_returning_host",
                    "storage of '\(world.hosts[h].name)' unfenced while it still runs "
                        + "a stale process of vm '\(o.name)'")
            }
        }
    }

    /// S13: every command the manager sends is in the state it persisted first.
    mutating func checkPersisted(_ c: HACommand) {
        guard checkers else { return }
        let s = control.store
        var known = false
        for r in s.vms where r.command?.id == c.id {
            known = true
            break
        }
        for h in s.hosts.indices where !known {
            let fence = s.hosts[h].fence?.outstanding ?? []
            known = s.hosts[h].hostCommand?.id == c.id || fence.contains { $0.id == c.id }
        }
        if !known { violate("S13_persist_before_act", "command \(c.id) sent without being persisted") }
    }

    /// Checks a round's state transitions: S2 (fence before restart), S5 (a fence is only ever
    /// complete with a device's proof), S6 (fence cap, storm guard), S7 (one fence per cooldown),
    /// S10 (priority order), S11 (no fencing of hosts in maintenance; disarm never pre-empts a fence)
    /// and S4 (only a quorate leader with a valid lease decides).
    mutating func checkTransitions(before: HAState, after: HAState) {
        guard checkers else { return }
        let now = kernel.now
        if let l = control.leader,
            !(inQuorum(l) && control.lease.isValid(for: control.handles.hosts[l], now: .virtual(now)))
        {
            violate("S4_single_leader", "node '\(world.hosts[l].name)' decided without quorum or lease")
        }
        let aligned = before.vms.count == after.vms.count
        // a round that changed no VM record leaves the records' storage shared with `before`
        let untouched = Self.sameStorage(before.vms, after.vms)
        for v in untouched ? 0..<0 : after.vms.indices {
            // most records do not change in a round: compare in place before copying any
            if aligned && before.vms[v].state == after.vms[v].state
                && (before.vms[v].command == nil) == (after.vms[v].command == nil)
            {
                continue
            }
            let b = after.vms[v]
            guard let a = v < before.vms.count && before.vms[v].id == b.id ? before.vms[v] : before[vm: b.id] else {
                continue
            }
            if a.state == .fence && b.state == .recovery, let node = a.node, let o = world.host(node) {
                let proof = evidence.proofAt[o].map { p in evidence.fenceBeganAt[o].map { p >= $0 } ?? false } ?? false
                if !proof {
                    violate(
                        "S2_fence_before_restart",
                        "vm '\(b.name)' recovered from '\(world.hosts[o].name)' "
                            + "without a positive fence proof")
                }
            }
            if a.command == nil, let c = b.command, case .start = c.kind, b.state == .recovery {
                let waiting = after.vms.first {
                    $0.priority < b.priority && $0.state == .recovery && $0.command != nil
                }
                if let w = waiting {
                    violate(
                        "S10_priority_affinity",
                        "vm '\(b.name)' (\(b.priority.rawValue)) started while "
                            + "'\(w.name)' (\(w.priority.rawValue)) was still starting")
                }
                checkPriorityOrder(b, after: after)
            }
        }
        checkHostTransitions(before: before, after: after)
        if !after.armed && (after.hosts.contains { $0.state == .fencing } || after.vms.contains { $0.state == .fence })
        {
            violate("S11_planned_operations", "HA disarmed while a fence is in flight")
        }
    }

    /// True when `a` and `b` still share their storage: neither was changed since one was copied
    /// from the other (a change to either copies the records first).
    static func sameStorage<T>(_ a: [T], _ b: [T]) -> Bool {
        a.count == b.count
            && a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { x.baseAddress == $0.baseAddress } }
    }

    mutating func checkHostTransitions(before: HAState, after: HAState) {
        let now = kernel.now
        // a round that changed no host record leaves the records' storage shared with `before`
        // (every check below compares a record with its previous self, or was made on these records)
        guard !Self.sameStorage(before.hosts, after.hosts) else { return }
        for (slot, b) in after.hosts.enumerated() {
            guard let h = world.host(b.id),
                let a = slot < before.hosts.count && before.hosts[slot].id == b.id
                    ? before.hosts[slot] : before[host: b.id]
            else { continue }
            if a.state != .fencing && b.state == .fencing {
                if a.state == .maintenance {
                    violate("S11_planned_operations", "node '\(world.hosts[h].name)' fenced out of maintenance")
                }
                if before.stormGuard && after.stormGuard && b.fence?.verifiedOnly != true {
                    violate("S6_no_fencing_storm", "node '\(world.hosts[h].name)' fenced while the storm guard held")
                }
                evidence.fenceBeganAt[h] = now
            }
            if b.fences > a.fences {
                if let last = evidence.fenceTimes[h].last, now < last + control.config.fenceCooldownNanoseconds {
                    violate("S7_hysteresis", "node '\(world.hosts[h].name)' fenced twice within the cooldown")
                }
                evidence.fenceTimes[h].append(now)
            }
            if b.fences > a.fences && !spec.settings.unsafeSkipFence {
                // a fence an operator confirmed without one in flight began when the host went down
                let began = a.state == .fencing ? evidence.fenceBeganAt[h] : (world.hosts[h].lastFaultAt ?? 0)
                let ok = evidence.proofAt[h].map { p in began.map { p >= $0 } ?? false } ?? false
                if !ok {
                    violate("S5_fence_failure_never_success", "node '\(world.hosts[h].name)' fenced without proof")
                }
            }
        }
        let fencing = after.hosts.count { $0.state == .fencing }
        if fencing > control.config.maxConcurrentFences {
            violate(
                "S6_no_fencing_storm", "\(fencing) hosts fenced at once (cap \(control.config.maxConcurrentFences))")
        }
    }
}

extension Simulation {
    /// S14: within an incident, a VM of a lower tier is never started while a VM of a higher tier
    /// that is down in the world (waiting for its host's fence, or for a start) could use the
    /// capacity the lower one took: the higher VM would fit on that host without the lower one's
    /// claim. A VM with capacity held for it is not waiting for this capacity, nor is one the
    /// manager cannot yet know is down (its host not yet failed).
    mutating func checkPriorityOrder(_ started: HAVMRecord, after: HAState) {
        guard let i = world.instance(started.id), probe.incidentAt[i] != nil,
            let target = started.node.flatMap(world.host)
        else { return }
        for w in after.vms where w.priority < started.priority && w.migrationClaim == nil && w.command == nil {
            guard w.state == .fence || w.state == .recovery || w.state == .started,
                let j = world.instance(w.id), probe.incidentAt[j] != nil, ha.procs[j].isEmpty,
                w.home == nil, !w.failedNodes.contains(world.hostID(target))
            else { continue }
            // a VM the manager still has started waits only once its host is known down
            if w.state == .started {
                guard let s = w.node.flatMap({ after[host: $0]?.state }), s == .failed || s == .fencing else {
                    continue
                }
            }
            if world.couldPlace(j, on: target, without: i) {
                violate(
                    "S14_priority_order",
                    "vm '\(started.name)' (\(started.priority.rawValue)) started on '\(world.hosts[target].name)' "
                        + "while '\(w.name)' (\(w.priority.rawValue)) of the same incident waits and fits there")
                return
            }
        }
    }
}
