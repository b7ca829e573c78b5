/// Instance type, with the reference API's wire values.
public enum InstanceType: Int, Sendable, Codable, CaseIterable {
    case docker = 0, lxc = 1, qemu = 2, podman = 3
}

/// Instance state, with the reference API's wire values (1...12).
public enum InstanceState: Int, Sendable, Codable, CaseIterable {
    case unknown = 1, running, creating, starting, stopping, killing, restarting, destroying, stopped, error,
        backingUp, restoring

    /// Lower-case name used in logs and reports.
    public var name: String {
        switch self {
        case .unknown: "unknown"
        case .running: "running"
        case .creating: "creating"
        case .starting: "starting"
        case .stopping: "stopping"
        case .killing: "killing"
        case .restarting: "restarting"
        case .destroying: "destroying"
        case .stopped: "stopped"
        case .error: "error"
        case .backingUp: "backing_up"
        case .restoring: "restoring"
        }
    }
}

/// HA priority group of an instance: critical restarts before high before normal; `none` is not
/// protected by HA.
public enum HAPriority: String, Sendable, Codable, CaseIterable, Comparable {
    case critical, high, normal, none

    /// Restart order: lower first.
    public var rank: Int {
        switch self {
        case .critical: 0
        case .high: 1
        case .normal: 2
        case .none: 3
        }
    }

    public static func < (a: HAPriority, b: HAPriority) -> Bool { a.rank < b.rank }
}

/// The CPU shape of an instance: sockets × cores × threads.
public struct CPUShape: Hashable, Sendable, Codable {
    public var sockets: Int
    public var cores: Int
    public var threads: Int

    public init(sockets: Int = 1, cores: Int, threads: Int = 1) {
        self.sockets = sockets
        self.cores = cores
        self.threads = threads
    }

    /// Total vCPUs of the shape.
    public var vcpus: Int { sockets * cores * threads }
}

/// A virtual machine or container. Wire shape of `instance.list`, plus CloudPlane fields.
public struct Instance: Hashable, Sendable, Codable {
    public var id: ResourceID
    /// The node it runs on; nil while unplaced.
    public var nodeID: ResourceID?
    public var type: InstanceType
    public var name: String
    public var cpu: CPUShape
    public var vcpus: Int { cpu.vcpus }
    /// Memory in MB (the reference API's unit).
    public var memory: Int
    public var creation: Timestamp
    public var autostart: Bool
    public var bootOrder: Int
    /// Owning organization (tenant).
    public var organizationID: ResourceID
    public var flavor: String
    public var haPriority: HAPriority
    /// Number of whole GPUs requested.
    public var gpuCount: Int
    public var state: InstanceState

    public init(
        id: ResourceID, nodeID: ResourceID? = nil, type: InstanceType = .qemu, name: String, cpu: CPUShape,
        memory: Int, creation: Timestamp, autostart: Bool = true, bootOrder: Int = -1, organizationID: ResourceID,
        flavor: String, haPriority: HAPriority = .normal, gpuCount: Int = 0, state: InstanceState = .creating
    ) {
        self.id = id
        self.nodeID = nodeID
        self.type = type
        self.name = name
        self.cpu = cpu
        self.memory = memory
        self.creation = creation
        self.autostart = autostart
        self.bootOrder = bootOrder
        self.organizationID = organizationID
        self.flavor = flavor
        self.haPriority = haPriority
        self.gpuCount = gpuCount
        self.state = state
    }

    enum CodingKeys: String, CodingKey {
        case id, type, name, cpu, vcpus, memory, creation, autostart, flavor, state
        case nodeID = "node_id", bootOrder = "boot_order", organizationID = "organization_id"
        case haPriority = "ha_priority", gpuCount = "gpu_count"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(ResourceID.self, forKey: .id)
        nodeID = try c.decodeIfPresent(ResourceID.self, forKey: .nodeID)
        type = try c.decode(InstanceType.self, forKey: .type)
        name = try c.decode(String.self, forKey: .name)
        cpu = try c.decode(CPUShape.self, forKey: .cpu)
        memory = try c.decode(Int.self, forKey: .memory)
        creation = try c.decode(Timestamp.self, forKey: .creation)
        autostart = try c.decodeIfPresent(Bool.self, forKey: .autostart) ?? true
        bootOrder = try c.decodeIfPresent(Int.self, forKey: .bootOrder) ?? -1
        organizationID = try c.decode(ResourceID.self, forKey: .organizationID)
        flavor = try c.decodeIfPresent(String.self, forKey: .flavor) ?? "custom"
        haPriority = try c.decodeIfPresent(HAPriority.self, forKey: .haPriority) ?? .normal
        gpuCount = try c.decodeIfPresent(Int.self, forKey: .gpuCount) ?? 0
        state = try c.decodeIfPresent(InstanceState.self, forKey: .state) ?? .unknown
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(nodeID, forKey: .nodeID)
        try c.encode(type, forKey: .type)
        try c.encode(name, forKey: .name)
        try c.encode(cpu, forKey: .cpu)
        try c.encode(vcpus, forKey: .vcpus)
        try c.encode(memory, forKey: .memory)
        try c.encode(creation, forKey: .creation)
        try c.encode(autostart, forKey: .autostart)
        try c.encode(bootOrder, forKey: .bootOrder)
        try c.encode(organizationID, forKey: .organizationID)
        try c.encode(flavor, forKey: .flavor)
        try c.encode(haPriority, forKey: .haPriority)
        try c.encode(gpuCount, forKey: .gpuCount)
        try c.encode(state, forKey: .state)
    }
}

/// Volume status, with the reference API's wire values.
public enum VolumeStatus: Int, Sendable, Codable {
    case creating = 0, available, attaching, detaching, destroying, resizing, error
}

/// Disk image format.
public enum DiskDriver: String, Sendable, Codable {
    case qcow2, vmdk, raw
}

/// Volume metadata as on the wire.
public struct VolumeMetadata: Hashable, Sendable, Codable {
    public var driver: DiskDriver
    public init(driver: DiskDriver) { self.driver = driver }
}

/// A block volume. Wire shape of `volume.list`.
public struct Volume: Hashable, Sendable, Codable {
    public var id: ResourceID
    public var storagePoolID: ResourceID
    public var nodeID: ResourceID?
    public var name: String
    public var fqName: String
    public var description: String?
    public var status: VolumeStatus
    /// Size in GB.
    public var size: Int
    public var metadata: VolumeMetadata
    public var attached: Bool { attachedTo != nil }
    public var attachedTo: ResourceID?
    public var creation: Timestamp

    public init(
        id: ResourceID, storagePoolID: ResourceID, nodeID: ResourceID? = nil, name: String, fqName: String,
        description: String? = nil, status: VolumeStatus = .available, size: Int,
        metadata: VolumeMetadata = VolumeMetadata(driver: .raw), attachedTo: ResourceID? = nil, creation: Timestamp
    ) {
        self.id = id
        self.storagePoolID = storagePoolID
        self.nodeID = nodeID
        self.name = name
        self.fqName = fqName
        self.description = description
        self.status = status
        self.size = size
        self.metadata = metadata
        self.attachedTo = attachedTo
        self.creation = creation
    }

    enum CodingKeys: String, CodingKey {
        case id, name, description, status, size, metadata, attached, creation
        case storagePoolID = "storage_pool_id", nodeID = "node_id", fqName = "fq_name", attachedTo = "attached_to"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(ResourceID.self, forKey: .id)
        storagePoolID = try c.decode(ResourceID.self, forKey: .storagePoolID)
        nodeID = try c.decodeIfPresent(ResourceID.self, forKey: .nodeID)
        name = try c.decode(String.self, forKey: .name)
        fqName = try c.decode(String.self, forKey: .fqName)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        status = try c.decode(VolumeStatus.self, forKey: .status)
        size = try c.decode(Int.self, forKey: .size)
        metadata = try c.decode(VolumeMetadata.self, forKey: .metadata)
        attachedTo = try c.decodeIfPresent(ResourceID.self, forKey: .attachedTo)
        creation = try c.decode(Timestamp.self, forKey: .creation)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(storagePoolID, forKey: .storagePoolID)
        try c.encode(nodeID, forKey: .nodeID)
        try c.encode(name, forKey: .name)
        try c.encode(fqName, forKey: .fqName)
        try c.encode(description, forKey: .description)
        try c.encode(status, forKey: .status)
        try c.encode(size, forKey: .size)
        try c.encode(metadata, forKey: .metadata)
        try c.encode(attached, forKey: .attached)
        try c.encode(attachedTo, forKey: .attachedTo)
        try c.encode(creation, forKey: .creation)
    }
}

/// Storage pool type, with the wire values of the reference API's specification.
public enum StoragePoolType: Int, Sendable, Codable {
    case directory = 1, iscsi = 3, lvm = 4, netfs = 5, rbd = 6, zfs = 7
}

/// A cluster-level storage pool. Wire shape of `storagePool.list`.
public struct StoragePool: Hashable, Sendable, Codable {
    public var id: ResourceID
    public var clusterID: ResourceID
    public var name: String
    public var description: String?
    public var type: StoragePoolType
    public var creation: Timestamp
    public var nodeCount: Int
    public var canHoldImages: Bool
    public var isDefault: Bool
    /// Capacity in GB (CloudPlane extension; the reference reports it per node as `usage`).
    public var capacityGB: Int

    public init(
        id: ResourceID, clusterID: ResourceID, name: String, description: String? = nil, type: StoragePoolType,
        creation: Timestamp, nodeCount: Int = 0, canHoldImages: Bool = false, isDefault: Bool = false,
        capacityGB: Int
    ) {
        self.id = id
        self.clusterID = clusterID
        self.name = name
        self.description = description
        self.type = type
        self.creation = creation
        self.nodeCount = nodeCount
        self.canHoldImages = canHoldImages
        self.isDefault = isDefault
        self.capacityGB = capacityGB
    }

    enum CodingKeys: String, CodingKey {
        case id, name, description, type, creation
        case clusterID = "cluster_id", nodeCount = "node_count", canHoldImages = "can_hold_images"
        case isDefault = "is_default", capacityGB = "capacity_gb"
    }
}
