import CloudControl
import CloudModel
import CloudScheduler

/// A validated scenario, independent of its file format: the simulated runtime's input.
public struct ScenarioSpec: Sendable {
    public var name: String
    public var description: String
    public var seed: UInt64
    /// Simulated duration in nanoseconds.
    public var duration: UInt64
    public var settings: SimSettings
    public var datacenters: [DatacenterSpec]
    public var workload: [WorkloadSpec]
    public var timeline: [TimedAction]
    public var expectations: [ScenarioExpectation]
    /// Tenants with quotas (tenants that only appear in the workload have none).
    public var tenants: [TenantSpec] = []
    /// Random arrivals, lifetimes and failures (none by default).
    public var processes = ProcessSpec()

    public init(
        name: String, description: String = "", seed: UInt64, duration: UInt64, settings: SimSettings = .init(),
        datacenters: [DatacenterSpec], workload: [WorkloadSpec], timeline: [TimedAction],
        expectations: [ScenarioExpectation]
    ) {
        self.name = name
        self.description = description
        self.seed = seed
        self.duration = duration
        self.settings = settings
        self.datacenters = datacenters
        self.workload = workload
        self.timeline = timeline
        self.expectations = expectations
    }

    /// Every host name in declaration order (datacenter, cluster, group, index).
    public var hostNames: [String] { datacenters.hostNames }
}

extension [DatacenterSpec] {
    /// Every host name in declaration order (datacenter, cluster, group, index).
    public var hostNames: [String] { flatMap { $0.clusters.flatMap { $0.hostGroups.flatMap(\.hostNames) } } }
}

/// Tunables of the simulated runtime.
public struct SimSettings: Sendable, Equatable {
    /// The agents' heartbeat interval: the HA configuration's (one configuration for the monitor
    /// and the HA manager).
    public var heartbeatIntervalNanoseconds: UInt64 {
        get { ha.heartbeatIntervalNanoseconds }
        set { ha.heartbeatIntervalNanoseconds = newValue }
    }
    /// Silence after which a host is suspect: the HA configuration's.
    public var suspectAfterNanoseconds: UInt64 {
        get { ha.suspectAfterNanoseconds }
        set { ha.suspectAfterNanoseconds = newValue }
    }
    /// Silence after which a host is unreachable (and may be fenced): the HA fence delay.
    public var unreachableAfter: UInt64 {
        get { ha.fenceDelayNanoseconds }
        set { ha.fenceDelayNanoseconds = newValue }
    }
    /// Interval of the detector's checks and of the HA rounds: the HA round interval.
    public var checkInterval: UInt64 {
        get { ha.roundIntervalNanoseconds }
        set { ha.roundIntervalNanoseconds = newValue }
    }
    /// Median boot time of a host after power-on, and its p99/median ratio.
    public var bootMedian: UInt64 = 120 * SimTime.second
    public var bootP99Ratio: Double = 1.5
    /// BMC command latency: median and p99/median ratio.
    public var bmcMedian: UInt64 = 300 * SimTime.millisecond
    public var bmcP99Ratio: Double = 6
    /// vCPU overcommit ratio for shared CPUs.
    public var cpuOvercommit: Int = 4
    /// Events between full audits of the invariants (checked incrementally in between; 1: the
    /// full check after every event; 0: only at the start and the end of the run).
    public var auditEvery: UInt64 = 65_536
    /// The HA manager's timers, fence levels and restart policy.
    public var ha = HAConfig()
    /// Median time from a VM start command to the hypervisor reporting the VM running (libvirt
    /// domain started: QEMU up, disks and ports attached; guest boot comes on top, as in Proxmox's
    /// figures), and its p99/median ratio.
    public var vmStartMedian: UInt64 = 3 * SimTime.second
    public var vmStartP99Ratio: Double = 2.5
    /// Live-migration link bandwidth in MB/s, and the downtime the switchover aims for.
    public var migrationBandwidthMB: Int = 1250
    public var migrationMaxDowntime: UInt64 = 300 * SimTime.millisecond
    /// Latency of a storage blocklist until the map epoch containing it is published.
    public var blocklistMedian: UInt64 = 1500 * SimTime.millisecond
    /// How membership breaks a tie when exactly half of an even cluster can see each other.
    public var tieBreaker = TieBreaker.witness
    /// Test-only mutation switch: the HA manager recovers without fencing.
    public var unsafeSkipFence = false
    /// Test-only mutation switch: the storage cluster accepts an unfence before it checks that it
    /// can act (the defect the liveness phase must catch: a host stays `recovering` for ever).
    public var unsafeAcceptBeforeSchedule = false
    /// Test-only mutation switch: the HA manager restarts each host's VMs as soon as its own
    /// fence completes, without waiting for higher tiers on other hosts (S14 must fire).
    public var unsafeIgnorePriority = false

    public init() {}
}

/// A datacenter with its clusters.
public struct DatacenterSpec: Sendable {
    public var name: String
    public var clusters: [ClusterSpec]
    public init(name: String, clusters: [ClusterSpec]) {
        self.name = name
        self.clusters = clusters
    }
}

/// A cluster with its host groups and placement policy.
public struct ClusterSpec: Sendable {
    public var name: String
    public var zone: String
    public var hostGroups: [HostGroupSpec]
    /// Placement policy; its CPU overcommit defaults to the scenario's `cpu_overcommit`.
    public var policy: ClusterPolicy?
    public init(name: String, zone: String, hostGroups: [HostGroupSpec], policy: ClusterPolicy? = nil) {
        self.name = name
        self.zone = zone
        self.hostGroups = hostGroups
        self.policy = policy
    }
}

/// `count` hosts of one template, named `name-01`, `name-02` …, spread round-robin over racks.
public struct HostGroupSpec: Sendable {
    public var name: String
    public var template: String
    public var count: Int
    public var racks: [String]
    public init(name: String, template: String, count: Int, racks: [String]) {
        precondition(!racks.isEmpty, "a host group needs at least one rack")
        self.name = name
        self.template = template
        self.count = count
        self.racks = racks
    }

    /// The generated host names.
    public var hostNames: [String] { (1...max(count, 1)).prefix(count).map { Self.hostName(name, $0) } }

    /// The rack of each generated host, in `hostNames` order (round-robin over `racks`).
    public var hostRacks: [String] { (0..<count).map { racks[$0 % racks.count] } }

    /// `prefix-01` … `prefix-99`, `prefix-100` ….
    public static func hostName(_ prefix: String, _ i: Int) -> String { prefix + "-" + (i < 10 ? "0\(i)" : "\(i)") }
}

/// `count` instances of one flavor for one tenant.
public struct WorkloadSpec: Sendable {
    /// What the scheduler is asked for each instance: the flavor's resources (multi-GPU
    /// passthrough prefers NVLink), the cluster constraint, and any overrides of the scenario.
    public var request: ResourceRequest
    public var name: String
    public var count: Int
    public var flavor: Flavor
    public var tenant: String
    public var haPriority: HAPriority
    /// Cluster name constraint.
    public var cluster: String?
    /// Memory dirtied per second while running, in MB (live-migration convergence).
    public var dirtyRateMB: Int = 50
    public init(
        name: String, count: Int, flavor: Flavor, tenant: String, haPriority: HAPriority, cluster: String?
    ) {
        self.name = name
        self.count = count
        self.flavor = flavor
        self.tenant = tenant
        self.haPriority = haPriority
        self.cluster = cluster
        request = ResourceRequest(
            vcpus: flavor.vcpus, memoryMB: flavor.memoryMB, cluster: cluster,
            gpu: flavor.gpus > 0
                ? GPURequest(mode: .passthrough, count: flavor.gpus, nvlink: flavor.gpus > 1 ? .preferred : .none) : nil
        )
    }
}

/// Which of a host's networks a fault applies to.
public enum NetworkKind: String, Sendable, CaseIterable {
    case management, storage, vm
}

/// A BMC command.
public enum BMCCommand: String, Sendable, CaseIterable {
    case powerOff = "power_off"
    case powerOn = "power_on"
    case powerStatus = "power_status"
}

/// One fault or operator action of a timeline.
public enum FaultAction: Sendable, Equatable {
    case powerOff(hosts: [String])
    case powerOn(hosts: [String])
    /// The hosts' feed is cut: they stay off (their BMCs cannot power them on) until `power_on`
    /// or `heal`; a `shared_power` BMC is dark with them.
    case powerCut(hosts: [String])
    case networkCut(host: String, network: NetworkKind)
    /// Hosts in `groups` are split off into separate islands; the control plane stays with the rest.
    case partition(network: NetworkKind, groups: [[String]])
    case bmcFault(host: String, mode: BMCMode)
    case gpuFault(host: String, gpu: Int, xid: Int)
    case bmcCommand(host: String, command: BMCCommand)
    /// Heals one host (power stays as is), or everything when nil.
    case heal(host: String?)
    /// Brings one network link of a host back.
    case networkRestore(host: String, network: NetworkKind)
    /// A process stops being scheduled for a while (SIGSTOP, a long GC pause).
    case stall(host: String, process: StalledProcess, duration: UInt64)
    /// Commands the leader sends to `host`'s agent during the next `window` arrive `delay` late
    /// (a congested or flapping management path): a late one may meet an agent that already
    /// obeys a newer leader (S4).
    case commandDelay(host: String, delay: UInt64, window: UInt64)
    /// The leader's manager process crashes (now, or right after it sends its next fence or start)
    /// and restarts after `restartAfter`.
    case crashLeader(trigger: CrashTrigger, restartAfter: UInt64)
    /// The control-plane store (where HA state is persisted) is unavailable for a while.
    case storeOutage(duration: UInt64)
    /// The storage cluster (blocklists, storage heartbeats) is unavailable for a while.
    case storageOutage(duration: UInt64)
    /// A host's watchdog stops working (broken: true) or works again.
    case watchdog(host: String, broken: Bool)
    /// The next `count` starts of a VM (or of any VM on a host) fail.
    case startFailures(vm: String?, host: String?, count: Int)
    /// An operator request.
    case admin(OperatorAction)

    /// The scenario-file name of the action.
    public var kindName: String {
        switch self {
        case .powerOff: "power_off"
        case .powerOn: "power_on"
        case .powerCut: "power_cut"
        case .networkCut: "network_cut"
        case .partition: "partition"
        case .bmcFault: "bmc_fault"
        case .gpuFault: "gpu_fault"
        case .bmcCommand: "bmc_command"
        case .heal: "heal"
        case .networkRestore: "network_restore"
        case .stall: "stall"
        case .commandDelay: "command_delay"
        case .crashLeader: "crash_leader"
        case .storeOutage: "store_outage"
        case .storageOutage: "storage_outage"
        case .watchdog: "watchdog"
        case .startFailures: "start_failures"
        case .admin(let a): a.kindName
        }
    }
}

/// Which process of a host stalls.
public enum StalledProcess: String, Sendable, CaseIterable {
    case agent, manager
}

/// When a leader crash fires.
public enum CrashTrigger: String, Sendable, CaseIterable {
    /// At the timeline entry's time.
    case now
    /// Right after the leader sends its next fence command.
    case fenceSent = "fence_sent"
    /// Right after the leader sends its next VM start, before any answer is recorded.
    case startSent = "start_sent"
}

/// An operator request in a timeline, by name.
public enum OperatorAction: Sendable, Equatable {
    case maintenance(host: String, enable: Bool)
    case shutdown(host: String, policy: ShutdownPolicy)
    case fenceAck(host: String, by: String?)
    case disarm
    case arm
    case lock(vm: String, name: String)
    case migrate(vm: String, to: String)

    public var kindName: String {
        switch self {
        case .maintenance: "maintenance"
        case .shutdown: "shutdown"
        case .fenceAck: "fence_ack"
        case .disarm: "disarm"
        case .arm: "arm"
        case .lock: "lock"
        case .migrate: "migrate"
        }
    }
}

/// An action at a virtual time.
public struct TimedAction: Sendable, Equatable {
    public var at: UInt64
    public var action: FaultAction
    public init(at: UInt64, action: FaultAction) {
        self.at = at
        self.action = action
    }
}

/// A check made at the end of a run.
public enum ScenarioExpectation: Sendable, Equatable {
    case noViolations
    case hostPower(host: String, on: Bool)
    case hostHealth(host: String, state: String)
    /// The host became unreachable no later than `seconds` after its last fault.
    case detectedWithin(host: String, seconds: UInt64)
    case instances(status: InstanceStatus, min: Int?, max: Int?)
    case gpuHealth(host: String, gpu: Int, state: GPUHealth)
    case logContains(String)
    case logAbsent(String)
    /// The HA manager's state of a VM (and optionally the host it is on).
    case vmState(vm: String, state: HAVMState, host: String?)
    /// A VM has a running process (optionally on a given host).
    case vmRunning(vm: String, host: String?)
    /// Completed fences of a host.
    case fences(host: String, count: Int)
    /// RTO percentile bound: 99th percentile (and max) of recovery times at most `seconds`.
    case rtoP99(seconds: UInt64)
    /// VMs in an HA state, within bounds; `started` counts only VMs that also run in the world
    /// on the node the manager has them on.
    case haVMs(state: HAVMState, min: Int?, max: Int?)
    /// RTO bound on the recoveries of one tier (all tiers when nil): p99 at most `seconds`.
    case rtoTier(tier: HAPriority?, seconds: UInt64)
    /// Within each incident, every VM of a higher tier ran again before any VM of a lower tier.
    case tierOrder
    /// S12 liveness at the end of the run (true: converged; false: the scenario ends unconverged
    /// on purpose). Every run checks `converged: true` unless the scenario says otherwise.
    case converged(Bool)

    /// Short name for reports and JUnit test case names.
    public var name: String {
        switch self {
        case .noViolations: "no_violations"
        case .hostPower(let h, let on): "host_power \(h) \(on ? "on" : "off")"
        case .hostHealth(let h, let s): "host_state \(h) \(s)"
        case .detectedWithin(let h, let s): "detected_within \(h) \(s)s"
        case .instances(let st, let lo, let hi):
            "instances \(st.rawValue)" + (lo.map { " min \($0)" } ?? "") + (hi.map { " max \($0)" } ?? "")
        case .gpuHealth(let h, let g, let s): "gpu_health \(h) gpu\(g) \(s.rawValue)"
        case .logContains(let t): "log_contains \"\(t)\""
        case .logAbsent(let t): "log_absent \"\(t)\""
        case .vmState(let v, let s, let h): "vm_state \(v) \(s.rawValue)" + (h.map { " on \($0)" } ?? "")
        case .vmRunning(let v, let h): "vm_running \(v)" + (h.map { " on \($0)" } ?? "")
        case .fences(let h, let n): "fences \(h) == \(n)"
        case .rtoP99(let s): "rto_p99 <= \(s)s"
        case .haVMs(let st, let lo, let hi):
            "ha_vms \(st.rawValue)" + (lo.map { " min \($0)" } ?? "") + (hi.map { " max \($0)" } ?? "")
        case .rtoTier(let t, let s): "rto_p99 \(t?.rawValue ?? "all") <= \(s)s"
        case .tierOrder: "tier_order"
        case .converged(let c): c ? "S12_liveness converged" : "S12_liveness not converged (on purpose)"
        }
    }
}

/// A tenant and its quota (nil: no limit on that resource).
public struct TenantSpec: Sendable, Equatable {
    public var name: String
    public var vcpus: Int?
    public var memoryGB: Int?
    public var gpus: Int?
    public var instances: Int?

    public init(name: String, vcpus: Int? = nil, memoryGB: Int? = nil, gpus: Int? = nil, instances: Int? = nil) {
        self.name = name
        self.vcpus = vcpus
        self.memoryGB = memoryGB
        self.gpus = gpus
        self.instances = instances
    }
}
