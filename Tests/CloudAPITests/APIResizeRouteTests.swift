import CloudAPI
import CloudModel
import CloudService
import CloudStore
import CloudTelemetry
import CloudTestKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// `POST /api/v1/instances/{id}/resize` through the router: a task that changes the size, and
/// problems naming the field.
@Suite struct APIResizeRouteTests {
    static let token = "test-token-0123456789"
    var auth: HTTPFields { [.authorization: "Bearer \(Self.token)", .contentType: "application/json"] }

    func json(_ r: TestResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(r.body.readableBytesView))) as? [String: Any] ?? [:]
    }

    @Test func aResizeThroughTheAPIChangesTheInstanceAndBadOnesAreNamed() async throws {
        let f = try await ServiceFixture.make()
        _ = try await f.plane.bootstrapAdminToken(secret: Self.token)
        let backend = FakeInstanceBackend(nodes: f.nodes)
        let api = API(plane: f.plane, backend: backend, version: "test")
        let app = Application(router: api.router(status: StatusSource(metrics: { [] }, healthy: { true })))
        let controller = LifecycleController(plane: f.plane, backend: backend)
        try await app.test(.router) { client in
            let created = try await client.execute(
                uri: "/api/v2/instances", method: .post, headers: auth, body: ByteBuffer(bytes: f.deployBody("web-9")))
            let id = try #require(json(created)["instance_id"] as? String)
            await controller.drain()
            let bad = try await client.execute(
                uri: "/api/v1/instances/\(id)/resize", method: .post, headers: auth,
                body: ByteBuffer(string: #"{"memory":"lots"}"#))
            #expect(bad.status == .unprocessableContent)
            let errors = json(bad)["errors"] as? [[String: Any]] ?? []
            #expect(errors.contains { $0["field"] as? String == "memory" }, "\(json(bad))")
            let started = try await client.execute(
                uri: "/api/v1/instances/\(id)/resize/", method: .post, headers: auth,
                body: ByteBuffer(string: #"{"cpu":{"cores":6},"memory":"8192"}"#))
            #expect(started.status == .ok)
            let task = try #require(json(started)["task_id"] as? String)
            await controller.drain()
            let got = try await client.execute(uri: "/api/v1/instances/\(id)", method: .get, headers: auth)
            let inst = json(got)["instance"] as? [String: Any] ?? [:]
            #expect(inst["vcpus"] as? Int == 6 && inst["memory"] as? Int == 8192)
            let t = try await client.execute(uri: "/api/v1/tasks/\(task)", method: .get, headers: auth)
            #expect(json(t)["type"] as? String == "instance.resize" && json(t)["exitstatus"] as? String == "OK")
        }
    }
}
