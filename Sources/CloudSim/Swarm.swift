import CloudControl
import CloudModel
import CloudRuntime
import CloudScheduler

/// The outcome of one swarm seed.
public struct SwarmSeedResult: Sendable {
    public let seed: UInt64
    /// The options the seed drew, one line.
    public let options: String
    public let violation: InvariantViolation?
    /// Why the liveness phase did not converge (nil: it did).
    public let unconverged: String?
    public let recoveries: [Recovery]
    public let events: UInt64
    public let traceHash: String
    /// The decision log of the run.
    public let log: [String]

    public var passed: Bool { violation == nil && unconverged == nil }
}

/// Test-only defects a swarm can switch on, to prove its checkers can fail.
public struct SwarmMutations: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// The HA manager recovers without fencing (safety: S1/S2 must fire).
    public static let skipFence = SwarmMutations(rawValue: 1)
    /// The storage cluster accepts an unfence before it checks that it can act (liveness: a healed
    /// host never leaves `recovering`).
    public static let acceptBeforeSchedule = SwarmMutations(rawValue: 2)
    /// The HA manager restarts a host's VMs without waiting for higher tiers on other hosts
    /// (S14 must fire).
    public static let ignorePriority = SwarmMutations(rawValue: 4)
}

/// Randomized fault schedules: each seed draws a topology, a workload, a fence configuration
/// and up to four faults for a safety phase, then heals everything for a liveness phase that must
/// converge (every HA VM running or explicitly blocked, no leaked claims).
public enum Swarm {
    /// The safety phase ends and everything is healed at this time.
    public static let healAt: UInt64 = 300 * SimTime.second
    /// The liveness phase must converge by this time.
    public static let deadline: UInt64 = 900 * SimTime.second

    /// The scenario seed `seed` draws, and a one-line description of its options.
    public static func scenario(seed: UInt64, mutations: SwarmMutations = []) -> (ScenarioSpec, String) {
        var rng = Xoshiro256StarStar(seed: seed ^ 0x5EA5_0000_5EED)
        let hosts = 3 + Int(rng.below(5))
        let group = HostGroupSpec(name: "cpu", template: "cpu-2s", count: hosts, racks: ["r1", "r2"])
        let cluster = ClusterSpec(
            name: "general", zone: "az-1", hostGroups: [group],
            policy: ClusterPolicy(name: "general", zone: "az-1", cpuOvercommitPercent: 400))
        var settings = SimSettings()
        settings.unsafeSkipFence = mutations.contains(.skipFence)
        settings.unsafeAcceptBeforeSchedule = mutations.contains(.acceptBeforeSchedule)
        settings.unsafeIgnorePriority = mutations.contains(.ignorePriority)
        settings.ha.fenceCooldownNanoseconds = 180 * SimTime.second
        let levelChoices: [[[FenceMethod]]] = [
            [[.ipmi], [.storage]], [[.ipmi], [.storage]], [[.ipmi]], [[.storage]], [[.lease]], [[.ipmi], [.lease]],
        ]
        settings.ha.fenceLevels = levelChoices[Int(rng.below(UInt64(levelChoices.count)))]
        let workload = drawWorkload(&rng, hosts: hosts)
        var timeline: [TimedAction] = []
        var drawn: [String] = []
        let faults = 1 + Int(rng.below(4))
        for _ in 0..<faults {
            let (actions, text) = drawFault(&rng, hosts: group.hostNames, levels: settings.ha.fenceLevels)
            timeline += actions
            drawn.append(text)
        }
        timeline.sort { $0.at < $1.at }
        timeline.append(TimedAction(at: healAt, action: .heal(host: nil)))
        timeline.append(TimedAction(at: healAt, action: .powerOn(hosts: group.hostNames)))
        timeline.append(TimedAction(at: healAt, action: .admin(.arm)))
        let spec = ScenarioSpec(
            name: "swarm-\(seed)", seed: seed, duration: deadline, settings: settings,
            datacenters: [DatacenterSpec(name: "dc", clusters: [cluster])], workload: workload, timeline: timeline,
            expectations: [])
        let levels = settings.ha.fenceLevels.map { $0.map(\.rawValue).joined(separator: "+") }.joined(separator: ",")
        let vms = workload.reduce(0) { $0 + $1.count }
        return (spec, "hosts=\(hosts) vms=\(vms) fence=\(levels) faults=[\(drawn.joined(separator: "; "))]")
    }

    static func drawWorkload(_ rng: inout Xoshiro256StarStar, hosts: Int) -> [WorkloadSpec] {
        let medium = Flavor.named("m1.medium") ?? Flavor(name: "m1.medium", vcpus: 4, memoryMB: 8192)
        let large = Flavor.named("m1.large") ?? Flavor(name: "m1.large", vcpus: 8, memoryMB: 32768)
        var db = WorkloadSpec(
            name: "db", count: 1 + Int(rng.below(3)), flavor: large, tenant: "acme", haPriority: .critical, cluster: nil
        )
        db.request.groups = [GroupRule(group: "db", kind: .antiAffinity, strength: .strict)]
        db.dirtyRateMB = 400
        let web = WorkloadSpec(
            name: "web", count: 2 + Int(rng.below(UInt64(2 * hosts))), flavor: large, tenant: "acme", haPriority: .high,
            cluster: nil)
        let cache = WorkloadSpec(
            name: "cache", count: 2 + Int(rng.below(UInt64(3 * hosts))), flavor: medium, tenant: "acme",
            haPriority: .normal, cluster: nil)
        let batch = WorkloadSpec(
            name: "batch", count: Int(rng.below(4)), flavor: medium, tenant: "globex", haPriority: .none, cluster: nil)
        return [db, web, cache, batch]
    }

    static func drawFault(
        _ rng: inout Xoshiro256StarStar, hosts: [String], levels: [[FenceMethod]]
    )
        -> ([TimedAction], String)
    {
        let at = (30 + rng.below(210)) * SimTime.second
        let h = hosts[Int(rng.below(UInt64(hosts.count)))]
        let t = "@\(at / SimTime.second)s"
        let kind = rng.below(17)
        if kind >= 11 { return drawNewFault(kind, &rng, at: at, host: h, hosts: hosts, levels: levels) }
        switch kind {
        case 0: return ([TimedAction(at: at, action: .powerOff(hosts: [h]))], "power_off \(h) \(t)")
        case 1:
            let modes: [BMCMode] = [.timeout, .error, .falseSuccess, .sharedPower]
            let mode = modes[Int(rng.below(4))]
            return (
                [
                    TimedAction(at: at, action: .bmcFault(host: h, mode: mode)),
                    TimedAction(at: at, action: .powerOff(hosts: [h])),
                ], "bmc \(mode.rawValue)+power_off \(h) \(t)"
            )
        case 2, 3, 4, 5:
            return drawNetworkFault(kind, &rng, at: at, host: h, hosts: hosts)
        case 6:
            let triggers: [CrashTrigger] = [.now, .fenceSent, .startSent]
            let tr = triggers[Int(rng.below(3))]
            return (
                [TimedAction(at: at, action: .crashLeader(trigger: tr, restartAfter: 30 * SimTime.second))],
                "crash_leader \(tr.rawValue) \(t)"
            )
        case 7:
            return ([TimedAction(at: at, action: .storageOutage(duration: 60 * SimTime.second))], "storage_outage \(t)")
        case 8: return ([TimedAction(at: at, action: .storeOutage(duration: 90 * SimTime.second))], "store_outage \(t)")
        case 9:
            let p: StalledProcess = rng.below(2) == 0 ? .agent : .manager
            return (
                [TimedAction(at: at, action: .stall(host: h, process: p, duration: 90 * SimTime.second))],
                "stall \(p.rawValue) \(h) \(t)"
            )
        default:
            // a broken watchdog is only survivable with a fence level that does not trust the lease
            guard levels.contains(where: { !$0.contains(.lease) }) else {
                return ([TimedAction(at: at, action: .powerOff(hosts: [h]))], "power_off \(h) \(t)")
            }
            return (
                [
                    TimedAction(at: at, action: .watchdog(host: h, broken: true)),
                    TimedAction(at: at, action: .networkCut(host: h, network: .management)),
                ],
                "zombie(broken watchdog+mgmt_cut) \(h) \(t)"
            )
        }
    }

    /// The network faults of `drawFault` (kinds 2 to 5): a management partition, a cut link, a
    /// cut storage link, a flapping link.
    static func drawNetworkFault(
        _ kind: UInt64, _ rng: inout Xoshiro256StarStar, at: UInt64, host h: String, hosts: [String]
    ) -> ([TimedAction], String) {
        let t = "@\(at / SimTime.second)s"
        switch kind {
        case 2:
            let k = max(1, (hosts.count - 1) / 2)
            let start = Int(rng.below(UInt64(hosts.count)))
            let group = (0..<k).map { hosts[(start + $0) % hosts.count] }
            return (
                [TimedAction(at: at, action: .partition(network: .management, groups: [group]))],
                "partition \(group.joined(separator: ",")) \(t)"
            )
        case 3:
            let down = (5 + rng.below(60)) * SimTime.second
            return (
                [
                    TimedAction(at: at, action: .networkCut(host: h, network: .management)),
                    TimedAction(at: at + down, action: .networkRestore(host: h, network: .management)),
                ],
                "mgmt_cut \(h) \(down / SimTime.second)s \(t)"
            )
        case 4:
            return ([TimedAction(at: at, action: .networkCut(host: h, network: .storage))], "storage_cut \(h) \(t)")
        default:
            var out: [TimedAction] = []
            for c in 0..<UInt64(4) {
                let s = at + c * 30 * SimTime.second
                out.append(TimedAction(at: s, action: .networkCut(host: h, network: .management)))
                out.append(
                    TimedAction(at: s + 15 * SimTime.second, action: .networkRestore(host: h, network: .management)))
            }
            return (out, "flap \(h) \(t)")
        }
    }

    /// The fault kinds 11 to 16: a management switch outage, an even split, a storage path lost
    /// for a while, a shared-power BMC whose host's power returns, a BMC that lies about power
    /// status, a rack power loss with one slow BMC.
    static func drawNewFault(
        _ kind: UInt64, _ rng: inout Xoshiro256StarStar, at: UInt64, host h: String, hosts: [String],
        levels: [[FenceMethod]]
    ) -> ([TimedAction], String) {
        let t = "@\(at / SimTime.second)s"
        switch kind {
        case 11:
            let down = (30 + rng.below(120)) * SimTime.second
            var out: [TimedAction] = []
            for x in hosts {
                out.append(TimedAction(at: at, action: .networkCut(host: x, network: .management)))
                out.append(TimedAction(at: at + down, action: .networkRestore(host: x, network: .management)))
            }
            return (out, "mgmt_switch_outage \(down / SimTime.second)s \(t)")
        case 12:
            let group = Array(hosts.prefix(hosts.count / 2))
            return (
                [TimedAction(at: at, action: .partition(network: .management, groups: [group]))],
                "even_split \(group.joined(separator: ",")) \(t)"
            )
        case 13:
            let down = (20 + rng.below(150)) * SimTime.second
            return (
                [
                    TimedAction(at: at, action: .networkCut(host: h, network: .storage)),
                    TimedAction(at: at + down, action: .networkRestore(host: h, network: .storage)),
                ], "storage_path_loss \(h) \(down / SimTime.second)s \(t)"
            )
        case 14:
            let back = (60 + rng.below(150)) * SimTime.second
            return (
                [
                    TimedAction(at: at, action: .bmcFault(host: h, mode: .sharedPower)),
                    TimedAction(at: at, action: .powerOff(hosts: [h])),
                    TimedAction(at: at + back, action: .powerOn(hosts: [h])),
                ], "bmc_standby shared_power+power_off \(h) back after \(back / SimTime.second)s \(t)"
            )
        case 15:
            // a lying status read cannot be caught by IPMI alone on a host cut off from both
            // networks (another fault may cut its storage too): with a level that trusts IPMI
            // alone, the lying BMC's host really loses power
            let cut = rng.below(2) == 0 && !levels.contains([.ipmi])
            let fault: FaultAction = cut ? .networkCut(host: h, network: .management) : .powerOff(hosts: [h])
            return (
                [
                    TimedAction(at: at, action: .bmcFault(host: h, mode: .lyingStatus)),
                    TimedAction(at: at, action: fault),
                ],
                "lying_status+\(cut ? "mgmt_cut" : "power_off") \(h) \(t)"
            )
        default:
            let rack = stride(from: 0, to: hosts.count, by: 2).map { hosts[$0] }
            let slow = rack[Int(rng.below(UInt64(rack.count)))]
            return (
                [
                    TimedAction(at: at, action: .bmcFault(host: slow, mode: .timeout)),
                    TimedAction(at: at, action: .powerOff(hosts: rack)),
                ], "rack_power_loss r1 (slow bmc \(slow)) \(t)"
            )
        }
    }

    /// Runs seed `seed`: the safety phase, then the liveness phase and its convergence check.
    public static func run(seed: UInt64, mutations: SwarmMutations = []) -> SwarmSeedResult {
        let (spec, options) = scenario(seed: seed, mutations: mutations)
        do {
            var sim = try Simulation(spec: spec, seed: seed)
            let r = sim.run()
            let unconverged = r.violation == nil ? sim.convergenceProblem() : nil
            return SwarmSeedResult(
                seed: seed, options: options, violation: r.violation, unconverged: unconverged,
                recoveries: r.recoveries, events: r.events, traceHash: r.traceHash, log: r.log)
        } catch {
            return SwarmSeedResult(
                seed: seed, options: options, violation: nil, unconverged: "could not build: \(error)",
                recoveries: [], events: 0, traceHash: "", log: [])
        }
    }
}

extension Simulation {
    /// Liveness (S12): every healed host is back in service (`online` and schedulable, or in the
    /// maintenance an operator asked for); every HA VM runs where the manager thinks it does, or is
    /// explicitly blocked (`error`, or waiting with a reason); no instance holds a claim it should not.
    /// `endOfScenario`: a scenario may end without healing, so a host cut off from the quorum is
    /// not expected back, and one still in its fence cooldown (online, not yet schedulable)
    /// counts as back; the swarm heals everything and its liveness phase accepts neither.
    func convergenceProblem(endOfScenario: Bool = false) -> String? {
        for h in world.hosts.indices where world.hosts[h].power == .on && (!endOfScenario || inQuorum(h)) {
            guard let r = control.store[host: world.hostID(h)] else {
                return "node '\(world.hosts[h].name)' has no HA record"
            }
            if r.state == .maintenance && r.maintenanceRequested { continue }
            if endOfScenario && r.state == .online,
                let last = r.lastFenceAt, Instant.virtual(kernel.now) < last + control.config.fenceCooldownNanoseconds
            {
                continue
            }
            guard r.state == .online, r.schedulable, !world.scheduler.hosts[h].cordoned else {
                return "node '\(world.hosts[h].name)' is healed but \(r.state.rawValue)"
                    + (r.schedulable ? "" : ", not schedulable")
                    + (r.hostCommand.map { ", waiting for command \($0.id)" } ?? "")
            }
        }
        for r in control.store.vms {
            guard let i = world.instance(r.id) else { return "vm '\(r.name)' is not an instance of the world" }
            // at the end of a scenario, a blocklisted host cut off from the quorum may still hold
            // processes that cannot write (a zombie): they do not run the VM
            let procs = ha.procs[i].filter { !endOfScenario || inQuorum($0) || !ha.blocklisted[$0] }
            let node = r.node.flatMap(world.host)
            switch r.state {
            case .started:
                guard let n = node, procs == [n], r.command == nil else {
                    return "vm '\(r.name)' is started on \(hostTag(node)) but runs on ["
                        + procs.map { world.hosts[$0].name }.joined(separator: ",") + "]"
                }
                guard r.claim?.host == r.node else {
                    return "vm '\(r.name)' is started on \(hostTag(node)) but its HA record holds a claim on "
                        + (r.claim.map { control.hostName($0.host) } ?? "no host")
                }
            case .error:
                continue
            case .recovery, .fence:
                guard r.blocked != nil, r.command == nil else {
                    return "vm '\(r.name)' still in \(r.state.rawValue) without a reason to wait"
                }
            default:
                return "vm '\(r.name)' still in \(r.state.rawValue)"
            }
        }
        for i in world.instances.indices where world.claims[i] != nil {
            if let r = control.store[vm: world.vmID(i)] {
                let node = r.node.flatMap(world.host)
                guard r.state == .started || r.state == .fence, world.instances[i].host == node else {
                    return "instance '\(world.instances[i].instance.name)' holds a claim on "
                        + "\(hostTag(world.instances[i].host)) while HA has it \(r.state.rawValue) on \(hostTag(node))"
                }
            }
            if world.migrationClaims[i] != nil {
                return "instance \(world.instances[i].instance.name) leaked a migration claim"
            }
        }
        return nil
    }
}
