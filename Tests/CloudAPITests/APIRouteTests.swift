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

/// The API through Hummingbird's router test framework (no socket): status codes, problem
/// bodies, headers and wire names.
@Suite struct APIRouteTests {
    static let token = "test-token-0123456789"

    /// The API over a fixture store with the bootstrap token, and the fixture.
    func app() async throws -> (some ApplicationProtocol, ServiceFixture, FakeInstanceBackend) {
        let f = try await ServiceFixture.make()
        _ = try await f.plane.bootstrapAdminToken(secret: Self.token)
        let backend = FakeInstanceBackend(nodes: f.nodes)
        let api = API(plane: f.plane, backend: backend, version: "test")
        let status = StatusSource(metrics: { [] }, healthy: { true })
        return (Application(router: api.router(status: status)), f, backend)
    }

    var auth: HTTPFields { [.authorization: "Bearer \(Self.token)", .contentType: "application/json"] }

    func json(_ r: TestResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(r.body.readableBytesView))) as? [String: Any] ?? [:]
    }

    func list(_ r: TestResponse) -> [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: Data(r.body.readableBytesView))) as? [[String: Any]] ?? []
    }

    @Test func healthCheckIsOpenEverythingElseNeedsTheToken() async throws {
        let (app, f, _) = try await app()
        try await app.test(.router) { client in
            let h = try await client.execute(uri: "/api/v1/healthcheck", method: .get)
            #expect(h.status == .ok && f.nodes.contains(json(h)["id"] as? String ?? ""))
            #expect(h.headers[HTTPField.Name("X-Request-Id")!]?.hasPrefix("req-") == true)
            for path in ["/api/v1/instances", "/api/v1/organizations/", "/api/v1/nodes/\(f.nodes[0])"] {
                let r = try await client.execute(uri: path, method: .get)
                #expect(r.status == .unauthorized && r.headers[.contentType] == "application/problem+json")
                #expect(json(r)["code"] as? Int == 401 && json(r)["message"] != nil)
            }
            let wrong = try await client.execute(
                uri: "/api/v1/instances", method: .get, headers: [.authorization: "Bearer nope"])
            #expect(wrong.status == .unauthorized)
        }
    }

    @Test func aPathWithAndWithoutTrailingSlashIsTheSameRoute() async throws {
        let (app, f, _) = try await app()
        try await app.test(.router) { client in
            for path in [
                "/api/v1/nodes/\(f.nodes[0])", "/api/v1/nodes/\(f.nodes[0])/", "/api/v1/organizations",
                "/api/v1/organizations/", "/api/v1/clusters/\(f.cluster)/",
            ] {
                let r = try await client.execute(uri: path, method: .get, headers: auth)
                #expect(r.status == .ok, "\(path)")
            }
            let node = try await client.execute(uri: "/api/v1/nodes/\(f.nodes[0])/", method: .get, headers: auth)
            let detail = json(node)["node"] as? [String: Any]
            #expect(detail?["cluster_id"] as? String == f.cluster && detail?["organization_id"] as? String == f.org)
        }
    }

    @Test func wrongPrefixesUnknownRoutesAndBadBodiesAreProblems() async throws {
        let (app, f, _) = try await app()
        try await app.test(.router) { client in
            let wrong = try await client.execute(
                uri: "/api/v1/instances/node-\(f.nodes[0].dropFirst(5))", method: .get, headers: auth)
            #expect(wrong.status == .badRequest && (json(wrong)["detail"] as? String ?? "").contains("instance_id"))
            let unknown = try await client.execute(uri: "/api/v1/no-such-thing", method: .get, headers: auth)
            #expect(unknown.status == .notFound && json(unknown)["code"] as? Int == 404)
            let malformed = try await client.execute(
                uri: "/api/v2/instances", method: .post, headers: auth, body: ByteBuffer(string: "{\"name\": "))
            #expect(malformed.status == .badRequest && json(malformed)["title"] as? String == "Bad Request")
            let huge = ByteBuffer(bytes: Array(repeating: UInt8(ascii: " "), count: (1 << 20) + 10))
            let big = try await client.execute(uri: "/api/v2/instances", method: .post, headers: auth, body: huge)
            #expect(big.status == .contentTooLarge)
            let fields = try await client.execute(
                uri: "/api/v2/instances", method: .post, headers: auth,
                body: ByteBuffer(
                    string:
                        #"{"name":"ok-name","destination":{"cluster_id":"\#(f.cluster)"},"memory":"lots","cpu":{"cores":2}}"#
                ))
            #expect(fields.status == .unprocessableContent)
            let errors = json(fields)["errors"] as? [[String: Any]] ?? []
            #expect(errors.map { $0["pointer"] as? String } == ["#/memory"])
            let none = try await client.execute(uri: "/api/v1/instances", method: .get, headers: auth)
            #expect(list(none).isEmpty, "a refused create wrote an instance")
        }
    }

    @Test func createReadUpdateWithETagsAndIdempotency() async throws {
        let (app, f, backend) = try await app()
        try await app.test(.router) { client in
            var h = auth
            h[HTTPField.Name("Idempotency-Key")!] = "create-1"
            let body = ByteBuffer(bytes: f.deployBody("web-01"))
            let created = try await client.execute(uri: "/api/v2/instances/", method: .post, headers: h, body: body)
            #expect(created.status == .ok)
            let id = try #require(json(created)["instance_id"] as? String)
            let replay = try await client.execute(uri: "/api/v2/instances", method: .post, headers: h, body: body)
            #expect(
                replay.headers[HTTPField.Name("Idempotent-Replayed")!] == "true"
                    && json(replay)["instance_id"] as? String == id)
            await LifecycleController(plane: f.plane, backend: backend).drain()
            let got = try await client.execute(uri: "/api/v1/instances/\(id)", method: .get, headers: auth)
            let etag = try #require(got.headers[.eTag])
            #expect((json(got)["instance"] as? [String: Any])?["state"] as? Int == InstanceState.running.rawValue)
            var stale = auth
            stale[.ifMatch] = "\"1\""
            let refused = try await client.execute(
                uri: "/api/v1/instances/\(id)", method: .patch, headers: stale,
                body: ByteBuffer(string: #"{"name":"web-02"}"#))
            #expect(refused.status == .preconditionFailed)
            var fresh = auth
            fresh[.ifMatch] = etag
            let patched = try await client.execute(
                uri: "/api/v1/instances/\(id)", method: .patch, headers: fresh,
                body: ByteBuffer(string: #"{"data":{"action":"update_info_fields","name":"web-02"}}"#))
            #expect(patched.status == .ok && json(patched)["name"] as? String == "web-02")
            let power = try await client.execute(
                uri: "/api/v1/instances/\(id)/power", method: .post, headers: auth,
                body: ByteBuffer(string: #"{"action":"stop"}"#))
            #expect(power.status == .ok && json(power)["task_id"] != nil)
            let busy = try await client.execute(uri: "/api/v1/instances/\(id)", method: .delete, headers: auth)
            #expect(busy.status == .conflict && json(busy)["task_id"] as? String == json(power)["task_id"] as? String)
            let task = try await client.execute(
                uri: "/api/v1/tasks/\(json(power)["task_id"] as? String ?? "")", method: .get, headers: auth)
            #expect(json(task)["type"] as? String == "instance.stop")
        }
    }

    @Test func listsReturnBareArraysAndPageWithACursor() async throws {
        let (app, f, _) = try await app()
        for n in 1...5 {
            _ = try await f.plane.deploy(.system, body: f.deployBody("vm-\(n)"), idempotencyKey: nil, admission: nil)
        }
        try await app.test(.router) { client in
            var seen: [String] = []
            var uri = "/api/v1/instances?limit=2"
            while true {
                let r = try await client.execute(uri: uri, method: .get, headers: auth)
                seen += list(r).compactMap { $0["id"] as? String }
                guard let next = r.headers[HTTPField.Name("X-Next-Cursor")!] else { break }
                #expect(r.headers[HTTPField.Name("Link")!]?.contains("rel=\"next\"") == true)
                uri = "/api/v1/instances?limit=2&cursor=\(next)"
            }
            #expect(seen.count == 5 && Set(seen).count == 5)
            let bad = try await client.execute(uri: "/api/v1/instances?limit=0", method: .get, headers: auth)
            #expect(bad.status == .badRequest)
            let byNode = try await client.execute(uri: "/api/v1/instances?node_id=cls-x", method: .get, headers: auth)
            #expect(byNode.status == .badRequest)
        }
    }
}
