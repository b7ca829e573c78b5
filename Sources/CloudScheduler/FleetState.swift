import CloudModel

/// Placement policy of a cluster.
public struct ClusterPolicy: Sendable, Equatable {
    public enum Strategy: String, Sendable, CaseIterable { case pack, spread }
    /// Where a multi-GPU request that prefers NVLink goes when a free NVSwitch board could give
    /// it a partition and a weaker topology could take it too.
    public enum GangPlacement: String, Sendable, CaseIterable {
        /// The NVLink partition first, even on a whole free board (the request's preference wins).
        case partitionFirst = "partition_first"
        /// Whole free boards are kept for whole-board gangs; a smaller request takes a partition
        /// only on a board already broken, else the weaker topology (fleet packing wins).
        case keepBoardsWhole = "keep_boards_whole"
    }
    /// Which preference wins when a host can give only one of them.
    public enum Priority: String, Sendable, CaseIterable {
        case gpuModel = "gpu_model"
        case numaLocality = "numa_locality"
    }

    public var name: String
    public var zone: String
    /// Shared vCPUs per logical CPU, in hundredths (400 = 4:1). Dedicated CPUs never overcommit.
    public var cpuOvercommitPercent: Int
    /// Memory overcommit in hundredths (100 = none). Hugepages never overcommit.
    public var ramOvercommitPercent: Int
    public var strategy: Strategy
    public var priority: Priority
    /// Put free GPUs that support it into mixed-size vGPU mode instead of homogeneous mode.
    public var vgpuMixed: Bool
    /// How the NVSwitch boards of this cluster are shared among VMs.
    public var nvswitchModel: NVSwitchModel
    /// Partition first or whole boards kept, for NVLink-preferring multi-GPU requests.
    public var gangPlacement: GangPlacement = .keepBoardsWhole

    public init(
        name: String, zone: String, cpuOvercommitPercent: Int = 400, ramOvercommitPercent: Int = 100,
        strategy: Strategy = .pack, priority: Priority = .gpuModel, vgpuMixed: Bool = false,
        nvswitchModel: NVSwitchModel = .shared
    ) {
        self.vgpuMixed = vgpuMixed
        self.nvswitchModel = nvswitchModel
        self.name = name
        self.zone = zone
        self.cpuOvercommitPercent = cpuOvercommitPercent
        self.ramOvercommitPercent = ramOvercommitPercent
        self.strategy = strategy
        self.priority = priority
    }
}

/// Capacity and use of one NUMA node.
public struct NUMAState: Sendable, Equatable {
    public var cpus: Int
    public var dedicatedUsed = 0
    public var sharedUsed = 0
    /// Memory outside the hugepage pools, before overcommit.
    public var memoryMB: Int
    public var memoryUsedMB = 0
    public var huge2M: Int
    public var huge2MUsed = 0
    public var huge1G: Int
    public var huge1GUsed = 0

    /// Shared vCPU capacity left on this node alone.
    func sharedFree(ratio: Int) -> Int { (cpus - dedicatedUsed) * ratio / 100 - sharedUsed }
    func memoryFree(ratio: Int) -> Int { memoryMB * ratio / 100 - memoryUsedMB }
    /// Logical CPUs that can still be pinned without squeezing the shared vCPUs already placed.
    func dedicatedFree(ratio: Int) -> Int {
        let needed = (sharedUsed * 100 + ratio - 1) / ratio
        return max(0, cpus - dedicatedUsed - needed)
    }
}

/// What a GPU is doing right now. A GPU is in exactly one mode at a time; it returns to `free`
/// when its last claim is released.
public enum GPUUse: Sendable, Equatable {
    case free
    case passthrough
    case sriov(usedVFs: Int)
    /// Homogeneous vGPU: one type per GPU.
    case vgpu(type: VGPUKey, used: Int)
    /// Mixed-size vGPU (where the GPU supports it): framebuffer GB in use and vGPUs per type.
    case vgpuMixed(usedGB: Int, counts: VGPUCounts)
    /// MIG with the memory-slice occupancy mask; `media` when a `+me` instance holds the media
    /// engines.
    case mig(occupied: UInt8, media: Bool)

    public var isFree: Bool {
        if case .free = self { return true }
        return false
    }
}

/// Capacity and use of one GPU.
public struct GPUState: Sendable, Equatable {
    public let model: String
    public let nominalGB: Int
    public let numaNode: Int
    public let migCapable: Bool
    public let vgpuTypes: [VGPUType]
    /// The keys of `vgpuTypes`: plain values, for membership tests in hot loops.
    public let vgpuKeys: [VGPUKey]
    public let vgpuMixedCapable: Bool
    public let sriovVFs: Int
    public var use: GPUUse = .free
    /// Failed or drained GPUs take no new claims.
    public var healthy = true

    init(
        model: String, nominalGB: Int, numaNode: Int, migCapable: Bool, vgpuTypes: [VGPUType], vgpuMixedCapable: Bool,
        sriovVFs: Int
    ) {
        self.model = model
        self.nominalGB = nominalGB
        self.numaNode = numaNode
        self.migCapable = migCapable
        self.vgpuTypes = vgpuTypes
        vgpuKeys = vgpuTypes.map(\.key)
        self.vgpuMixedCapable = vgpuMixedCapable
        self.sriovVFs = sriovVFs
    }

    /// Free VFs when in (or switchable to) SR-IOV mode.
    var freeVFs: Int {
        switch use {
        case .free: sriovVFs
        case .sriov(let used): sriovVFs - used
        default: 0
        }
    }
}

/// The scheduler's view of one host.
public struct HostState: Sendable {
    public let name: String
    public let cluster: Int
    public var labels: [String]
    public var maintenance = false
    public var cordoned = false
    public var numa: [NUMAState]
    public var gpus: [GPUState]
    /// Bandwidth in GB/s between GPU pairs (0 on the diagonal).
    public let gpuBandwidth: [[Int]]
    /// Per GPU, the bitmask of GPUs it reaches over NVLink or NVSwitch.
    public let nvlinkPeers: [UInt8]
    /// The host's NVSwitch fabric, when it has one.
    public let nvswitchFabric: NVSwitchFabric?
    /// Per GPU, its module ID (index + 1 where the hardware names none).
    public let moduleIDs: [Int]
    /// Instances per (anti-)affinity group on this host; looked up, never iterated.
    public var groupMembers: [String: Int] = [:]
    /// Claims live on this host.
    public var claimCount = 0
    /// The distinct vGPU types the host's GPUs offer (hardware facts, listed once).
    public let vgpuTypes: [VGPUType]

    /// Builds the scheduler state of a host from its hardware.
    public init(name: String, cluster: Int, labels: [String] = [], hardware: HostTopology) {
        self.name = name
        self.cluster = cluster
        self.labels = labels.sorted()
        numa = hardware.numaNodes.map { n in
            let hugeMB = n.hugepages2M * 2 + n.hugepages1G * 1024
            return NUMAState(
                cpus: n.cpus, memoryMB: max(0, n.memoryMB - hugeMB), huge2M: n.hugepages2M,
                huge1G: n.hugepages1G)
        }
        gpus = hardware.gpus.map { g in
            let types = g.capabilities.vgpuTypes.compactMap(VGPUType.init)
            let nominal = nominalGigabytes(ofModel: g.model) ?? g.vramMB / 1024
            // each VF of an NVIDIA GPU carries exactly one vGPU: no more VFs are usable than the
            // most vGPUs any time-sliced type fits
            let vgpuMax = types.filter { $0.migProfile == nil }.map { $0.capacity(onGPUOf: nominal) }.max() ?? 0
            let vfs = vgpuMax > 0 ? min(g.capabilities.sriovVFs, vgpuMax) : g.capabilities.sriovVFs
            return GPUState(
                model: g.model, nominalGB: nominalGigabytes(ofModel: g.model) ?? g.vramMB / 1024,
                numaNode: g.numaNode, migCapable: !g.capabilities.migProfiles.isEmpty, vgpuTypes: types,
                vgpuMixedCapable: g.capabilities.vgpuMixedSizes, sriovVFs: vfs)
        }
        gpuBandwidth = hardware.gpuLinks.map { $0.map(\.bandwidthGBps) }
        nvlinkPeers = hardware.gpuLinks.map { row in
            row.enumerated().reduce(UInt8(0)) { acc, e in e.element.isNVLink ? acc | UInt8(1 << e.offset) : acc }
        }
        var types: [VGPUType] = []
        for g in gpus { for t in g.vgpuTypes where !types.contains(where: { $0.key == t.key }) { types.append(t) } }
        vgpuTypes = types
        nvswitchFabric = hardware.nvswitchFabric
        moduleIDs = hardware.gpus.map { $0.moduleID ?? $0.index + 1 }
    }

    /// The fabric's multi-GPU partitions under `model` as GPU-index masks; nil without a fabric.
    /// A partition naming a module the host lacks is left out.
    public func partitionMasks(_ model: NVSwitchModel) -> [UInt8]? {
        guard let fabric = nvswitchFabric else { return nil }
        return fabric.partitions(model).compactMap { modules -> UInt8? in
            var mask: UInt8 = 0
            for m in modules {
                guard let i = moduleIDs.firstIndex(of: m), i < 8 else { return nil }
                mask |= UInt8(1 << i)
            }
            return mask
        }
    }

    /// The module IDs of the GPUs in `mask`, ascending.
    public func modules(_ mask: UInt8) -> [Int] {
        moduleIDs.indices.filter { $0 < 8 && mask & UInt8(1 << $0) != 0 }.map { moduleIDs[$0] }.sorted()
    }

    /// Bitmask of healthy free GPUs.
    public var freeGPUMask: UInt8 {
        var mask: UInt8 = 0
        for i in gpus.indices where gpus[i].healthy && gpus[i].use.isFree { mask |= UInt8(1 << i) }
        return mask
    }

    /// Total logical CPUs.
    public var cpuCount: Int { numa.reduce(0) { $0 + $1.cpus } }
}
