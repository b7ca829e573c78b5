/// How vCPUs are provided: time-shared (overcommittable) or pinned to dedicated logical CPUs.
public enum CPUPolicy: String, Sendable, CaseIterable { case shared, dedicated }

/// NUMA placement: `require` puts every CPU, all memory and every device on one NUMA node;
/// `prefer` tries to and says so when it cannot; `none` does not care.
public enum NUMAAffinity: String, Sendable, CaseIterable { case require, prefer, none }

/// Hugepage backing of an instance's memory.
public enum HugepageSize: String, Sendable, CaseIterable {
    case none
    case size2M = "2M"
    case size1G = "1G"
}

/// How a GPU is shared.
public enum GPUMode: String, Sendable, CaseIterable { case passthrough, sriov, vgpu, mig }

/// NVLink requirement of a multi-GPU request.
public enum NVLinkRequirement: String, Sendable, CaseIterable { case required, preferred, none }

/// Strict rules filter hosts; soft rules only score them.
public enum RuleStrength: String, Sendable, CaseIterable { case strict, soft }

/// Membership of an (anti-)affinity group.
public struct GroupRule: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case affinity
        case antiAffinity = "anti_affinity"
    }

    public var group: String
    public var kind: Kind
    public var strength: RuleStrength

    public init(group: String, kind: Kind, strength: RuleStrength) {
        self.group = group
        self.kind = kind
        self.strength = strength
    }
}

/// The GPU part of a request.
public struct GPURequest: Sendable, Equatable {
    public var mode: GPUMode
    /// MIG profile (`3g.40gb`) or vGPU type (`A100D-20C`); nil for passthrough and SR-IOV.
    public var profile: String?
    /// GPUs (passthrough), VFs (sriov), vGPUs or MIG instances.
    public var count: Int
    /// Preferred GPU model, e.g. `H100-SXM5-80GB`.
    public var model: String?
    public var nvlink: NVLinkRequirement

    public init(
        mode: GPUMode, profile: String? = nil, count: Int = 1, model: String? = nil,
        nvlink: NVLinkRequirement = .none
    ) {
        self.mode = mode
        self.profile = profile
        self.count = count
        self.model = model
        self.nvlink = nvlink
    }
}

/// A placement request: what one instance needs and where it may go.
public struct ResourceRequest: Sendable, Equatable {
    public var vcpus: Int
    public var cpuPolicy: CPUPolicy
    public var memoryMB: Int
    public var hugepages: HugepageSize
    public var numa: NUMAAffinity
    public var cluster: String?
    public var zone: String?
    /// Required host labels, `key=value`, sorted.
    public var labels: [String]
    public var groups: [GroupRule]
    public var gpu: GPURequest?
    /// Hosts (by index) this placement must not use, whatever their state: the host a VM is
    /// leaving, hosts where its start failed. They are reported as cordoned for this request.
    public var excludedHosts: [Int] = []
    /// The only host this placement may use (an operator's migration target), by name.
    public var onlyHost: String?

    public init(
        vcpus: Int, cpuPolicy: CPUPolicy = .shared, memoryMB: Int, hugepages: HugepageSize = .none,
        numa: NUMAAffinity = .none, cluster: String? = nil, zone: String? = nil, labels: [String] = [],
        groups: [GroupRule] = [], gpu: GPURequest? = nil
    ) {
        self.vcpus = vcpus
        self.cpuPolicy = cpuPolicy
        self.memoryMB = memoryMB
        self.hugepages = hugepages
        self.numa = numa
        self.cluster = cluster
        self.zone = zone
        self.labels = labels.sorted()
        self.groups = groups
        self.gpu = gpu
    }

    /// GPU-weighted size used to compare packings: one whole GPU counts 7 (a MIG slice 1).
    public var gpuWeightedSize: Int {
        guard let g = gpu else { return 0 }
        switch g.mode {
        case .passthrough: return 7 * g.count
        case .mig: return (g.profile.flatMap(MIGProfile.named)?.computeSlices ?? 1) * g.count
        case .vgpu:
            let gb = g.profile.flatMap(VGPUType.init)?.framebufferGB ?? 10
            return max(1, gb * 7 / 80) * g.count
        case .sriov: return g.count
        }
    }
}

/// Named request bundles: the resource profiles operators pick from.
public enum ResourceProfiles {
    /// General purpose, database, inference GPU and training GPU profiles.
    public static let builtIn: [(name: String, request: ResourceRequest)] = [
        ("general-purpose", ResourceRequest(vcpus: 4, memoryMB: 16_384)),
        (
            "database",
            ResourceRequest(
                vcpus: 16, cpuPolicy: .dedicated, memoryMB: 131_072, hugepages: .size1G, numa: .require)
        ),
        (
            "inference-gpu",
            ResourceRequest(
                vcpus: 8, memoryMB: 65_536, numa: .prefer, gpu: GPURequest(mode: .mig, profile: "3g.40gb"))
        ),
        (
            "inference-vgpu",
            ResourceRequest(
                vcpus: 8, memoryMB: 32_768, gpu: GPURequest(mode: .vgpu, profile: "L40S-24Q"))
        ),
        (
            "training-gpu",
            ResourceRequest(
                vcpus: 96, cpuPolicy: .dedicated, memoryMB: 1_048_576, numa: .none,
                gpu: GPURequest(mode: .passthrough, count: 8, nvlink: .required))
        ),
    ]

    /// Looks a profile up by name.
    public static func named(_ name: String) -> ResourceRequest? { builtIn.first { $0.name == name }?.request }
}
