import CloudModel
import CloudService
import CloudStore
import CloudTestKit
import Foundation
import Testing

@Suite struct DeployAndTaskTests {
    func started(_ r: ServiceReply) throws -> TaskStarted {
        try #require(Wire.decode(TaskStarted.self, r.body), "reply \(String(decoding: r.body, as: UTF8.self))")
    }

    @Test func aDeployIsPlacedStartedAndItsTaskLogged() async throws {
        let f = try await ServiceFixture.make()
        let backend = FakeInstanceBackend(nodes: f.nodes)
        let controller = LifecycleController(plane: f.plane, backend: backend)
        let s = try started(
            try await f.plane.deploy(.system, body: f.deployBody("web-1"), idempotencyKey: nil, admission: backend))
        let queued = try await f.plane.get(InstanceRecord.self, Table.instances, try #require(s.instanceID), "i")
        #expect(queued.value.instanceState == .creating && queued.value.taskID == s.taskID)
        let queue = { try await f.plane.store.snapshot { try await $0.scan(table: Table.taskQueue).map(\.key.id) } }
        #expect(try await queue() == [s.taskID])
        await controller.drain()
        #expect(try await queue().isEmpty, "a finished task left the queue")
        #expect(try await f.plane.consistencyProblems().isEmpty)
        let inst = try await f.plane.get(InstanceRecord.self, Table.instances, try #require(s.instanceID), "i").value
        #expect(inst.instanceState == .running && inst.nodeID == f.nodes[0] && inst.claim == "host=\(f.nodes[0])")
        #expect(inst.taskID == nil && inst.organizationID == f.org)
        let task = try await f.plane.get(TaskRecord.self, Table.tasks, s.taskID, "task").value
        #expect(task.status == "stopped" && task.exitstatus == "OK" && task.progress == 100)
        #expect(task.log.map(\.t).last == "TASK OK" && task.log.map(\.t).contains("started"))
        #expect(backend.calls == ["place \(inst.id)", "start \(inst.id)"])
    }

    @Test func everyBadFieldIsNamedAndNothingIsWritten() async throws {
        let f = try await ServiceFixture.make()
        let feedBefore = try await f.plane.store.changes(after: 0, limit: 1000).count
        let body =
            Array(
                #"{"name":"x","destination":{"node_id":"cls-AAAAAAAAAAAAAAAAAAAAA"},"cpu":{"cores":"two"},"#.utf8)
            + Array(#""memory":"32","color":"red","gpu":{"mode":"mig","count":0}}"#.utf8)
        do {
            _ = try await f.plane.deploy(.system, body: body, idempotencyKey: "k", admission: nil)
            Issue.record("a bad deploy was accepted")
        } catch let e as ServiceError {
            #expect(e.status == 422)
            let fields = Set(e.errors.map(\.field))
            #expect(
                fields == ["destination.node_id", "name", "cpu.cores", "memory", "color", "gpu.count", "gpu.profile"],
                "\(e.errors)")
            #expect(e.errors.contains { $0.pointer == "#/cpu/cores" })
        }
        #expect(try await f.plane.store.changes(after: 0, limit: 1000).count == feedBefore)
    }

    @Test(arguments: ["not json", "[1,2]", "{\"name\":"]) func aBodyThatIsNotAnObjectIs400(_ text: String) async throws
    {
        let f = try await ServiceFixture.make()
        do {
            _ = try await f.plane.deploy(.system, body: Array(text.utf8), idempotencyKey: nil, admission: nil)
            Issue.record("accepted \(text)")
        } catch let e as ServiceError {
            #expect(e.status == 400)
        }
    }

    @Test func anImpossibleRequestIsRefusedByAdmissionNamingTheField() async throws {
        let f = try await ServiceFixture.make()
        let backend = FakeInstanceBackend(nodes: f.nodes)
        let body = f.deployBody("mig-1", extra: #","gpu":{"mode":"mig","profile":"99g.999gb"}"#)
        do {
            _ = try await f.plane.deploy(.system, body: body, idempotencyKey: nil, admission: backend)
            Issue.record("an impossible MIG profile was accepted")
        } catch let e as ServiceError {
            #expect(e.status == 422 && e.errors.map(\.field) == ["gpu.profile"])
        }
        #expect(try await f.plane.list(InstanceRecord.self, Table.instances, PageRequest()).items.isEmpty)
    }

    @Test func aPlacementFailureEndsTheTaskWithTheReason() async throws {
        let f = try await ServiceFixture.make()
        let backend = FakeInstanceBackend(nodes: f.nodes, refuse: ["big-1"])
        let s = try started(
            try await f.plane.deploy(.system, body: f.deployBody("big-1"), idempotencyKey: nil, admission: nil))
        await LifecycleController(plane: f.plane, backend: backend).drain()
        let task = try await f.plane.get(TaskRecord.self, Table.tasks, s.taskID, "task").value
        #expect(task.exitstatus == "not placed: no capacity for 'big-1'")
        let inst = try await f.plane.get(InstanceRecord.self, Table.instances, try #require(s.instanceID), "i").value
        #expect(inst.instanceState == .error && inst.nodeID == nil && inst.taskID == nil)
    }

    @Test func oneActionAtATimeAndStaleVersionsAreRefused() async throws {
        let f = try await ServiceFixture.make()
        let backend = FakeInstanceBackend(nodes: f.nodes)
        let controller = LifecycleController(plane: f.plane, backend: backend)
        let s = try started(
            try await f.plane.deploy(.system, body: f.deployBody("db-1"), idempotencyKey: nil, admission: nil))
        let id = try #require(s.instanceID)
        await controller.drain()
        let stop = try started(
            try await f.plane.act(.system, instance: id, action: "stop", ifMatch: nil, idempotencyKey: nil, request: [])
        )
        do {
            _ = try await f.plane.act(
                .system, instance: id, action: "kill", ifMatch: nil, idempotencyKey: nil, request: [])
            Issue.record("a second action was accepted while the first runs")
        } catch let e as ServiceError {
            #expect(e.status == 409 && e.extra["task_id"] == stop.taskID && e.extra["task_state"] == "powering-off")
        }
        await controller.drain()
        let row = try await f.plane.get(InstanceRecord.self, Table.instances, id, "i")
        #expect(row.value.instanceState == .stopped)
        do {
            _ = try await f.plane.act(
                .system, instance: id, action: "start", ifMatch: row.version - 1, idempotencyKey: nil, request: [])
            Issue.record("a stale If-Match was accepted")
        } catch let e as ServiceError {
            #expect(e.status == 412 && e.extra["current_etag"] == "\"\(row.version)\"")
        }
        _ = try await f.plane.act(
            .system, instance: id, action: "destroy", ifMatch: row.version, idempotencyKey: nil, request: [])
        await controller.drain()
        await #expect(throws: ServiceError.self) {
            _ = try await f.plane.get(InstanceRecord.self, Table.instances, id, "instance")
        }
        #expect(backend.calls.suffix(2) == ["stop \(id)", "destroy \(id)"])
    }

    @Test func aTaskWhoseInstanceVanishedStopsAndLeavesTheQueue() async throws {
        let f = try await ServiceFixture.make()
        let s = try started(
            try await f.plane.deploy(.system, body: f.deployBody("gone-1"), idempotencyKey: nil, admission: nil))
        try await f.plane.store.transaction {
            try await $0.delete(StoreKey(Table.instances, s.instanceID ?? ""), expect: .any)
        }
        await LifecycleController(plane: f.plane, backend: FakeInstanceBackend(nodes: f.nodes)).drain()
        let task = try await f.plane.get(TaskRecord.self, Table.tasks, s.taskID, "task").value
        #expect(task.finished && task.exitstatus == "the instance no longer exists")
        #expect(try await f.plane.store.snapshot { try await $0.scan(table: Table.taskQueue) }.isEmpty)
    }

    @Test func anHARestartSeenByTheBackendIsReconciledIntoTheStore() async throws {
        let f = try await ServiceFixture.make()
        let backend = FakeInstanceBackend(nodes: f.nodes)
        let controller = LifecycleController(plane: f.plane, backend: backend)
        let s = try started(
            try await f.plane.deploy(.system, body: f.deployBody("ha-1"), idempotencyKey: nil, admission: nil))
        await controller.drain()
        let id = try #require(s.instanceID)
        backend.move(id, to: f.nodes[1])
        await controller.reconcile()
        #expect(try await f.plane.get(InstanceRecord.self, Table.instances, id, "i").value.nodeID == f.nodes[1])
    }

    @Test func aRestartedControlPlaneAdoptsWhatTheStoreHolds() async throws {
        let store = MemoryStore()
        let f = try await ServiceFixture.make(store: store)
        let first = FakeInstanceBackend(nodes: f.nodes)
        for n in 1...3 {
            _ = try await f.plane.deploy(.system, body: f.deployBody("vm-\(n)"), idempotencyKey: nil, admission: nil)
        }
        await LifecycleController(plane: f.plane, backend: first).drain()
        let second = FakeInstanceBackend(nodes: f.nodes)
        let (adopted, failed) = try await LifecycleController(plane: ControlPlane(store: store), backend: second)
            .adoptAll()
        #expect(adopted == 3 && failed.isEmpty && second.calls.allSatisfy { $0.hasPrefix("adopt ") })
    }
}
