import CloudModel
import Foundation

extension Table {
    /// Storage pools, one row per pool of a node.
    public static let storagePools = "storage_pools"
    /// Volumes, in their pools.
    public static let volumes = "volumes"
    /// Standalone vSwitches of nodes.
    public static let vSwitches = "vswitches"
    /// Port groups, keyed `<vswitch id>/<name>` (the reference API addresses them by name).
    public static let portGroups = "port_groups"
    /// Instance images of nodes, keyed `<node id>/<name>` (images have no ID, only a name).
    public static let images = "images"
}

/// A node's storage pool. Its usage is kept in the row, changed in the same transaction as
/// every volume that takes or frees space, so it is exact at all times.
public struct StoragePoolRecord: Sendable, Equatable, Codable {
    public var id: String
    public var nodeID: String
    public var clusterID: String
    /// The reference API's pool type: 1 directory, 3 iSCSI, 4 LVM, 5 NetFS, 6 RBD, 7 ZFS.
    public var type: Int
    public var name: String
    public var initialized: Bool
    public var available: Bool
    public var canHoldImages: Bool
    /// Capacity and space taken by volumes, in GB.
    public var capacityGB: Double
    public var allocatedGB: Double
    public var volumeCount: Int
    /// Where a directory pool keeps its files.
    public var target: String
    public var creation: String

    enum CodingKeys: String, CodingKey {
        case id, type, name, initialized, available, target, creation
        case nodeID = "node_id", clusterID = "cluster_id", canHoldImages = "can_hold_images"
        case capacityGB = "capacity_gb", allocatedGB = "allocated_gb", volumeCount = "volume_count"
    }

    /// Free space in GB.
    public var freeGB: Double { max(0, capacityGB - allocatedGB) }
}

/// `GET /api/v1/nodes/{id}/storage/pools`: a pool with its usage, as the reference API shows it.
public struct NodeStoragePool: Sendable, Equatable, Codable {
    public struct Usage: Sendable, Equatable, Codable {
        public var capacity: Double
        public var allocated: Double
        public var available: Double
        public var percentUsed: Double
        enum CodingKeys: String, CodingKey {
            case capacity, allocated, available
            case percentUsed = "percent_used"
        }
    }
    public var id: String
    public var type: Int
    public var name: String
    public var initialized: Bool
    public var available: Bool
    public var canHoldImages: Bool
    public var usage: Usage
    public var volumeCount: Int

    enum CodingKeys: String, CodingKey {
        case id, type, name, initialized, available, usage
        case canHoldImages = "can_hold_images", volumeCount = "volume_count"
    }

    public init(_ p: StoragePoolRecord) {
        id = p.id
        type = p.type
        name = p.name
        initialized = p.initialized
        available = p.available
        canHoldImages = p.canHoldImages
        volumeCount = p.volumeCount
        let pct = p.capacityGB > 0 ? (p.allocatedGB / p.capacityGB * 1000).rounded() / 10 : 0
        usage = Usage(capacity: p.capacityGB, allocated: p.allocatedGB, available: p.freeGB, percentUsed: pct)
    }
}

/// A volume, stored in the reference API's `volume.list` shape.
public struct VolumeRecord: Sendable, Equatable, Codable {
    /// The reference API's volume status.
    public enum Status: Int, Sendable {
        case creating = 0, available, attaching, detaching, destroying, resizing, error
    }
    public struct Metadata: Sendable, Equatable, Codable {
        /// `qcow2`, `vmdk` or `raw`.
        public var driver: String
    }
    public var id: String
    public var storagePoolID: String
    public var nodeID: String
    public var name: String
    /// `<pool name>/<volume name>`.
    public var fqName: String
    public var description: String?
    public var status: Int
    /// GB.
    public var size: Double
    public var metadata: Metadata
    public var attached: Bool
    public var attachedTo: String?
    public var creation: String

    enum CodingKeys: String, CodingKey {
        case id, name, description, status, size, metadata, attached, creation
        case storagePoolID = "storage_pool_id", nodeID = "node_id", fqName = "fq_name", attachedTo = "attached_to"
    }
}

/// A standalone vSwitch (the reference API's `svswitch.list`, plus the cluster it is unique in).
public struct VSwitchRecord: Sendable, Equatable, Codable {
    public var id: String
    /// 1 standalone (2, distributed, is not built).
    public var type: Int
    public var nodeID: String
    public var clusterID: String
    public var name: String
    public var description: String?
    /// The client's `config` object (MAC table and firewall rules), kept as given.
    public var config: JSONValue
    public var creation: String
    public var portGroupCount: Int
    /// Host NICs bridged into it (the node's VM-network NICs for the default vSwitch).
    public var uplinks: [String]
    public var uplinkCount: Int

    enum CodingKeys: String, CodingKey {
        case id, type, name, description, config, creation, uplinks
        case nodeID = "node_id", clusterID = "cluster_id", portGroupCount = "port_group_count"
        case uplinkCount = "uplink_count"
    }
}

/// A port group of a standalone vSwitch (`svsportgroup`): `config` is
/// `{type, data: {_type, vlan_id | trunk_vlans, native_vlan_id?}}` with type 1 access,
/// 2 trunk, 3 untagged.
public struct PortGroupRecord: Sendable, Equatable, Codable {
    public var vswitchID: String
    public var nodeID: String
    public var name: String
    public var description: String?
    public var config: JSONValue
    public var creation: String

    enum CodingKeys: String, CodingKey {
        case name, description, config, creation
        case vswitchID = "vswitch_id", nodeID = "node_id"
    }

    /// The row key.
    public var key: String { vswitchID + "/" + name }
}

/// An instance image on a node (`{name, size, creation, type, storage_pool_id}`; size in MB,
/// `type` the instance type it boots).
public struct ImageRecord: Sendable, Equatable, Codable {
    public var name: String
    public var size: Double
    public var creation: String
    public var type: Int
    public var storagePoolID: String?
    public var nodeID: String

    enum CodingKeys: String, CodingKey {
        case name, size, creation, type
        case storagePoolID = "storage_pool_id", nodeID = "node_id"
    }

    /// The row key.
    public var key: String { nodeID + "/" + name }
}
