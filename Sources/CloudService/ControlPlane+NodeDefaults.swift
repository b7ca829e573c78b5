import CloudModel
import CloudStore
import Foundation

extension ControlPlane {
    /// The local directory pool every registered node gets, in GB (two 1.92 TB NVMe drives).
    public static let defaultPoolCapacityGB = 3_840.0
    /// The name of that pool (Proxmox's `local`): the cluster's default pool.
    public static let defaultPoolName = "local"

    /// The images a new node's local pool holds: a cloud image and an installer ISO for QEMU
    /// instances (type 1), a container template for LXC (type 2); sizes in MB.
    static let defaultImages: [(name: String, sizeMB: Double, type: Int)] = [
        ("debian-12-genericcloud-amd64.qcow2", 332, InstanceType.qemu.rawValue),
        ("Alpine_Linux_3.20_x86_64.iso.x-iso9660-image", 63, InstanceType.qemu.rawValue),
        ("debian-12-standard_12.7-1_amd64.tar.zst", 121, InstanceType.lxc.rawValue),
    ]

    /// Gives `node` what a freshly installed node has, unless it has a storage pool already: the
    /// `local` directory pool with the default images, and `svswitch0` bridged to the node's
    /// VM-network NICs with the untagged port group `spg0` (Proxmox's `local` and `vmbr0`).
    /// vSwitch names are unique per cluster, so a node whose cluster already has `svswitch0`
    /// gets the next free number. Returns the rows written.
    func seedNodeDefaults(
        _ t: any StoreTransaction, _ node: NodeRecord, _ seen: inout NodeDefaultsIndex
    ) async throws
        -> Int
    {
        let nodeID = node.node.id.rawValue
        guard !seen.nodesWithPools.contains(nodeID) else { return 0 }
        let at = now.iso8601
        let pool = StoragePoolRecord(
            id: newID(.storagePool).rawValue, nodeID: nodeID, clusterID: node.node.clusterID.rawValue, type: 1,
            name: Self.defaultPoolName, initialized: true, available: true, canHoldImages: true,
            capacityGB: Self.defaultPoolCapacityGB, allocatedGB: 0, volumeCount: 0,
            target: "/var/lib/cloudplane/pools/local", creation: at)
        try await t.put(StoreKey(Table.storagePools, pool.id), encoding: pool, expect: .absent)
        seen.nodesWithPools.insert(nodeID)
        for img in Self.defaultImages {
            let r = ImageRecord(
                name: img.name, size: img.sizeMB, creation: at, type: img.type, storagePoolID: pool.id, nodeID: nodeID)
            try await t.put(StoreKey(Table.images, r.key), encoding: r, expect: .absent)
        }
        let cluster = node.node.clusterID.rawValue
        var n = 0
        while seen.vSwitchNames.contains(cluster + "/svswitch\(n)") { n += 1 }
        seen.vSwitchNames.insert(cluster + "/svswitch\(n)")
        let uplinks = node.node.hardware.nics.filter { $0.roles.contains("vm") }.map(\.name)
        let vs = VSwitchRecord(
            id: newID(.vSwitch).rawValue, type: 1, nodeID: nodeID, clusterID: cluster, name: "svswitch\(n)",
            description: "default vSwitch", config: .object([:]), creation: at, portGroupCount: 1, uplinks: uplinks,
            uplinkCount: uplinks.count)
        try await t.put(StoreKey(Table.vSwitches, vs.id), encoding: vs, expect: .absent)
        let pg = PortGroupRecord(
            vswitchID: vs.id, nodeID: nodeID, name: "spg0", description: "untagged", config: Self.untagged,
            creation: at)
        try await t.put(StoreKey(Table.portGroups, pg.key), encoding: pg, expect: .absent)
        return 3 + Self.defaultImages.count
    }

    /// What `seedNodeDefaults` must not repeat: the nodes that have a pool, and the vSwitch
    /// names taken per cluster (`<cluster>/<name>`), read once per registration.
    struct NodeDefaultsIndex {
        var nodesWithPools: Set<String> = []
        var vSwitchNames: Set<String> = []

        init(_ t: any StoreTransaction) async throws {
            for row in try await t.scan(table: Table.storagePools) {
                nodesWithPools.insert(try row.decode(StoragePoolRecord.self).value.nodeID)
            }
            for row in try await t.scan(table: Table.vSwitches) {
                let s = try row.decode(VSwitchRecord.self).value
                vSwitchNames.insert(s.clusterID + "/" + s.name)
            }
        }
    }

    static let untagged = JSONValue.object(["type": .number(3), "data": .object(["_type": .number(3)])])
}
