import CloudControl
import CloudModel
import CloudRuntime
import CloudScheduler

/// Where an instance admitted at run time was placed.
public struct AdmittedPlacement: Sendable, Equatable {
    public let host: String
    public let nodeID: ResourceID
    public let claim: String
    public let gpuUUIDs: [String]
}

/// What the simulated fleet shows of one instance.
public struct InstanceObservation: Sendable, Equatable {
    public let nodeID: ResourceID?
    public let running: Bool
    public let status: InstanceStatus
    public let gpuUUIDs: [String]
}

extension Simulation {
    /// Adds an instance created through the API and places it through the scheduler (on
    /// `onlyHost` when given), without starting it. Every per-instance table grows by one; HA
    /// learns of it when it starts.
    /// `origin` names who asked in the log line (`api`, or `workload` for an arrival process).
    public mutating func admit(
        _ instance: Instance, request: ResourceRequest, onlyHost: ResourceID?, origin: String = "api"
    ) -> Result<AdmittedPlacement, SimulationError> {
        let id = VMID(instance.id)
        if let v = world.instance(id) {
            guard let h = world.instances[v].host else { return .failure(SimulationError("instance known, unplaced")) }
            return .success(placement(v, h))
        }
        var target: Int?
        if let only = onlyHost {
            guard let h = world.host(HostID(only)) else { return .failure(SimulationError("unknown node '\(only)'")) }
            target = h
        }
        let v = world.instances.count
        var inst = instance
        inst.state = .creating
        world.instanceByID[id] = v
        world.instances.append(
            SimInstance(
                instance: inst, status: .pending, host: nil, gpuIndices: [], cluster: nil, request: request))
        world.claims.append(nil)
        world.migrationClaims.append(nil)
        ha.procs.appendInstance(world.vmID(v))
        ha.portChassis.append(nil)
        ha.startFailuresVM.append(0)
        evidence.startAttempts.append(0)
        probe.incidentAt.append(nil)
        _ = control.addVM(id)
        switch world.claimFor(v, target: target, excluding: []) {
        case .failure(let f):
            settleEnergy(of: v)
            world.instances[v].status = .error
            world.touchInstance(v)
            world.instances[v].instance.state = .error
            return .failure(SimulationError(f.reason))
        case .success(let (claimID, claim)):
            world.attach(v, claimID, claim)
            record("\(origin): instance '\(inst.name)' placed on '\(world.hosts[claim.host].name)'")
            return .success(placement(v, claim.host))
        }
    }

    func placement(_ v: Int, _ h: Int) -> AdmittedPlacement {
        AdmittedPlacement(
            host: world.hosts[h].name, nodeID: world.hosts[h].node.id,
            claim: world.haClaim(ofInstance: v)?.resources ?? "", gpuUUIDs: gpuUUIDs(v))
    }

    func gpuUUIDs(_ v: Int) -> [String] {
        guard let h = world.instances[v].host else { return [] }
        return world.instances[v].gpuIndices.map { world.hosts[h].node.hardware.gpus[$0].uuid }
    }

    /// Starts an admitted instance on its host and, for an HA tier, puts it under HA.
    public mutating func startAdmitted(_ id: ResourceID) -> Result<Void, SimulationError> {
        guard let v = world.instance(VMID(id)), let h = world.instances[v].host else {
            return .failure(SimulationError("instance '\(id)' is not placed"))
        }
        guard world.hosts[h].power == .on else {
            return .failure(SimulationError("node '\(world.hosts[h].name)' is powered off"))
        }
        ha.procs.add(v, on: h)
        ha.portChassis[v] = h
        settleEnergy(of: v)
        world.instances[v].status = .running
        world.touchInstance(v)
        world.instances[v].instance.state = .running
        world.instances[v].startedAt = kernel.now
        let inst = world.instances[v].instance
        if inst.haPriority != .none {
            let rec = HAVMRecord(
                id: VMID(id), name: inst.name, priority: inst.haPriority, node: world.hostID(h),
                claim: world.haClaim(ofInstance: v))
            if var step = control.step, !step.awaitingPersist {
                control.step = nil  // the only reference: the state grows in place
                if step.manager.state.vm(VMID(id)) == nil { step.updateManager { $0.addVM(rec) } }
                control.step = step
            }
            control.record.insertVM(rec)
        }
        return .success(())
    }

    /// Stops an admitted instance (its claim stays, as a stopped VM keeps its resources); HA lets
    /// go of it first. Refused while HA acts on it.
    public mutating func stopAdmitted(_ id: ResourceID) -> Result<Void, SimulationError> {
        guard let v = world.instance(VMID(id)) else { return .failure(SimulationError("unknown instance '\(id)'")) }
        if var step = control.step, step.manager.state.vm(VMID(id)) != nil {
            guard !step.awaitingPersist else { return .failure(SimulationError("HA is writing a round; retry")) }
            control.step = nil  // the only reference: the state shrinks in place
            defer { control.step = step }
            do {
                try step.updateManager { (m: inout HAManager) throws in try m.removeVM(VMID(id)) }
            } catch {
                return .failure(SimulationError("HA is acting on it: \(error)"))
            }
            control.step = step
        }
        control.record.removeVM(VMID(id))
        if world.instances[v].status == .running { endIncarnation(v) }
        ha.procs.clear(v)
        settleEnergy(of: v)
        world.instances[v].status = .down
        world.touchInstance(v)
        world.instances[v].instance.state = .stopped
        return .success(())
    }

    /// Stops an admitted instance and releases its claim.
    /// `origin` and `reason` go into the log line.
    public mutating func destroyAdmitted(
        _ id: ResourceID, origin: String = "api", reason: String? = nil
    ) -> Result<Void, SimulationError> {
        guard let v = world.instance(VMID(id)) else { return .success(()) }
        if case .failure(let e) = stopAdmitted(id) { return .failure(e) }
        world.release(v)
        settleEnergy(of: v)
        world.instances[v].status = .pending
        world.touchInstance(v)
        world.instances[v].instance.state = .destroying
        record(
            "\(origin): instance '\(world.instances[v].instance.name)' destroyed" + (reason.map { " (\($0))" } ?? ""))
        return .success(())
    }

    /// Asks HA to live-migrate an instance to `node`.
    public mutating func migrateAdmitted(_ id: ResourceID, to node: ResourceID) -> Result<Void, SimulationError> {
        guard world.instance(VMID(id)) != nil else { return .failure(SimulationError("unknown instance '\(id)'")) }
        guard world.host(HostID(node)) != nil else { return .failure(SimulationError("unknown node '\(node)'")) }
        submit(.migrate(vm: VMID(id), to: HostID(node)))
        return .success(())
    }

    /// What the fleet shows of instance `id` now (nil: unknown).
    public func observe(_ id: ResourceID) -> InstanceObservation? {
        guard let v = world.instance(VMID(id)) else { return nil }
        let i = world.instances[v]
        return InstanceObservation(
            nodeID: i.host.map { world.hosts[$0].node.id }, running: !ha.procs[v].isEmpty, status: i.status,
            gpuUUIDs: gpuUUIDs(v))
    }
}

extension Simulation {
    /// The fleet as the store records it: organizations, datacenters, clusters and nodes.
    public var inventory: (organizations: [Organization], datacenters: [Datacenter], clusters: [Cluster], nodes: [Node])
    {
        (world.organizations, world.datacenters, world.clusters, world.hosts.map(\.node))
    }

    /// Makes organization `o` known to the fleet (its tenant label in metrics): it takes the
    /// place of the scenario's tenant of the same name, or joins.
    public mutating func registerOrganization(_ o: Organization) {
        if let i = world.organizations.firstIndex(where: { $0.name == o.name }) {
            world.organizations[i].id = o.id
        } else {
            world.organizations.append(o)
        }
    }

    /// Cordons or uncordons node `id` in the scheduler, and asks HA to put it into maintenance
    /// (its HA instances migrate away) or take it out, when that changes.
    public mutating func setNode(_ id: ResourceID, schedulable: Bool, maintenance: Bool) {
        guard let h = world.host(HostID(id)) else { return }
        world.setSchedulable(h, schedulable && !maintenance)
        let inMaintenance = control.store[host: HostID(id)]?.maintenanceRequested ?? false
        if inMaintenance != maintenance { submit(.maintenance(host: HostID(id), enable: maintenance)) }
        record(
            "api: node '\(world.hosts[h].name)' \(schedulable ? "schedulable" : "cordoned")\(maintenance ? ", maintenance" : "")"
        )
    }

    /// Checks a request against what the fleet offers (clusters, zones, GPU profiles and
    /// models); the error names the field.
    public func validate(_ r: ResourceRequest) throws(SchedulerError) { try world.scheduler.validate(r) }
}
