import CloudModel
import CloudScheduler
import CloudService
import CloudSim

extension SimulationDriver {
    func admit(_ i: Instance, _ r: ResourceRequest, onlyHost: ResourceID?) -> Result<AdmittedPlacement, SimulationError>
    {
        sim.admit(i, request: r, onlyHost: onlyHost)
    }
    func start(_ id: ResourceID) -> Result<Void, SimulationError> { sim.startAdmitted(id) }
    func stop(_ id: ResourceID) -> Result<Void, SimulationError> { sim.stopAdmitted(id) }
    func destroy(_ id: ResourceID) -> Result<Void, SimulationError> { sim.destroyAdmitted(id) }
    func migrate(_ id: ResourceID, to n: ResourceID) -> Result<Void, SimulationError> { sim.migrateAdmitted(id, to: n) }
    func observe(_ ids: [ResourceID?]) -> [InstanceObservation?] { ids.map { $0.flatMap { sim.observe($0) } } }
    func validate(_ r: ResourceRequest) -> SchedulerError? {
        do {
            try sim.validate(r)
            return nil
        } catch {
            return error
        }
    }
    func register(_ o: Organization) { sim.registerOrganization(o) }
    func resize(
        _ id: ResourceID, _ i: Instance, _ r: ResourceRequest, pinned: Bool
    ) -> Result<
        AdmittedPlacement, SimulationError
    > {
        sim.resizeAdmitted(id, cpu: i.cpu, memoryMB: i.memory, flavor: i.flavor, request: r, stayOnNode: pinned)
    }
    func setNode(_ id: ResourceID, schedulable: Bool, maintenance: Bool) {
        sim.setNode(id, schedulable: schedulable, maintenance: maintenance)
    }
    var inventory: ([Organization], [Datacenter], [Cluster], [Node]) {
        let i = sim.inventory
        return (i.organizations, i.datacenters, i.clusters, i.nodes)
    }
}

/// The simulated backend of `serve`: API instances are placed by the simulation's scheduler and
/// run in its world, under its HA manager, and show in its metrics.
struct SimBackend: InstanceBackend {
    let driver: SimulationDriver
    /// Cluster names by ID (the scheduler's requests name clusters).
    let clusterNames: [String: String]

    func request(_ i: InstanceRecord) -> ResourceRequest {
        var r = ResourceRequest(vcpus: i.vcpus, memoryMB: i.memory, cluster: i.clusterID.flatMap { clusterNames[$0] })
        if let g = i.gpu {
            let count = g.count
            r.gpu = GPURequest(
                mode: GPUMode(rawValue: g.mode) ?? .passthrough, profile: g.profile, count: count, model: g.model,
                nvlink: g.nvlink.flatMap(NVLinkRequirement.init) ?? (count > 1 ? .preferred : .none))
        }
        return r
    }

    func instance(_ i: InstanceRecord) -> Instance? {
        guard let id = try? ResourceID(parsing: i.id), let org = try? ResourceID(parsing: i.organizationID) else {
            return nil
        }
        return Instance(
            id: id, name: i.name, cpu: i.cpu, memory: i.memory, creation: Timestamp(iso8601: i.creation) ?? .epoch,
            organizationID: org, flavor: i.flavor ?? "custom",
            haPriority: HAPriority(rawValue: i.haPriority) ?? .normal,
            gpuCount: i.gpu?.mode == "passthrough" ? i.gpu?.count ?? 0 : 0)
    }

    func validate(_ i: InstanceRecord) async -> FieldError? {
        guard let e = await driver.validate(request(i)) else { return nil }
        let path = e.field == "memory_mb" ? ["memory"] : e.field.split(separator: ".").map(String.init)
        return FieldError(path: path, detail: e.message)
    }

    func placeOn(_ i: InstanceRecord, _ node: String?) async -> Result<BackendPlacement, BackendError> {
        guard let inst = instance(i) else { return .failure(BackendError("instance '\(i.id)' has a malformed ID")) }
        let only = node.flatMap { try? ResourceID(parsing: $0) }
        switch await driver.admit(inst, request(i), onlyHost: only) {
        case .failure(let e): return .failure(BackendError(e.description))
        case .success(let p):
            return .success(BackendPlacement(nodeID: p.nodeID.rawValue, claim: p.claim, gpus: p.gpuUUIDs))
        }
    }

    func place(_ i: InstanceRecord) async -> Result<BackendPlacement, BackendError> {
        await placeOn(i, i.requestedNodeID)
    }

    func release(_ id: String) async {
        if let rid = try? ResourceID(parsing: id) { _ = await driver.destroy(rid) }
    }

    func adopt(_ i: InstanceRecord) async -> Result<BackendPlacement, BackendError> {
        let placed = await placeOn(i, i.nodeID)
        guard case .success = placed, i.desiredPower == "running", let id = try? ResourceID(parsing: i.id) else {
            return placed
        }
        if case .failure(let e) = await driver.start(id) { return .failure(BackendError(e.description)) }
        return placed
    }

    func run(_ id: String, _ op: (ResourceID) async -> Result<Void, SimulationError>) async throws(BackendError) {
        guard let rid = try? ResourceID(parsing: id) else { throw BackendError("malformed instance ID '\(id)'") }
        if case .failure(let e) = await op(rid) { throw BackendError(e.description) }
    }

    func start(_ id: String) async throws(BackendError) { try await run(id) { await driver.start($0) } }
    func stop(_ id: String, force: Bool) async throws(BackendError) { try await run(id) { await driver.stop($0) } }
    func destroy(_ id: String) async throws(BackendError) { try await run(id) { await driver.destroy($0) } }

    func migrate(_ id: String, to node: String?) async -> Result<BackendPlacement, BackendError> {
        guard let node, let target = try? ResourceID(parsing: node), let rid = try? ResourceID(parsing: id) else {
            return .failure(BackendError("the simulated backend migrates to a named node_id only"))
        }
        if case .failure(let e) = await driver.migrate(rid, to: target) { return .failure(BackendError(e.description)) }
        let seen = await driver.observe([rid]).first ?? nil
        return .success(BackendPlacement(nodeID: seen?.nodeID?.rawValue ?? node, claim: "", gpus: seen?.gpuUUIDs ?? []))
    }

    func resize(_ i: InstanceRecord) async -> Result<BackendPlacement, BackendError> {
        guard let inst = instance(i) else { return .failure(BackendError("instance '\(i.id)' has a malformed ID")) }
        // an instance placed on a named node stays on it (local volumes pin their instance so)
        switch await driver.resize(inst.id, inst, request(i), pinned: i.requestedNodeID != nil) {
        case .failure(let e): return .failure(BackendError(e.description))
        case .success(let p):
            return .success(BackendPlacement(nodeID: p.nodeID.rawValue, claim: p.claim, gpus: p.gpuUUIDs))
        }
    }

    func setNode(_ id: String, schedulable: Bool, maintenance: Bool) async {
        guard let rid = try? ResourceID(parsing: id) else { return }
        await driver.setNode(rid, schedulable: schedulable, maintenance: maintenance)
    }

    func observe(_ ids: [String]) async -> [ObservedInstance?] {
        let seen = await driver.observe(ids.map { try? ResourceID(parsing: $0) })
        return seen.map { o in
            o.map { ObservedInstance(nodeID: $0.nodeID?.rawValue, state: Self.state($0), gpus: $0.gpuUUIDs) }
        }
    }

    static func state(_ o: InstanceObservation) -> InstanceState {
        switch o.status {
        case .running: .running
        case .down: .stopped
        case .error: .error
        case .pending: o.nodeID == nil ? .creating : .starting
        }
    }
}
