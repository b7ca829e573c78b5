import CloudControl
import CloudModel
import CloudScheduler

/// The simulated infrastructure and its workload.
public struct SimWorld: Sendable {
    public var organizations: [Organization] = []
    public var datacenters: [Datacenter] = []
    public var clusters: [Cluster] = []
    public var hosts: [SimHost] = []
    public var instances: [SimInstance] = []
    /// The next partition island number (every partition action splits off new islands).
    public var nextIsland: UInt16 = 1
    /// Instance indices per host, in placement order.
    public var hostInstances: [[Int]] = []
    /// The scheduler's capacity state: every instance is placed through it.
    public var scheduler = Scheduler(hosts: [], policies: [])
    /// Claim per instance (nil: not placed).
    public var claims: [ClaimID?] = []
    /// A live migration's target claim per instance.
    public var migrationClaims: [ClaimID?] = []
    /// Bumped whenever capacity may have appeared (a claim released, a host schedulable again).
    public var capacityVersion: UInt64 = 0
    var buildLog: [String] = []
    /// Hosts whose instances, claims, GPUs, power or storage fence changed since the incremental
    /// checkers last looked (`Invariants.swift`).
    var touched = TouchLog()
    /// Placement decisions and rejections (deterministic), and decision latency when a wall clock
    /// is supplied by the runtime (instrumentation only: it never reaches a decision).
    public var schedulerStats = SchedulerStats()
    /// Nanoseconds from the runtime's clock, for the decision-latency histogram; nil in pure runs.
    public var wallClock: (@Sendable () -> UInt64)?
    /// Host index by name, for lookups from scenario text; never iterated.
    var hostIndex: [String: Int] = [:]
    /// Host index by ID (what the control plane names hosts by); never iterated.
    var hostByID: [HostID: Int] = [:]
    /// Instance index by ID; never iterated.
    var instanceByID: [VMID: Int] = [:]
    /// Virtual time (ns) of the event being handled, kept by the simulation: what energy is
    /// settled to when a placement changes a GPU's holders.
    var now: UInt64 = 0
    /// The run's seed, mixed into every entity's load shape.
    var loadSeed: UInt64 = 0

    /// The control plane's ID of host `h`.
    public func hostID(_ h: Int) -> HostID { HostID(hosts[h].node.id) }

    /// The control plane's ID of instance `v`.
    public func vmID(_ v: Int) -> VMID { VMID(instances[v].instance.id) }

    /// The host with ID `id`.
    public func host(_ id: HostID) -> Int? { hostByID[id] }

    /// The instance with ID `id`.
    public func instance(_ id: VMID) -> Int? { instanceByID[id] }

    /// Looks a host up by name.
    public func host(named name: String) -> Int? { hostIndex[name] }

    static func build(
        spec: ScenarioSpec, rng: inout Xoshiro256StarStar, wallClock: (@Sendable () -> UInt64)? = nil
    ) throws(SimulationError) -> SimWorld {
        var w = SimWorld()
        w.wallClock = wallClock
        var gen = IDGenerator(source: rng.split())
        let epoch = Timestamp.epoch
        let provider = Organization(id: gen.next(.organization), name: "provider", isRoot: true, creation: epoch)
        w.organizations.append(provider)
        var hostNumber = 0
        var schedHosts: [HostState] = []
        var policies: [ClusterPolicy] = []
        for dc in spec.datacenters {
            let d = Datacenter(id: gen.next(.datacenter), organizationID: provider.id, name: dc.name, creation: epoch)
            w.datacenters.append(d)
            for cl in dc.clusters {
                var c = Cluster(
                    id: gen.next(.cluster), organizationID: provider.id, datacenterID: d.id, name: cl.name,
                    creation: epoch, zone: cl.zone)
                let clusterIndex = w.clusters.count
                policies.append(
                    cl.policy
                        ?? ClusterPolicy(
                            name: cl.name, zone: cl.zone,
                            cpuOvercommitPercent: spec.settings.cpuOvercommit * 100))
                for group in cl.hostGroups {
                    guard let template = HardwareTemplate.named(group.template) else {
                        throw SimulationError("cluster '\(cl.name)': unknown template '\(group.template)'")
                    }
                    for (i, name) in group.hostNames.enumerated() {
                        let hw = template.instantiate(hostIndex: hostNumber, entropy: &gen.source)
                        let node = Node(
                            id: gen.next(.node), organizationID: provider.id, clusterID: c.id, name: name,
                            ipAddress: "10.0.\(hostNumber >> 8).\(hostNumber & 255)", creation: epoch,
                            rack: group.racks[i % group.racks.count], hardware: hw)
                        try w.addHost(node, cluster: clusterIndex, spec: spec, rng: &rng)
                        schedHosts.append(
                            HostState(name: name, cluster: clusterIndex, labels: ["node=" + name], hardware: hw))
                        hostNumber += 1
                    }
                }
                c.nodeCount = w.hosts.count(where: { $0.cluster == clusterIndex })
                c.leaderID = w.hosts.first(where: { $0.cluster == clusterIndex })?.node.id
                w.clusters.append(c)
            }
        }
        w.scheduler = Scheduler(hosts: schedHosts, policies: policies)
        try w.placeWorkload(spec: spec, gen: &gen)
        let placed = w.instances.count(where: { $0.host != nil })
        let used = w.hostInstances.count(where: { !$0.isEmpty })
        w.buildLog.append(
            "placement: \(placed) of \(w.instances.count) instance(s) placed on \(used) of "
                + "\(w.hosts.count) host(s)")
        return w
    }

    mutating func addHost(
        _ node: Node, cluster: Int, spec: ScenarioSpec, rng: inout Xoshiro256StarStar
    )
        throws(SimulationError)
    {
        guard hostIndex[node.name] == nil else { throw SimulationError("duplicate host name '\(node.name)'") }
        hostIndex[node.name] = hosts.count
        hostByID[HostID(node.id)] = hosts.count
        let interval = spec.settings.heartbeatIntervalNanoseconds
        var hb = HeartbeatState(phase: rng.below(interval))
        hb.setFlowing(true, now: 0, interval: interval)
        let gpus = node.hardware.gpus.map { g in
            let p = GPUPower.watts(model: g.model)
            return SimGPU(idleWatts: p.idle, maxWatts: p.max)
        }
        hosts.append(SimHost(node: node, cluster: cluster, gpus: gpus, heartbeat: hb))
        hostInstances.append([])
    }

    mutating func placeWorkload(
        spec: ScenarioSpec, gen: inout IDGenerator<Xoshiro256StarStar>
    )
        throws(SimulationError)
    {
        var tenantIndex: [String: Int] = [:]
        for group in spec.workload {
            let org: Int
            if let o = tenantIndex[group.tenant] {
                org = o
            } else {
                org = organizations.count
                tenantIndex[group.tenant] = org
                organizations.append(
                    Organization(id: gen.next(.organization), name: group.tenant, creation: .epoch))
            }
            var clusterIndex: Int?
            if let name = group.cluster {
                guard let c = clusters.firstIndex(where: { $0.name == name }) else {
                    throw SimulationError("workload '\(group.name)': unknown cluster '\(name)'")
                }
                clusterIndex = c
            }
            for n in 1...max(group.count, 1) where n <= group.count {
                place(group: group, number: n, org: org, cluster: clusterIndex, gen: &gen)
            }
        }
        // tenants with a quota but no workload yet (after the workload, so IDs stay as before)
        for t in spec.tenants where tenantIndex[t.name] == nil {
            tenantIndex[t.name] = organizations.count
            organizations.append(Organization(id: gen.next(.organization), name: t.name, creation: .epoch))
        }
    }

    mutating func place(
        group: WorkloadSpec, number: Int, org: Int, cluster: Int?, gen: inout IDGenerator<Xoshiro256StarStar>
    ) {
        let f = group.flavor
        let name = HostGroupSpec.hostName(group.name, number)
        var inst = Instance(
            id: gen.next(.instance), name: name, cpu: CPUShape(cores: f.vcpus), memory: f.memoryMB, creation: .epoch,
            organizationID: organizations[org].id, flavor: f.name, haPriority: group.haPriority, gpuCount: f.gpus)
        let index = instances.count
        instanceByID[VMID(inst.id)] = index
        let (decision, id) = timedPlace(group.request)
        guard case .placed(let placement) = decision, let id else {
            inst.state = .creating  // waiting for a host: the reference API's CREATING
            instances.append(
                SimInstance(
                    instance: inst, status: .pending, host: nil, gpuIndices: [], cluster: cluster,
                    request: group.request,
                    dirtyRateMB: group.dirtyRateMB))
            claims.append(nil)
            migrationClaims.append(nil)
            if case .rejected(let why) = decision {
                buildLog.append("placement: instance '\(name)' not placed: \(why)")
            }
            return
        }
        let claim = placement.claim
        var gpus: [Int] = []
        for g in claim.gpus.map(\.gpu) where !gpus.contains(g) { gpus.append(g) }
        inst.nodeID = hosts[claim.host].node.id
        inst.state = .running
        for g in gpus { hosts[claim.host].gpus[g].holders.append(index) }
        instances.append(
            SimInstance(
                instance: inst, status: .running, host: claim.host, gpuIndices: gpus, cluster: cluster,
                request: group.request, dirtyRateMB: group.dirtyRateMB))
        claims.append(id)
        migrationClaims.append(nil)
        hostInstances[claim.host].append(index)
    }

    /// Per-host and per-instance state for reports.
    func summary(monitor: HostHealthMonitor, now: UInt64, interval: UInt64) -> SimulationSummary {
        var counts: [InstanceStatus: Int] = [:]
        for i in instances where i.instance.state != .destroying { counts[i.status, default: 0] += 1 }
        let hostRows = hosts.indices.map { h in
            HostSummary(
                name: hosts[h].name, id: hosts[h].node.id.rawValue, template: hosts[h].node.hardware.template,
                rack: hosts[h].node.rack ?? "", power: hosts[h].power.rawValue, health: monitor.health[h].rawValue,
                instances: hostInstances[h].count,
                heartbeats: hosts[h].heartbeat.count(now: now, interval: interval),
                failedGPUs: hosts[h].gpus.count(where: { $0.health == .failed }))
        }
        var s = SimulationSummary(
            hosts: hostRows,
            instanceCounts: InstanceStatus.allCases.map { ($0.rawValue, counts[$0] ?? 0) })
        s.gpuPlacements = instances.indices.compactMap { v in
            let gpus = placedGPUs(v)
            guard !gpus.isEmpty, let h = instances[v].host else { return nil }
            return GPUPlacementSummary(instance: instances[v].instance.name, host: hosts[h].name, gpus: gpus)
        }
        return s
    }

    /// The GPU resources instance `v` holds under its live claim (empty without one).
    public func placedGPUs(_ v: Int) -> [PlacedGPU] {
        guard let id = claims[v], let claim = scheduler.claim(id) else { return [] }
        let hw = hosts[claim.host].node.hardware.gpus
        return claim.gpus.map { a in
            let (mode, profile, count, start): (String, String, Int, Int?)
            switch a {
            case .passthrough: (mode, profile, count, start) = ("passthrough", "", 1, nil)
            case .vfs(_, let n): (mode, profile, count, start) = ("sriov", "", n, nil)
            case .vgpu(_, let t, let n): (mode, profile, count, start) = ("vgpu", t, n, nil)
            case .vgpuMixed(_, let t, let n, _): (mode, profile, count, start) = ("vgpu_mixed", t, n, nil)
            case .mig(_, let p, let s): (mode, profile, count, start) = ("mig", p, 1, s)
            }
            return PlacedGPU(
                gpu: a.gpu, uuid: hw[a.gpu].uuid, model: hw[a.gpu].model, mode: mode, profile: profile, count: count,
                migStart: start)
        }
    }
}
