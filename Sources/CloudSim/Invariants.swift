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
    /// Checks the invariants over every host:
    /// - `capacity`: the scheduler's accounting invariant (claims add up to used capacity per host,
    ///   NUMA node, GPU, VF pool, MIG slice map and vGPU type), and instances, claims and GPU
    ///   holders agree;
    /// - `no_running_on_dead_host`: no instance counts as running on a host without power;
    /// - `no_running_on_failed_gpu`: no running instance holds a failed GPU;
    /// - S1 (single writer) over every instance; the other HA invariants are checked where their
    ///   state changes (`HAInvariants.swift`).
    mutating func checkInvariants(event: String) {
        guard checkers, violation == nil else { return }
        if let (name, detail) = world.firstViolation() {
            violation = InvariantViolation(
                invariant: name, detail: detail, time: kernel.now, event: kernel.dispatched, eventDescription: event)
            record("invariant violated: \(name): \(detail)")
        }
        for v in ha.procs.indices {
            if ha.procs[v].count > 1 { checkSingleWriter(v) }
            if let h = ha.procs[v].first(where: { world.hosts[$0].power != .on }) {
                violate(
                    "no_running_on_dead_host",
                    "\(world.instances[v].instance.name) running on "
                        + "\(world.hosts[h].name) (power \(world.hosts[h].power))")
            }
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

    func hostViolation(_ h: Int) -> (String, String)? {
        let host = hosts[h]
        for i in hostInstances[h] {
            let inst = instances[i]
            guard inst.host == h, let id = claims[i], scheduler.claim(id)?.host == h else {
                return ("capacity", "instance \(inst.instance.name) listed on \(host.name) without a claim there")
            }
            for g in inst.gpuIndices where !host.gpus[g].holders.contains(i) {
                return ("capacity", "\(inst.instance.name) claims gpu\(g) of \(host.name) but is not among its holders")
            }
            if inst.status == .running, let g = inst.gpuIndices.first(where: { host.gpus[$0].health == .failed }) {
                return ("no_running_on_failed_gpu", "\(inst.instance.name) running on failed gpu\(g) of \(host.name)")
            }
        }
        for (g, gpu) in host.gpus.enumerated() {
            for i in gpu.holders where !(instances[i].host == h && instances[i].gpuIndices.contains(g)) {
                return ("capacity", "gpu\(g) of \(host.name) held by \(instances[i].instance.name) without a claim")
            }
        }
        return nil
    }
}
