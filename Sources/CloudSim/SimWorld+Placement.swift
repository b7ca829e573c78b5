import CloudControl
import CloudModel
import CloudScheduler

extension SimWorld: HAPlacement {
    /// Places instance `vm` through the scheduler on a host other than `excluding` (a filter of
    /// the request) and records the claim, its GPUs and the host's instance list.
    public mutating func place(vm: Int, excluding: [Int]) -> PlacementOutcome {
        precondition(claims[vm] == nil, "instance \(vm) placed while it holds a claim")
        switch claimFor(vm, target: nil, excluding: excluding) {
        case .failure(let f): return .noCapacity(reason: f.reason)
        case .success(let (id, claim)):
            attach(vm, id, claim)
            return .placed(host: claim.host)
        }
    }

    /// Releases instance `vm`'s claim (no-op without one).
    public mutating func release(vm: Int) {
        guard let id = claims[vm], let h = instances[vm].host else { return }
        do {
            try scheduler.release(id)
        } catch {
            preconditionFailure("claim of instance \(vm) released twice: \(error)")
        }
        for g in instances[vm].gpuIndices { hosts[h].gpus[g].holders.removeAll { $0 == vm } }
        hostInstances[h].removeAll { $0 == vm }
        claims[vm] = nil
        instances[vm].host = nil
        instances[vm].gpuIndices = []
        instances[vm].instance.nodeID = nil
        capacityVersion &+= 1
    }

    public mutating func reserve(vm: Int, target: Int?, excluding: [Int]) -> PlacementOutcome {
        precondition(migrationClaims[vm] == nil, "instance \(vm) has a migration in flight")
        var avoid = excluding
        if let h = instances[vm].host { avoid.append(h) }
        switch claimFor(vm, target: target, excluding: avoid) {
        case .failure(let f): return .noCapacity(reason: f.reason)
        case .success(let (id, claim)):
            migrationClaims[vm] = id
            return .placed(host: claim.host)
        }
    }

    public mutating func finishMigration(vm: Int, committed: Bool) {
        guard let id = migrationClaims[vm], let claim = scheduler.claim(id) else { return }
        migrationClaims[vm] = nil
        if committed {
            release(vm: vm)
            attach(vm, id, claim)
        } else {
            do {
                try scheduler.release(id)
            } catch {
                preconditionFailure("migration claim of instance \(vm) released twice: \(error)")
            }
            capacityVersion &+= 1
        }
    }

    /// Marks a host schedulable (uncordoned) or not.
    mutating func setSchedulable(_ h: Int, _ on: Bool) {
        scheduler.setHost(h, cordoned: !on)
        if on { capacityVersion &+= 1 }
    }

    struct PlacementFailure: Error { let reason: String }

    /// The instance's request with the HA manager's constraints as filters: hosts to avoid, and
    /// the migration target when one is named.
    func requestFor(_ vm: Int, target: Int?, excluding: [Int]) -> ResourceRequest {
        var r = instances[vm].request
        r.excludedHosts = excluding
        r.onlyHost = target.map { hosts[$0].name }
        return r
    }

    mutating func claimFor(_ vm: Int, target: Int?, excluding: [Int]) -> Result<(ClaimID, Claim), PlacementFailure> {
        let (decision, id) = timedPlace(requestFor(vm, target: target, excluding: excluding))
        guard case .placed(let p) = decision, let id else {
            if case .rejected(let why) = decision { return .failure(PlacementFailure(reason: "\(why)")) }
            return .failure(PlacementFailure(reason: "rejected"))
        }
        return .success((id, p.claim))
    }

    mutating func attach(_ vm: Int, _ id: ClaimID, _ claim: Claim) {
        var gpus: [Int] = []
        for g in claim.gpus.map(\.gpu) where !gpus.contains(g) { gpus.append(g) }
        for g in gpus { hosts[claim.host].gpus[g].holders.append(vm) }
        instances[vm].host = claim.host
        instances[vm].gpuIndices = gpus
        instances[vm].instance.nodeID = hosts[claim.host].node.id
        claims[vm] = id
        hostInstances[claim.host].append(vm)
    }
}
