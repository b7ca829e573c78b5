import CloudModel
import CloudService
import CloudStore
import CloudTestKit
import Foundation
import Testing

@Suite struct ResizeServiceTests {
    func started(_ r: ServiceReply) throws -> TaskStarted {
        try #require(Wire.decode(TaskStarted.self, r.body), "reply \(String(decoding: r.body, as: UTF8.self))")
    }

    /// A running instance of the fixture's deploy body (2 vCPUs, 1,024 MB), with its controller.
    func running(_ f: ServiceFixture, _ name: String) async throws -> (String, FakeInstanceBackend, LifecycleController)
    {
        let backend = FakeInstanceBackend(nodes: f.nodes)
        let controller = LifecycleController(plane: f.plane, backend: backend)
        let s = try started(
            try await f.plane.deploy(.system, body: f.deployBody(name), idempotencyKey: nil, admission: backend))
        await controller.drain()
        return (try #require(s.instanceID), backend, controller)
    }

    func resize(
        _ f: ServiceFixture, _ id: String, _ body: String, backend: FakeInstanceBackend
    ) async throws
        -> ServiceReply
    {
        try await f.plane.resize(
            .system, instance: id, body: Array(body.utf8), ifMatch: nil, idempotencyKey: nil, admission: backend)
    }

    @Test func aResizeIsATaskThatChangesSizeAndClaim() async throws {
        let f = try await ServiceFixture.make()
        let (id, backend, controller) = try await running(f, "web-1")
        let s = try started(try await resize(f, id, #"{"cpu":{"cores":4},"memory":4096}"#, backend: backend))
        let busy = try await f.plane.get(InstanceRecord.self, Table.instances, id, "i").value
        #expect(busy.taskID == s.taskID && busy.taskState == "resizing" && busy.vcpus == 2)
        await controller.drain()
        let inst = try await f.plane.get(InstanceRecord.self, Table.instances, id, "i").value
        #expect(inst.vcpus == 4 && inst.cpu.cores == 4 && inst.memory == 4096 && inst.taskID == nil)
        #expect(inst.claim == "host=\(f.nodes[0]) vcpus=4" && inst.instanceState == .running)
        let task = try await f.plane.get(TaskRecord.self, Table.tasks, s.taskID, "task").value
        #expect(task.type == "instance.resize" && task.exitstatus == "OK")
        #expect(task.log.map(\.t).contains { $0.hasPrefix("resized from 2 vCPUs, 1024 MB to 4 vCPUs, 4096 MB") })
        #expect(backend.calls.last == "resize \(id) 4x4096")
        #expect(try await f.plane.consistencyProblems().isEmpty)
    }

    @Test func aFlavorGivesBothSizes() async throws {
        let f = try await ServiceFixture.make()
        let (id, backend, controller) = try await running(f, "web-2")
        let flavor = try #require(Flavor.builtIn.first { $0.gpus == 0 && $0.vcpus != 2 })
        _ = try await resize(f, id, #"{"flavor":"\#(flavor.name)"}"#, backend: backend)
        await controller.drain()
        let inst = try await f.plane.get(InstanceRecord.self, Table.instances, id, "i").value
        #expect(inst.vcpus == flavor.vcpus && inst.memory == flavor.memoryMB && inst.flavor == flavor.name)
    }

    @Test func aRefusedResizeKeepsTheOldSizeAndSaysWhy() async throws {
        let f = try await ServiceFixture.make()
        let (id, backend, controller) = try await running(f, "web-3")
        let big = FakeInstanceBackend.nodeVCPUs + 1
        let s = try started(try await resize(f, id, #"{"cpu":{"cores":\#(big)}}"#, backend: backend))
        await controller.drain()
        let inst = try await f.plane.get(InstanceRecord.self, Table.instances, id, "i").value
        #expect(inst.vcpus == 2 && inst.memory == 1024 && inst.taskID == nil && inst.instanceState == .running)
        let task = try await f.plane.get(TaskRecord.self, Table.tasks, s.taskID, "task").value
        #expect(
            task.exitstatus?.hasPrefix("resize failed: no node fits \(big) vCPUs") == true, "\(task.exitstatus ?? "")")
    }

    @Test(arguments: [
        (#"{}"#, "flavor"), (#"{"flavor":"nope"}"#, "flavor"), (#"{"cpu":{"cores":0}}"#, "cpu.cores"),
        (#"{"memory":32}"#, "memory"), (#"{"memory":1024,"disk":5}"#, "disk"),
        (#"{"cpu":{"cores":2},"memory":1024}"#, "cpu"),
    ])
    func badResizesAreNamedAndWriteNothing(_ body: String, _ field: String) async throws {
        let f = try await ServiceFixture.make()
        let (id, backend, _) = try await running(f, "web-4")
        let feed = try await f.plane.store.changes(after: 0, limit: 10_000).count
        do {
            _ = try await resize(f, id, body, backend: backend)
            Issue.record("accepted \(body)")
        } catch let e as ServiceError {
            #expect(e.status == 422 && e.errors.map(\.field).contains(field), "\(body): \(e.errors)")
        }
        #expect(try await f.plane.store.changes(after: 0, limit: 10_000).count == feed)
    }

    @Test func aResizeWhileAnotherActionRunsIsAConflict() async throws {
        let f = try await ServiceFixture.make()
        let (id, backend, _) = try await running(f, "web-5")
        let stop = try started(
            try await f.plane.act(.system, instance: id, action: "stop", ifMatch: nil, idempotencyKey: nil, request: [])
        )
        do {
            _ = try await resize(f, id, #"{"memory":2048}"#, backend: backend)
            Issue.record("a resize was accepted while a stop runs")
        } catch let e as ServiceError {
            #expect(e.status == 409 && e.extra["task_id"] == stop.taskID)
        }
    }
}
