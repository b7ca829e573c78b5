import CloudModel
import CloudStore
import Foundation

extension ControlPlane {
    /// The storage and network invariants, read inside `t`: every pool's usage is the sum of its
    /// volumes and within its capacity; every volume is in a pool of its node; an attached volume
    /// names an instance that exists; every vSwitch's port-group count is its port groups, each
    /// of which names a vSwitch that exists; vSwitch names are unique per cluster.
    static func storageProblems(_ t: any StoreTransaction, instanceIDs: Set<String>) async throws -> [String] {
        var out: [String] = []
        let pools = try await t.scan(table: Table.storagePools).map { try $0.decode(StoragePoolRecord.self).value }
        let volumes = try await t.scan(table: Table.volumes).map { try $0.decode(VolumeRecord.self).value }
        let poolByID = Dictionary(uniqueKeysWithValues: pools.map { ($0.id, $0) })
        var used: [String: (gb: Double, count: Int)] = [:]
        for v in volumes {
            guard let p = poolByID[v.storagePoolID] else {
                out.append("volume \(v.id) (\(v.fqName)) is in unknown storage pool \(v.storagePoolID)")
                continue
            }
            if p.nodeID != v.nodeID { out.append("volume \(v.id) is on node \(v.nodeID) but its pool on \(p.nodeID)") }
            if v.attached, let i = v.attachedTo, !instanceIDs.contains(i) {
                out.append("volume \(v.id) (\(v.fqName)) is attached to missing instance \(i)")
            }
            used[p.id, default: (0, 0)].gb += v.size
            used[p.id, default: (0, 0)].count += 1
        }
        for p in pools {
            let u = used[p.id] ?? (0, 0)
            if abs(u.gb - p.allocatedGB) > 1e-6 || u.count != p.volumeCount {
                out.append(
                    "storage pool \(p.id) (\(p.name)) records \(gb(p.allocatedGB)) GB in \(p.volumeCount) volumes; "
                        + "its volumes hold \(gb(u.gb)) GB in \(u.count)")
            }
            if p.allocatedGB > p.capacityGB + 1e-6 {
                out.append("storage pool \(p.id) (\(p.name)) holds \(gb(p.allocatedGB)) GB of \(gb(p.capacityGB)) GB")
            }
        }
        let switches = try await t.scan(table: Table.vSwitches).map { try $0.decode(VSwitchRecord.self).value }
        let groups = try await t.scan(table: Table.portGroups).map { try $0.decode(PortGroupRecord.self).value }
        var perSwitch: [String: Int] = [:]
        for g in groups { perSwitch[g.vswitchID, default: 0] += 1 }
        let switchIDs = Set(switches.map(\.id))
        for g in groups where !switchIDs.contains(g.vswitchID) {
            out.append("port group '\(g.name)' names missing vSwitch \(g.vswitchID)")
        }
        var names: [String: String] = [:]
        for s in switches {
            if perSwitch[s.id, default: 0] != s.portGroupCount {
                out.append(
                    "vSwitch \(s.id) (\(s.name)) records \(s.portGroupCount) port groups; it has \(perSwitch[s.id, default: 0])"
                )
            }
            if let other = names[s.clusterID + "/" + s.name] {
                out.append("vSwitch name '\(s.name)' is used twice in cluster \(s.clusterID) (\(other), \(s.id))")
            }
            names[s.clusterID + "/" + s.name] = s.id
        }
        return out
    }
}
