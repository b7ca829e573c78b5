import CloudAPI
import CloudService
import CloudTelemetry
import CloudTestKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// `GET /api/v1/clusters/{id}/storage_pools`: the cluster's view of its nodes' pools.
@Suite struct APIClusterPoolRouteTests {
    static let token = "test-token-0123456789"
    var auth: HTTPFields { [.authorization: "Bearer \(Self.token)", .contentType: "application/json"] }

    func any(_ r: TestResponse) -> Any? { try? JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) }

    @Test func aClusterListsEachPoolNameOnceOverItsNodesWithTheirUsage() async throws {
        let nodes = 3
        let f = try await ServiceFixture.make(nodes: nodes)
        _ = try await f.plane.bootstrapAdminToken(secret: Self.token)
        let api = API(plane: f.plane, backend: FakeInstanceBackend(nodes: f.nodes), version: "test")
        let app = Application(router: api.router(status: StatusSource(metrics: { [] }, healthy: { true })))
        try await app.test(.router) { client in
            let nodePools = try await client.execute(
                uri: "/api/v1/nodes/\(f.nodes[1])/storage/pools", method: .get, headers: auth)
            let second = try #require((any(nodePools) as? [[String: Any]])?.first?["id"] as? String)
            _ = try await client.execute(
                uri: "/api/v1/volumes?node_id=\(f.nodes[1])&storage_pool_id=\(second)", method: .post, headers: auth,
                body: ByteBuffer(string: #"{"name":"data","size":"16"}"#))
            let list = try await client.execute(
                uri: "/api/v1/clusters/\(f.cluster)/storage_pools/", method: .get, headers: auth)
            let pools = try #require(any(list) as? [[String: Any]])
            #expect(pools.count == 1, "one pool name (local) over \(nodes) nodes: \(pools)")
            let p = try #require(pools.first)
            #expect(p["node_count"] as? Int == nodes && p["is_default"] as? Bool == true)
            #expect(p["capacity_gb"] as? Double == Double(nodes) * ControlPlane.defaultPoolCapacityGB)
            #expect(p["allocated_gb"] as? Double == 16)
            #expect((p["metadata"] as? [String: Any])?["_type"] as? Int == p["type"] as? Int)
            #expect((p["node_pools"] as? [String])?.contains(second) == true)
            let one = try await client.execute(
                uri: "/api/v1/clusters/\(f.cluster)/storage_pools/\(second)", method: .get, headers: auth)
            #expect((any(one) as? [String: Any])?["id"] as? String == p["id"] as? String)
            let hw = try await client.execute(
                uri: "/api/v1/clusters/\(f.cluster)/hardware", method: .get, headers: auth)
            #expect((any(hw) as? [String: Any])?["storage_gb"] as? Int == Int(p["capacity_gb"] as? Double ?? -1))
            let wrong = try await client.execute(
                uri: "/api/v1/clusters/\(f.cluster)/storage_pools/pool-aaaaaaaaaaaaaaaaaaaaa", method: .get,
                headers: auth)
            #expect(wrong.status == .notFound)
            let badID = try await client.execute(
                uri: "/api/v1/clusters/node-aaaaaaaaaaaaaaaaaaaaa/storage_pools", method: .get, headers: auth)
            #expect(badID.status == .badRequest || badID.status == .unprocessableContent)
        }
    }
}
