import CloudModel
import CloudService
import CloudStore
import CloudTestKit
import Foundation
import Testing

/// Storage pools, volumes, vSwitches and port groups: what registration gives a node, space
/// accounted in the pool's row, names unique where the reference API says, nothing written on
/// a refusal.
@Suite struct StorageAndNetworkTests {
    let admin = Principal("token:test")

    func pools(_ f: ServiceFixture, _ node: String) async throws -> [StoragePoolRecord] {
        try await f.plane.list(StoragePoolRecord.self, Table.storagePools, PageRequest()) { $0.nodeID == node }.items
    }

    func volumes(_ f: ServiceFixture) async throws -> [VolumeRecord] {
        try await f.plane.list(VolumeRecord.self, Table.volumes, PageRequest()).items
    }

    func body(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func everyRegisteredNodeGetsAPoolImagesAndADefaultVSwitchOnce() async throws {
        let f = try await ServiceFixture.make(nodes: 3)
        var names: [String] = []
        for n in f.nodes {
            let p = try await pools(f, n)
            #expect(p.count == 1 && p[0].name == "local" && p[0].available && p[0].allocatedGB == 0)
            let images = try await f.plane.list(ImageRecord.self, Table.images, PageRequest()) { $0.nodeID == n }.items
            #expect(images.count == 3 && images.allSatisfy { $0.storagePoolID == p[0].id })
            let vs = try await f.plane.list(VSwitchRecord.self, Table.vSwitches, PageRequest()) { $0.nodeID == n }.items
            #expect(vs.count == 1 && vs[0].portGroupCount == 1)
            names += vs.map(\.name)
        }
        // unique per cluster, as the reference API requires
        #expect(Set(names).count == f.nodes.count && names.allSatisfy { $0.hasPrefix("svswitch") })
        // registering the same nodes again adds nothing
        let again = try await f.plane.list(NodeRecord.self, Table.nodes, PageRequest()).items
        let before = try await f.plane.list(StoragePoolRecord.self, Table.storagePools, PageRequest()).items.count
        _ = try await f.plane.registerFleet(datacenters: [], clusters: [], nodes: again)
        #expect(try await f.plane.list(StoragePoolRecord.self, Table.storagePools, PageRequest()).items.count == before)
    }

    @Test func volumesTakeAndReturnTheirPoolsSpaceExactly() async throws {
        let f = try await ServiceFixture.make()
        let node = f.nodes[0]
        let pool = try await pools(f, node)[0]
        let sizes = [10.0, 2.5, 100.0]
        var ids: [String] = []
        for (i, s) in sizes.enumerated() {
            let r = try await f.plane.createVolume(
                admin, node: node, pool: pool.id, body: body(#"{"name":"vol\#(i)","size":"\#(s)"}"#),
                idempotencyKey: nil)
            ids.append(try #require(Wire.decode(VolumeCreated.self, r.body)).volumeID)
        }
        var p = try await pools(f, node)[0]
        #expect(p.allocatedGB == sizes.reduce(0, +) && p.volumeCount == sizes.count)
        let v = try await f.plane.get(VolumeRecord.self, Table.volumes, ids[0], "volume").value
        #expect(v.fqName == "local/vol0" && v.status == 1 && !v.attached && v.metadata.driver == "qcow2")
        _ = try await f.plane.resizeVolume(admin, id: ids[1], body: body(#"{"size":5}"#), idempotencyKey: nil)
        _ = try await f.plane.deleteVolume(admin, id: ids[2], idempotencyKey: nil)
        p = try await pools(f, node)[0]
        #expect(p.allocatedGB == 15 && p.volumeCount == 2)
        #expect(try await volumes(f).map(\.id).sorted() == [ids[0], ids[1]].sorted())
    }

    @Test func refusedVolumesNameTheFieldAndWriteNothing() async throws {
        let f = try await ServiceFixture.make()
        let (node, other) = (f.nodes[0], f.nodes[1])
        let pool = try await pools(f, node)[0]
        let before = try await f.plane.store.changes(after: 0, limit: 1_000_000).count
        let cases: [(String, String, String, Int)] = [
            (node, #"{"name":"big","size":\#(pool.capacityGB + 1)}"#, "size", 422),
            (node, #"{"name":"x","size":1}"#, "name", 422),
            (node, #"{"name":"ok-name","size":0}"#, "size", 422),
            (node, #"{"name":"ok-name","size":1,"driver":"vhd"}"#, "driver", 422),
            (node, #"{"name":"ok-name","size":1,"colour":"red"}"#, "colour", 422),
            (other, #"{"name":"ok-name","size":1}"#, "storage_pool_id", 422),
        ]
        for (n, b, field, status) in cases {
            do {
                _ = try await f.plane.createVolume(admin, node: n, pool: pool.id, body: body(b), idempotencyKey: nil)
                Issue.record("accepted \(b)")
            } catch let e as ServiceError {
                #expect(e.status == status && e.errors.contains { $0.field == field }, "\(b): \(e)")
            }
        }
        _ = try await f.plane.createVolume(
            admin, node: node, pool: pool.id, body: body(#"{"name":"dup","size":1}"#), idempotencyKey: nil)
        await #expect(throws: ServiceError.self) {
            _ = try await f.plane.createVolume(
                admin, node: node, pool: pool.id, body: body(#"{"name":"dup","size":1}"#), idempotencyKey: nil)
        }
        let after = try await f.plane.store.changes(after: 0, limit: 1_000_000).count
        // one volume and one pool update: the refusals wrote nothing
        #expect(after - before == 2)
        #expect(try await pools(f, node)[0].allocatedGB == 1)
    }

    @Test func vSwitchNamesAreUniquePerClusterAndPortGroupsPerVSwitch() async throws {
        let f = try await ServiceFixture.make()
        let r = try await f.plane.createVSwitch(
            admin, node: f.nodes[0],
            body: body(#"{"name":"svswitch7","config":{"security":{"mac_table":{"maximum":64}}}}"#),
            idempotencyKey: nil)
        let id = try #require(Wire.decode(Created.self, r.body)).id
        #expect(id.hasPrefix("svs-"))
        await #expect(throws: ServiceError.self) {  // same name, other node, same cluster
            _ = try await f.plane.createVSwitch(
                admin, node: f.nodes[1], body: body(#"{"name":"svswitch7"}"#), idempotencyKey: nil)
        }
        for bad in [#"{"name":"vmbr0"}"#, #"{"name":"svswitch"}"#, #"{"name":"svswitch12345678901"}"#] {
            await #expect(throws: ServiceError.self, "\(bad)") {
                _ = try await f.plane.createVSwitch(admin, node: f.nodes[1], body: body(bad), idempotencyKey: nil)
            }
        }
        let access = #"{"name":"web","config":{"type":1,"data":{"_type":1,"vlan_id":"120"}}}"#
        _ = try await f.plane.createPortGroup(admin, vswitch: id, body: body(access), idempotencyKey: nil)
        let trunk = #"{"name":"trunk","config":{"type":2,"data":{"_type":2,"trunk_vlans":[10,20],"native_vlan_id":1}}}"#
        _ = try await f.plane.createPortGroup(admin, vswitch: id, body: body(trunk), idempotencyKey: nil)
        for bad in [
            access, #"{"name":"v0","config":{"type":1,"data":{"_type":1,"vlan_id":4096}}}"#,
            #"{"name":"mismatch","config":{"type":1,"data":{"_type":2,"trunk_vlans":[1]}}}"#,
            #"{"name":"badtrunk","config":{"type":2,"data":{"_type":2,"trunk_vlans":[10,"x"]}}}"#,
        ] {
            await #expect(throws: ServiceError.self, "\(bad)") {
                _ = try await f.plane.createPortGroup(admin, vswitch: id, body: body(bad), idempotencyKey: nil)
            }
        }
        var s = try await f.plane.get(VSwitchRecord.self, Table.vSwitches, id, "vSwitch").value
        #expect(s.portGroupCount == 2 && s.config["security"]?["mac_table"]?["maximum"] == .number(64))
        await #expect(throws: ServiceError.self) {
            _ = try await f.plane.deleteVSwitch(admin, id: id, idempotencyKey: nil)
        }
        _ = try await f.plane.deletePortGroup(admin, vswitch: id, name: "web", idempotencyKey: nil)
        _ = try await f.plane.deletePortGroup(admin, vswitch: id, name: "trunk", idempotencyKey: nil)
        s = try await f.plane.get(VSwitchRecord.self, Table.vSwitches, id, "vSwitch").value
        #expect(s.portGroupCount == 0)
        _ = try await f.plane.deleteVSwitch(admin, id: id, idempotencyKey: nil)
        await #expect(throws: ServiceError.self) {
            _ = try await f.plane.get(VSwitchRecord.self, Table.vSwitches, id, "vSwitch")
        }
        #expect(try await f.plane.consistencyProblems().isEmpty)
    }

    @Test func theCheckNamesAPoolWhoseUsageDisagreesAndAWrongPortGroupCount() async throws {
        let f = try await ServiceFixture.make()
        let pool = try await pools(f, f.nodes[0])[0]
        _ = try await f.plane.createVolume(
            admin, node: f.nodes[0], pool: pool.id, body: body(#"{"name":"vol1","size":4}"#), idempotencyKey: nil)
        #expect(try await f.plane.consistencyProblems().isEmpty)
        let vs = try #require(
            try await f.plane.list(VSwitchRecord.self, Table.vSwitches, PageRequest()) { $0.nodeID == f.nodes[0] }.items
                .first)
        try await f.plane.store.transaction { t in
            var p = try #require(try await t.read(StoragePoolRecord.self, StoreKey(Table.storagePools, pool.id))).value
            p.allocatedGB = 1  // the volume holds 4
            try await t.put(StoreKey(Table.storagePools, pool.id), encoding: p, expect: .any)
            var s = vs
            s.portGroupCount = 3  // it has 1
            try await t.put(StoreKey(Table.vSwitches, vs.id), encoding: s, expect: .any)
        }
        let problems = try await f.plane.consistencyProblems()
        #expect(problems.count == 2, "\(problems)")
        #expect(problems.contains { $0.contains(pool.id) && $0.contains("4 GB in 1") })
        #expect(problems.contains { $0.contains(vs.id) && $0.contains("it has 1") })
    }
}
