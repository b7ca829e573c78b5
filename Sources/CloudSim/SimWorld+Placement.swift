import CloudControl
import CloudModel
import CloudScheduler

extension SimWorld: HAPlacement {
    /// Places instance `id` through the scheduler on a host other than `excluding` (a filter of
    /// the request) and records the claim, its GPUs and the host's instance list.
    public mutating func place(vm id: VMID, excluding: [HostID]) -> PlacementOutcome {
        let vm = index(of: id)
        precondition(claims[vm] == nil, "instance \(vm) placed while it holds a claim")
        switch claimFor(vm, target: nil, excluding: excluding.compactMap(host)) {
        case .failure(let f): return .noCapacity(reason: f.reason)
        case .success(let (id, claim)):
            attach(vm, id, claim)
            return .placed(host: hostID(claim.host), claim: haClaim(claim))
        }
    }

    func index(of id: VMID) -> Int {
        guard let v = instance(id) else { preconditionFailure("placement of unknown instance '\(id)'") }
        return v
    }

    /// The claim as the HA record keeps it: the host's ID and the scheduler's claim as text.
    func haClaim(_ claim: Claim) -> HAClaim { HAClaim(host: hostID(claim.host), resources: claim.encoded) }

    /// The HA claim of instance `v`'s current placement (nil: not placed).
    func haClaim(ofInstance v: Int) -> HAClaim? {
        claims[v].flatMap { scheduler.claim($0) }.map(haClaim)
    }

    /// Releases instance `id`'s claim (no-op without one).
    public mutating func release(vm id: VMID) { release(index(of: id)) }

    /// Releases instance `vm`'s claim (no-op without one).
    mutating func release(_ vm: Int) {
        guard let id = claims[vm], let h = instances[vm].host else { return }
        do {
            try scheduler.release(id)
        } catch {
            preconditionFailure("claim of instance \(vm) released twice: \(error)")
        }
        if !instances[vm].gpuIndices.isEmpty { settleEnergy(host: h) }
        for g in instances[vm].gpuIndices { hosts[h].gpus[g].holders.removeAll { $0 == vm } }
        hostInstances[h].removeAll { $0 == vm }
        touched.mark(h)
        claims[vm] = nil
        instances[vm].host = nil
        instances[vm].gpuIndices = []
        instances[vm].instance.nodeID = nil
        capacityVersion &+= 1
    }

    public mutating func reserve(vm id: VMID, target: HostID?, excluding: [HostID]) -> PlacementOutcome {
        let vm = index(of: id)
        let target = target.map { t in
            guard let h = host(t) else { preconditionFailure("migration to unknown host '\(t)'") }
            return h
        }
        precondition(migrationClaims[vm] == nil, "instance \(vm) has a migration in flight")
        var avoid = excluding.compactMap(host)
        if let h = instances[vm].host { avoid.append(h) }
        switch claimFor(vm, target: target, excluding: avoid) {
        case .failure(let f): return .noCapacity(reason: f.reason)
        case .success(let (id, claim)):
            migrationClaims[vm] = id
            return .placed(host: hostID(claim.host), claim: haClaim(claim))
        }
    }

    public mutating func finishMigration(vm id: VMID, committed: Bool) {
        let vm = index(of: id)
        guard let id = migrationClaims[vm], let claim = scheduler.claim(id) else { return }
        migrationClaims[vm] = nil
        if committed {
            release(vm)
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

    /// Marks the host of instance `vm` for the incremental checkers (its status changed).
    mutating func touchInstance(_ vm: Int) {
        if let h = instances[vm].host { touched.mark(h) }
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
        if !gpus.isEmpty { settleEnergy(host: claim.host) }
        for g in gpus { hosts[claim.host].gpus[g].holders.append(vm) }
        instances[vm].host = claim.host
        instances[vm].gpuIndices = gpus
        instances[vm].instance.nodeID = hosts[claim.host].node.id
        claims[vm] = id
        hostInstances[claim.host].append(vm)
        touched.mark(claim.host)
    }

    /// True when instance `vm` would fit on host `h` if instance `other` held no claim (a
    /// what-if on a copy of the scheduler, for the checkers; nothing changes).
    func couldPlace(_ vm: Int, on h: Int, without other: Int) -> Bool {
        var s = scheduler
        if let c = claims[other] { try? s.release(c) }
        if case .placed = s.decide(requestFor(vm, target: h, excluding: [])) { return true }
        return false
    }
}
