/// An organization (tenant). Wire shape of the reference API's `organization.list`.
public struct Organization: Hashable, Sendable, Codable {
    public var id: ResourceID
    public var name: String
    public var isRoot: Bool
    public var creation: Timestamp
    public var description: String?

    public init(id: ResourceID, name: String, isRoot: Bool = false, creation: Timestamp, description: String? = nil) {
        self.id = id
        self.name = name
        self.isRoot = isRoot
        self.creation = creation
        self.description = description
    }

    enum CodingKeys: String, CodingKey {
        case id, name, creation, description
        case isRoot = "is_root"
    }
}

/// A geographic location of a datacenter.
public struct Location: Hashable, Sendable, Codable {
    public var latitude: Double
    public var longitude: Double

    public init(latitude: Double, longitude: Double) {
        self.latitude = latitude
        self.longitude = longitude
    }
}

/// A datacenter. Wire shape of `datacenter.list`.
public struct Datacenter: Hashable, Sendable, Codable {
    public var id: ResourceID
    public var organizationID: ResourceID
    public var name: String
    public var location: Location?
    public var creation: Timestamp
    public var description: String?

    public init(
        id: ResourceID, organizationID: ResourceID, name: String, location: Location? = nil, creation: Timestamp,
        description: String? = nil
    ) {
        self.id = id
        self.organizationID = organizationID
        self.name = name
        self.location = location
        self.creation = creation
        self.description = description
    }

    enum CodingKeys: String, CodingKey {
        case id, name, location, creation, description
        case organizationID = "organization_id"
    }
}

/// A cluster of nodes. Wire shape of `cluster.list`, plus the CloudPlane fields `zone`.
public struct Cluster: Hashable, Sendable, Codable {
    public var id: ResourceID
    public var organizationID: ResourceID
    public var datacenterID: ResourceID
    public var name: String
    public var creation: Timestamp
    public var description: String?
    public var nodeCount: Int
    public var faultTolerance: Int
    public var standalone: Bool
    public var leaderID: ResourceID?
    public var hasLeader: Bool { leaderID != nil }
    /// Availability zone the cluster belongs to (CloudPlane extension).
    public var zone: String?

    public init(
        id: ResourceID, organizationID: ResourceID, datacenterID: ResourceID, name: String, creation: Timestamp,
        description: String? = nil, nodeCount: Int = 0, faultTolerance: Int = 1, standalone: Bool = false,
        leaderID: ResourceID? = nil, zone: String? = nil
    ) {
        self.id = id
        self.organizationID = organizationID
        self.datacenterID = datacenterID
        self.name = name
        self.creation = creation
        self.description = description
        self.nodeCount = nodeCount
        self.faultTolerance = faultTolerance
        self.standalone = standalone
        self.leaderID = leaderID
        self.zone = zone
    }

    enum CodingKeys: String, CodingKey {
        case id, name, creation, description, standalone, zone
        case organizationID = "organization_id", datacenterID = "datacenter_id", nodeCount = "node_count"
        case faultTolerance = "fault_tolerance", leaderID = "leader_id", hasLeader = "has_leader"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(ResourceID.self, forKey: .id)
        organizationID = try c.decode(ResourceID.self, forKey: .organizationID)
        datacenterID = try c.decode(ResourceID.self, forKey: .datacenterID)
        name = try c.decode(String.self, forKey: .name)
        creation = try c.decode(Timestamp.self, forKey: .creation)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        nodeCount = try c.decodeIfPresent(Int.self, forKey: .nodeCount) ?? 0
        faultTolerance = try c.decodeIfPresent(Int.self, forKey: .faultTolerance) ?? 1
        standalone = try c.decodeIfPresent(Bool.self, forKey: .standalone) ?? false
        leaderID = try c.decodeIfPresent(ResourceID.self, forKey: .leaderID)
        zone = try c.decodeIfPresent(String.self, forKey: .zone)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(organizationID, forKey: .organizationID)
        try c.encode(datacenterID, forKey: .datacenterID)
        try c.encode(name, forKey: .name)
        try c.encode(creation, forKey: .creation)
        try c.encode(description, forKey: .description)
        try c.encode(nodeCount, forKey: .nodeCount)
        try c.encode(faultTolerance, forKey: .faultTolerance)
        try c.encode(standalone, forKey: .standalone)
        try c.encode(leaderID, forKey: .leaderID)
        try c.encode(hasLeader, forKey: .hasLeader)
        try c.encodeIfPresent(zone, forKey: .zone)
    }
}

/// A hypervisor node. Wire shape of `node.list`, plus CloudPlane's `rack`, `template` and topology.
public struct Node: Hashable, Sendable, Codable {
    public var id: ResourceID
    public var organizationID: ResourceID
    public var clusterID: ResourceID
    public var name: String
    public var description: String?
    public var ipAddress: String
    public var wolMAC: String?
    public var creation: Timestamp
    public var alive: Bool
    public var lastSeen: Timestamp?
    public var joining: Bool
    /// Rack the node is mounted in (CloudPlane extension; fault domain below the zone).
    public var rack: String?
    /// The hardware of the node.
    public var hardware: HostTopology

    public init(
        id: ResourceID, organizationID: ResourceID, clusterID: ResourceID, name: String, description: String? = nil,
        ipAddress: String, wolMAC: String? = nil, creation: Timestamp, alive: Bool = true,
        lastSeen: Timestamp? = nil, joining: Bool = false, rack: String? = nil, hardware: HostTopology
    ) {
        self.id = id
        self.organizationID = organizationID
        self.clusterID = clusterID
        self.name = name
        self.description = description
        self.ipAddress = ipAddress
        self.wolMAC = wolMAC
        self.creation = creation
        self.alive = alive
        self.lastSeen = lastSeen
        self.joining = joining
        self.rack = rack
        self.hardware = hardware
    }

    enum CodingKeys: String, CodingKey {
        case id, name, description, creation, alive, joining, rack, hardware
        case organizationID = "organization_id", clusterID = "cluster_id", ipAddress = "ip_address"
        case wolMAC = "wol_mac", lastSeen = "last_seen"
    }
}
