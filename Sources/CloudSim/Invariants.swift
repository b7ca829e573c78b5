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
    /// Checks the first-cut invariants over every host:
    /// - `capacity`: placed vCPUs and memory within capacity; GPU holders and instance claims agree;
    /// - `no_running_on_dead_host`: no instance counts as running on a host without power;
    /// - `no_running_on_failed_gpu`: no running instance holds a failed GPU.
    mutating func checkInvariants(event: String) {
        guard violation == nil else { return }
        if let (name, detail) = world.firstViolation() {
            violation = InvariantViolation(
                invariant: name, detail: detail, time: kernel.now, event: kernel.dispatched, eventDescription: event)
            record("invariant violated: \(name): \(detail)")
        }
    }
}

extension SimWorld {
    func firstViolation() -> (String, String)? {
        for h in hosts.indices {
            if let v = hostViolation(h) { return v }
        }
        return nil
    }

    func hostViolation(_ h: Int) -> (String, String)? {
        let host = hosts[h]
        var vcpus = 0
        var memory = 0
        for i in hostInstances[h] {
            let inst = instances[i]
            guard inst.host == h else { return ("capacity", "instance \(inst.instance.name) listed on \(host.name)") }
            vcpus += inst.instance.vcpus
            memory += inst.instance.memory
            for g in inst.gpuIndices where host.gpus[g].holder != i {
                return ("capacity", "\(inst.instance.name) claims gpu\(g) of \(host.name) held by another")
            }
            if inst.status == .running && host.power != .on {
                return ("no_running_on_dead_host", "\(inst.instance.name) running on \(host.name) (power \(host.power))")
            }
            if inst.status == .running, let g = inst.gpuIndices.first(where: { host.gpus[$0].health == .failed }) {
                return ("no_running_on_failed_gpu", "\(inst.instance.name) running on failed gpu\(g) of \(host.name)")
            }
        }
        for (g, gpu) in host.gpus.enumerated() {
            if let i = gpu.holder, !(instances[i].host == h && instances[i].gpuIndices.contains(g)) {
                return ("capacity", "gpu\(g) of \(host.name) held by \(instances[i].instance.name) without a claim")
            }
        }
        let cap = capacity[h]
        guard vcpus == cap.vcpuUsed, memory == cap.memoryUsedMB else {
            return ("capacity", "\(host.name): claims add up to \(vcpus) vCPUs/\(memory) MB, accounted "
                + "\(cap.vcpuUsed)/\(cap.memoryUsedMB)")
        }
        guard vcpus <= cap.vcpuCapacity, memory <= cap.memoryCapacityMB else {
            return ("capacity", "\(host.name) over capacity: \(vcpus)/\(cap.vcpuCapacity) vCPUs, "
                + "\(memory)/\(cap.memoryCapacityMB) MB")
        }
        return nil
    }
}
