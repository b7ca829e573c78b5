import CloudControl
import CloudModel
import CloudScheduler

extension Simulation {
    /// Resizes an admitted instance to `cpu` and `memoryMB` (a cold resize, as Nova's): a running
    /// instance is stopped, its claim released, and the new size claimed on the same node when it
    /// fits there, else on any node the request allows; then it starts again. When the new size
    /// fits nowhere, the old claim is taken back on the old node and the instance keeps its size
    /// and power state. With `stayOnNode` (an instance pinned to its node, as one with local
    /// volumes is) only its own node is tried. Refused while a migration of it is in flight.
    public mutating func resizeAdmitted(
        _ id: ResourceID, cpu: CPUShape, memoryMB: Int, flavor: String?, request: ResourceRequest,
        stayOnNode: Bool = false
    ) -> Result<AdmittedPlacement, SimulationError> {
        guard let v = world.instance(VMID(id)), let old = world.instances[v].host else {
            return .failure(SimulationError("instance '\(id)' is not placed"))
        }
        guard world.migrationClaims[v] == nil else {
            return .failure(SimulationError("instance '\(id)' is migrating; retry when it has landed"))
        }
        let wasRunning = world.instances[v].status == .running
        if wasRunning, case .failure(let e) = stopAdmitted(id) { return .failure(e) }
        let before = (request: world.instances[v].request, instance: world.instances[v].instance)
        world.release(v)
        world.instances[v].request = request
        world.instances[v].instance.cpu = cpu
        world.instances[v].instance.memory = memoryMB
        if let flavor { world.instances[v].instance.flavor = flavor }
        var claimed = world.claimFor(v, target: old, excluding: [])
        if case .failure = claimed, !stayOnNode { claimed = world.claimFor(v, target: nil, excluding: []) }
        var refusal: String?
        switch claimed {
        case .success(let (claimID, claim)):
            world.attach(v, claimID, claim)
        case .failure(let f):
            refusal = f.reason
            world.instances[v].request = before.request
            world.instances[v].instance = before.instance
            guard case .success(let (claimID, claim)) = world.claimFor(v, target: old, excluding: []) else {
                preconditionFailure("the claim instance \(v) just released no longer fits its node")
            }
            world.attach(v, claimID, claim)
        }
        if wasRunning, case .failure(let e) = startAdmitted(id) { return .failure(e) }
        guard let host = world.instances[v].host else { preconditionFailure("instance \(v) lost its node") }
        if let refusal {
            let place = stayOnNode ? "its node '\(world.hosts[host].name)' (it is pinned there)" : "no node"
            return .failure(SimulationError("the new size fits \(place): \(refusal)"))
        }
        record(
            "api: instance '\(world.instances[v].instance.name)' resized to \(cpu.vcpus) vCPUs, \(memoryMB) MB on "
                + "'\(world.hosts[host].name)'")
        return .success(placement(v, host))
    }
}
