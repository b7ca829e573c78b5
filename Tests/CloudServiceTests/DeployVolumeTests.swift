import CloudModel
import CloudService
import CloudStore
import CloudTestKit
import Foundation
import Testing

/// Deploys with `metadata.new_volumes` / `existing_volumes`: volumes made or attached in the
/// deploy's transaction, the instance pinned to their node, detached or destroyed with it.
@Suite struct DeployVolumeTests {
    func pool(_ f: ServiceFixture, _ node: String) async throws -> StoragePoolRecord {
        try #require(
            try await f.plane.list(StoragePoolRecord.self, Table.storagePools, PageRequest()) { $0.nodeID == node }
                .items.first)
    }

    func volume(_ f: ServiceFixture, _ node: String, _ pool: String, _ name: String, _ size: Int) async throws -> String
    {
        let r = try await f.plane.createVolume(
            .system, node: node, pool: pool, body: Array(#"{"name":"\#(name)","size":\#(size)}"#.utf8),
            idempotencyKey: nil)
        return try #require(Wire.decode(VolumeCreated.self, r.body)).volumeID
    }

    @Test func volumesPinTheInstanceAndFollowItsDestroy() async throws {
        let f = try await ServiceFixture.make()
        let backend = FakeInstanceBackend(nodes: f.nodes)
        let controller = LifecycleController(plane: f.plane, backend: backend)
        // the pool is on the second node: local storage pins the instance there
        let p = try await pool(f, f.nodes[1])
        let data = try await volume(f, f.nodes[1], p.id, "data", 50)
        let meta =
            #","metadata":{"_type":"qemu","machine_type":"q35","new_volumes":[{"bus":"virtio","dev":"vda","#
            + #""storage_pool_id":"\#(p.id)","size":"20"}],"existing_volumes":[{"dev":"vdb","volume_id":"\#(data)"}]}"#
        let r = try await f.plane.deploy(
            .system, body: f.deployBody("db-1", extra: meta), idempotencyKey: nil, admission: backend)
        let id = try #require(Wire.decode(TaskStarted.self, r.body)?.instanceID)
        await controller.drain()
        let inst = try await f.plane.get(InstanceRecord.self, Table.instances, id, "instance").value
        #expect(inst.nodeID == f.nodes[1] && inst.volumes?.map(\.dev) == ["vdb", "vda"])
        let vols = try await f.plane.list(VolumeRecord.self, Table.volumes, PageRequest()).items
        #expect(vols.count == 2 && vols.allSatisfy { $0.attached && $0.attachedTo == id })
        #expect(try await pool(f, f.nodes[1]).allocatedGB == 70)
        // an attached volume is neither deletable nor attachable twice
        await #expect(throws: ServiceError.self) {
            _ = try await f.plane.deleteVolume(.system, id: data, idempotencyKey: nil)
        }
        let again = #","metadata":{"existing_volumes":[{"dev":"vda","volume_id":"\#(data)"}]}"#
        await #expect(throws: ServiceError.self) {
            _ = try await f.plane.deploy(
                .system, body: f.deployBody("db-2", extra: again), idempotencyKey: nil, admission: backend)
        }
        #expect(try await f.plane.consistencyProblems().isEmpty)
        // destroyed with destroy_volumes: the new disk and the data volume go, their space returns
        _ = try await f.plane.act(
            .system, instance: id, action: "destroy", arguments: ["destroy_volumes": "true"], ifMatch: nil,
            idempotencyKey: nil, request: [])
        await controller.drain()
        #expect(try await f.plane.list(VolumeRecord.self, Table.volumes, PageRequest()).items.isEmpty)
        #expect(try await pool(f, f.nodes[1]).allocatedGB == 0)
        #expect(try await f.plane.consistencyProblems().isEmpty)
    }

    @Test func aPlainDestroyDetachesAndVolumesOnTwoNodesAreRefused() async throws {
        let f = try await ServiceFixture.make()
        let backend = FakeInstanceBackend(nodes: f.nodes)
        let controller = LifecycleController(plane: f.plane, backend: backend)
        let (p0, p1) = (try await pool(f, f.nodes[0]), try await pool(f, f.nodes[1]))
        let a = try await volume(f, f.nodes[0], p0.id, "a-disk", 5)
        let b = try await volume(f, f.nodes[1], p1.id, "b-disk", 5)
        let feed = try await f.plane.store.changes(after: 0, limit: 100_000).count
        let split =
            #","metadata":{"existing_volumes":[{"dev":"vda","volume_id":"\#(a)"},{"dev":"vdb","volume_id":"\#(b)"}]}"#
        do {
            _ = try await f.plane.deploy(
                .system, body: f.deployBody("split", extra: split), idempotencyKey: nil, admission: backend)
            Issue.record("volumes on two nodes were accepted")
        } catch let e as ServiceError {
            #expect(e.status == 422 && e.errors.first?.field == "metadata.existing_volumes.1.volume_id", "\(e)")
        }
        let tooBig = #","metadata":{"new_volumes":[{"dev":"vda","storage_pool_id":"\#(p0.id)","size":999999}]}"#
        do {
            _ = try await f.plane.deploy(
                .system, body: f.deployBody("big", extra: tooBig), idempotencyKey: nil, admission: backend)
            Issue.record("a volume larger than its pool was accepted")
        } catch let e as ServiceError {
            #expect(e.status == 422 && e.errors.first?.field == "metadata.new_volumes.0.size", "\(e)")
        }
        let badDev = #","metadata":{"new_volumes":[{"dev":"../x","storage_pool_id":"\#(p0.id)","size":1}]}"#
        await #expect(throws: ServiceError.self) {
            _ = try await f.plane.deploy(
                .system, body: f.deployBody("bad", extra: badDev), idempotencyKey: nil, admission: backend)
        }
        // nothing of the refused deploys was written
        #expect(try await f.plane.store.changes(after: 0, limit: 100_000).count == feed)
        let one = #","metadata":{"existing_volumes":[{"dev":"vda","volume_id":"\#(a)"}]}"#
        let r = try await f.plane.deploy(
            .system, body: f.deployBody("one", extra: one), idempotencyKey: nil, admission: backend)
        let id = try #require(Wire.decode(TaskStarted.self, r.body)?.instanceID)
        await controller.drain()
        #expect(try await f.plane.get(InstanceRecord.self, Table.instances, id, "i").value.nodeID == f.nodes[0])
        _ = try await f.plane.act(
            .system, instance: id, action: "destroy", ifMatch: nil, idempotencyKey: nil, request: [])
        await controller.drain()
        let v = try await f.plane.get(VolumeRecord.self, Table.volumes, a, "volume").value
        #expect(!v.attached && v.attachedTo == nil)
        #expect(try await pool(f, f.nodes[0]).allocatedGB == 5)
        #expect(try await f.plane.consistencyProblems().isEmpty)
    }
}
