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
    public var heartbeatInterval: UInt64 = 2 * SimTime.second
    public var suspectAfter: UInt64 = 6 * SimTime.second
    public var unreachableAfter: UInt64 = 20 * SimTime.second
    public var checkInterval: UInt64 = SimTime.second
    /// Median boot time of a host after power-on, and its p99/median ratio.
    public var bootMedian: UInt64 = 120 * SimTime.second
    public var bootP99Ratio: Double = 1.5
    /// BMC command latency: median and p99/median ratio.
    public var bmcMedian: UInt64 = 300 * SimTime.millisecond
    public var bmcP99Ratio: Double = 6
    /// vCPU overcommit ratio for shared CPUs.
    public var cpuOvercommit: Int = 4

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

    static func hostName(_ prefix: String, _ i: Int) -> String { prefix + "-" + (i < 10 ? "0\(i)" : "\(i)") }
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
                ? GPURequest(mode: .passthrough, count: flavor.gpus, nvlink: flavor.gpus > 1 ? .preferred : .none) : nil)
    }
}

/// Which of a host's networks a fault applies to.
public enum NetworkKind: String, Sendable, CaseIterable {
    case management, storage, vm
}

/// A BMC's behaviour.
public enum BMCMode: String, Sendable, CaseIterable {
    /// Does what it is told and reports the truth.
    case healthy
    /// Never answers.
    case timeout
    /// Answers every command with an error.
    case error
    /// Reports success for power commands but does nothing; status reads stay truthful.
    case falseSuccess = "false_success"
    /// Shares the host's power supply: unreachable whenever the host has no power.
    case sharedPower = "shared_power"
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
    case networkCut(host: String, network: NetworkKind)
    /// Hosts in `groups` are split off into separate islands; the control plane stays with the rest.
    case partition(network: NetworkKind, groups: [[String]])
    case bmcFault(host: String, mode: BMCMode)
    case gpuFault(host: String, gpu: Int, xid: Int)
    case bmcCommand(host: String, command: BMCCommand)
    /// Heals one host (power stays as is), or everything when nil.
    case heal(host: String?)

    /// The scenario-file name of the action.
    public var kindName: String {
        switch self {
        case .powerOff: "power_off"
        case .powerOn: "power_on"
        case .networkCut: "network_cut"
        case .partition: "partition"
        case .bmcFault: "bmc_fault"
        case .gpuFault: "gpu_fault"
        case .bmcCommand: "bmc_command"
        case .heal: "heal"
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

/// Observed instance status at the end of a run.
public enum InstanceStatus: String, Sendable, CaseIterable {
    case running, down, error, pending
}

/// Observed GPU health.
public enum GPUHealth: String, Sendable, CaseIterable {
    case healthy, degraded, failed
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
        }
    }
}
