import CloudModel
import CloudScheduler

/// A broken safety invariant: the first one stops the run.
public struct InvariantViolation: Sendable, Equatable {
    /// Invariant name, e.g. `capacity`.
    public let invariant: String
    /// What was wrong.
    public let detail: String
    /// Virtual time of the event after which it was found.
    public let time: UInt64
    /// Index of that event (events dispatched so far).
    public let event: UInt64
    /// Which event it was.
    public let eventDescription: String
}

extension Simulation {
    /// Checks the invariants after an event:
    /// - `capacity`: the scheduler's accounting invariant (claims add up to used capacity per host,
    ///   NUMA node, GPU, VF pool, MIG slice map and vGPU type), and instances, claims and GPU
    ///   holders agree;
    /// - `no_running_on_dead_host`: no instance counts as running on a host without power;
    /// - `no_running_on_failed_gpu`: no running instance holds a failed GPU;
    /// - S1 (single writer) over every instance; the other HA invariants are checked where their
    ///   state changes (`HAInvariants.swift`).
    ///
    /// Incremental: only the hosts and instances the event touched are visited (the run stops at
    /// the first violation, so everything else still holds), in the order of the full check, so
    /// the first violation found is the one a full check would report. A full audit runs at the
    /// start, every `SimSettings.auditEvery` events and at the end of the run (`auditEvery` 1:
    /// the full check after every event).
    mutating func checkInvariants(event: @autoclosure () -> String) {
        guard checkers, violation == nil else { return }
        let every = spec.settings.auditEvery
        if !audited || every == 1 || (every > 0 && kernel.dispatched - lastAudit >= every) {
            audit(event: event())
            return
        }
        let hosts = touchedHosts()
        if let (name, detail) = world.firstViolation(among: hosts) {
            violation = InvariantViolation(
                invariant: name, detail: detail, time: kernel.now, event: kernel.dispatched, eventDescription: event())
            record("invariant violated: \(name): \(detail)")
        }
        var vms = Set(ha.procs.touchedInstances.drain())
        for h in hosts { vms.formUnion(ha.procs.guests(on: h)) }
        for v in vms.sorted() { checkProcesses(v) }
    }

    /// The full check over every host and instance (it also empties the touch logs).
    mutating func audit(event: String) {
        audited = true
        lastAudit = kernel.dispatched
        _ = touchedHosts()
        _ = ha.procs.touchedInstances.drain()
        if let (name, detail) = world.firstViolation() {
            violation = InvariantViolation(
                invariant: name, detail: detail, time: kernel.now, event: kernel.dispatched, eventDescription: event)
            record("invariant violated: \(name): \(detail)")
        }
        for v in ha.procs.indices { checkProcesses(v) }
    }

    /// Hosts touched since the last check (world, scheduler and processes), ascending.
    mutating func touchedHosts() -> [Int] {
        var hosts = Set(world.touched.drain())
        hosts.formUnion(world.scheduler.touchedHosts.drain())
        hosts.formUnion(ha.procs.touchedHosts.drain())
        return hosts.sorted()
    }

    /// S1 and `no_running_on_dead_host` for instance `v`.
    mutating func checkProcesses(_ v: Int) {
        if ha.procs[v].count > 1 { checkSingleWriter(v) }
        if let h = ha.procs[v].first(where: { world.hosts[$0].power != .on }) {
            violate(
                "no_running_on_dead_host",
                "\(world.instances[v].instance.name) running on "
                    + "\(world.hosts[h].name) (power \(world.hosts[h].power))")
        }
    }
}

extension SimWorld {
    func firstViolation() -> (String, String)? {
        if let v = scheduler.accountingViolation() { return ("capacity", v) }
        for h in hosts.indices {
            if let v = hostViolation(h) { return v }
        }
        return nil
    }

    /// `firstViolation()` over `touched` (ascending) when every other host is consistent.
    func firstViolation(among touched: [Int]) -> (String, String)? {
        guard !touched.isEmpty else { return nil }
        if let v = scheduler.accountingViolation(hosts: touched) { return ("capacity", v) }
        for h in touched {
            if let v = hostViolation(h) { return v }
        }
        return nil
    }

    /// The first broken capacity or GPU invariant of host `h`. Reads fields in place: copying
    /// every instance and host per event was most of the checkers' cost on large fleets.
    func hostViolation(_ h: Int) -> (String, String)? {
        for i in hostInstances[h] {
            guard instances[i].host == h, let id = claims[i], scheduler.claimHost(id) == h else {
                return (
                    "capacity",
                    "instance \(instances[i].instance.name) listed on \(hosts[h].name) without a claim there"
                )
            }
            for g in instances[i].gpuIndices where !hosts[h].gpus[g].holders.contains(i) {
                return (
                    "capacity",
                    "\(instances[i].instance.name) claims gpu\(g) of \(hosts[h].name) but is not among its holders"
                )
            }
            if instances[i].status == .running,
                let g = instances[i].gpuIndices.first(where: { hosts[h].gpus[$0].health == .failed })
            {
                return (
                    "no_running_on_failed_gpu",
                    "\(instances[i].instance.name) running on failed gpu\(g) of \(hosts[h].name)"
                )
            }
        }
        for g in hosts[h].gpus.indices {
            for i in hosts[h].gpus[g].holders where !(instances[i].host == h && instances[i].gpuIndices.contains(g)) {
                return (
                    "capacity", "gpu\(g) of \(hosts[h].name) held by \(instances[i].instance.name) without a claim"
                )
            }
        }
        return nil
    }
}
