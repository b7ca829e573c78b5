/// One NUMA node of a host: its CPUs, memory and hugepage pools.
public struct NUMANode: Hashable, Sendable, Codable {
    public var id: Int
    public var socket: Int
    /// Logical CPUs (hardware threads) on this node.
    public var cpus: Int
    public var memoryMB: Int
    /// 2 MiB hugepages reserved on this node.
    public var hugepages2M: Int
    /// 1 GiB hugepages reserved on this node.
    public var hugepages1G: Int

    public init(id: Int, socket: Int, cpus: Int, memoryMB: Int, hugepages2M: Int = 0, hugepages1G: Int = 0) {
        self.id = id
        self.socket = socket
        self.cpus = cpus
        self.memoryMB = memoryMB
        self.hugepages2M = hugepages2M
        self.hugepages1G = hugepages1G
    }

    enum CodingKeys: String, CodingKey {
        case id, socket, cpus
        case memoryMB = "memory_mb", hugepages2M = "hugepages_2m", hugepages1G = "hugepages_1g"
    }
}

/// A CPU socket.
public struct CPUSocket: Hashable, Sendable, Codable {
    public var id: Int
    public var model: String
    public var cores: Int
    public var threadsPerCore: Int

    public init(id: Int, model: String, cores: Int, threadsPerCore: Int) {
        self.id = id
        self.model = model
        self.cores = cores
        self.threadsPerCore = threadsPerCore
    }

    enum CodingKeys: String, CodingKey {
        case id, model, cores
        case threadsPerCore = "threads_per_core"
    }
}

/// What a GPU can be shared as.
public struct GPUCapabilities: Hashable, Sendable, Codable {
    public var passthrough: Bool
    /// SR-IOV virtual functions the GPU exposes (0 = none).
    public var sriovVFs: Int
    /// MIG profiles the GPU supports, e.g. `1g.10gb`, `3g.40gb`, `7g.80gb` (empty = no MIG).
    public var migProfiles: [String]
    /// vGPU types, e.g. `A100D-20C` (empty = no vGPU).
    public var vgpuTypes: [String]
    /// The GPU can serve vGPU types of different sizes at once (mixed-size mode).
    public var vgpuMixedSizes: Bool

    public init(
        passthrough: Bool = true, sriovVFs: Int = 0, migProfiles: [String] = [], vgpuTypes: [String] = [],
        vgpuMixedSizes: Bool = false
    ) {
        self.passthrough = passthrough
        self.sriovVFs = sriovVFs
        self.migProfiles = migProfiles
        self.vgpuTypes = vgpuTypes
        self.vgpuMixedSizes = vgpuMixedSizes
    }

    enum CodingKeys: String, CodingKey {
        case passthrough
        case sriovVFs = "sriov_vfs", migProfiles = "mig_profiles", vgpuTypes = "vgpu_types"
        case vgpuMixedSizes = "vgpu_mixed_sizes"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        passthrough = try c.decode(Bool.self, forKey: .passthrough)
        sriovVFs = try c.decode(Int.self, forKey: .sriovVFs)
        migProfiles = try c.decode([String].self, forKey: .migProfiles)
        vgpuTypes = try c.decode([String].self, forKey: .vgpuTypes)
        vgpuMixedSizes = try c.decodeIfPresent(Bool.self, forKey: .vgpuMixedSizes) ?? false
    }
}

/// A physical GPU.
public struct GPU: Hashable, Sendable, Codable {
    public var index: Int
    /// `GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, as nvidia-smi prints it.
    public var uuid: String
    public var model: String
    public var vramMB: Int
    public var numaNode: Int
    /// PCI address `DDDD:BB:DD.F`.
    public var pciAddress: String
    public var capabilities: GPUCapabilities
    /// The 1-based module ID of an SXM GPU on an HGX baseboard (`nvidia-smi -q`, "Module ID"),
    /// which Fabric Manager partitions name; nil where the board has none (then index + 1).
    public var moduleID: Int?

    public init(
        index: Int, uuid: String, model: String, vramMB: Int, numaNode: Int, pciAddress: String,
        capabilities: GPUCapabilities, moduleID: Int? = nil
    ) {
        self.moduleID = moduleID
        self.index = index
        self.uuid = uuid
        self.model = model
        self.vramMB = vramMB
        self.numaNode = numaNode
        self.pciAddress = pciAddress
        self.capabilities = capabilities
    }

    enum CodingKeys: String, CodingKey {
        case index, uuid, model, capabilities
        case vramMB = "vram_mb", numaNode = "numa_node", pciAddress = "pci_address", moduleID = "module_id"
    }
}

/// How two GPUs of a host talk, in `nvidia-smi topo -m` terms.
public enum GPULink: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The same GPU.
    case selfLink
    /// Through an NVSwitch fabric, with the given NVLink count per GPU (`NV18` on H100 SXM).
    case nvswitch(links: Int)
    /// Direct NVLink (bridge) with the given link count (`NV12` on an A100 PCIe pair).
    case nvlink(links: Int)
    /// PCIe through a switch (`PIX`/`PXB`).
    case pcieSwitch
    /// PCIe through the host bridge of the same NUMA node (`NODE`/`PHB`).
    case pcieHostBridge
    /// PCIe across sockets (`SYS`).
    case crossSocket

    /// Approximate unidirectional bandwidth in GB/s, used for scoring.
    public var bandwidthGBps: Int {
        switch self {
        case .selfLink: 0
        case .nvswitch(let n), .nvlink(let n): n * 25
        case .pcieSwitch: 32
        case .pcieHostBridge: 24
        case .crossSocket: 16
        }
    }

    /// The `nvidia-smi topo -m` spelling (`X`, `NV18`, `PIX`, `NODE`, `SYS`).
    public var description: String {
        switch self {
        case .selfLink: "X"
        case .nvswitch(let n), .nvlink(let n): "NV\(n)"
        case .pcieSwitch: "PIX"
        case .pcieHostBridge: "NODE"
        case .crossSocket: "SYS"
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        switch text {
        case "X": self = .selfLink
        case "PIX", "PXB": self = .pcieSwitch
        case "NODE", "PHB": self = .pcieHostBridge
        case "SYS": self = .crossSocket
        default:
            if text.hasPrefix("NVS"), let n = Int(text.dropFirst(3)) {
                self = .nvswitch(links: n)
            } else if text.hasPrefix("NV"), let n = Int(text.dropFirst(2)) {
                self = .nvlink(links: n)
            } else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "unknown GPU link '\(text)'")
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .nvswitch(let n): try c.encode("NVS\(n)")
        default: try c.encode(description)
        }
    }

    /// True for NVLink or NVSwitch connectivity.
    public var isNVLink: Bool {
        switch self {
        case .nvswitch, .nvlink: true
        default: false
        }
    }
}

/// A network interface card.
public struct NIC: Hashable, Sendable, Codable {
    public var name: String
    public var model: String
    public var speedGbps: Int
    public var sriovVFs: Int
    public var numaNode: Int
    /// Which of the host's networks the NIC carries: `management`, `storage`, `vm`.
    public var roles: [String]

    public init(name: String, model: String, speedGbps: Int, sriovVFs: Int, numaNode: Int, roles: [String]) {
        self.name = name
        self.model = model
        self.speedGbps = speedGbps
        self.sriovVFs = sriovVFs
        self.numaNode = numaNode
        self.roles = roles
    }

    enum CodingKeys: String, CodingKey {
        case name, model, roles
        case speedGbps = "speed_gbps", sriovVFs = "sriov_vfs", numaNode = "numa_node"
    }
}

/// The baseboard management controller of a host.
public struct BMCInfo: Hashable, Sendable, Codable {
    public var address: String
    public var vendor: String
    public var interface: String

    public init(address: String, vendor: String, interface: String = "lanplus") {
        self.address = address
        self.vendor = vendor
        self.interface = interface
    }
}

/// The hardware of one host.
public struct HostTopology: Hashable, Sendable, Codable {
    public var template: String
    public var sockets: [CPUSocket]
    public var numaNodes: [NUMANode]
    public var gpus: [GPU]
    /// `gpuLinks[i][j]`: how GPU i reaches GPU j.
    public var gpuLinks: [[GPULink]]
    public var nics: [NIC]
    public var bmc: BMCInfo
    /// The NVSwitch fabric of an HGX baseboard and its Fabric Manager partitions; nil where GPUs
    /// talk over NVLink bridges or PCIe only.
    public var nvswitchFabric: NVSwitchFabric?

    public init(
        template: String, sockets: [CPUSocket], numaNodes: [NUMANode], gpus: [GPU], gpuLinks: [[GPULink]],
        nics: [NIC], bmc: BMCInfo, nvswitchFabric: NVSwitchFabric? = nil
    ) {
        self.nvswitchFabric = nvswitchFabric
        precondition(
            gpuLinks.count == gpus.count && gpuLinks.allSatisfy { $0.count == gpus.count },
            "GPU link matrix must be gpus × gpus")
        self.template = template
        self.sockets = sockets
        self.numaNodes = numaNodes
        self.gpus = gpus
        self.gpuLinks = gpuLinks
        self.nics = nics
        self.bmc = bmc
    }

    enum CodingKeys: String, CodingKey {
        case template, sockets, gpus, nics, bmc
        case numaNodes = "numa_nodes", gpuLinks = "gpu_links", nvswitchFabric = "nvswitch_fabric"
    }

    /// Total logical CPUs.
    public var cpuCount: Int { numaNodes.reduce(0) { $0 + $1.cpus } }
    /// Total memory in MB.
    public var memoryMB: Int { numaNodes.reduce(0) { $0 + $1.memoryMB } }

    /// The `nvidia-smi topo -m`-style matrix as text, one row per GPU.
    public var gpuTopologyText: String {
        gpus.indices.map { i in
            "GPU\(i)\t" + gpuLinks[i].map(\.description).joined(separator: "\t")
        }.joined(separator: "\n")
    }
}
