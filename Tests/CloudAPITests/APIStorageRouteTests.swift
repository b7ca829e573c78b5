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

/// The storage, network and inventory-update routes through the router: wire shapes the
/// reference clients read, and refusals that name the field.
@Suite struct APIStorageRouteTests {
    static let token = "test-token-0123456789"

    func app() async throws -> (some ApplicationProtocol, ServiceFixture) {
        let f = try await ServiceFixture.make()
        _ = try await f.plane.bootstrapAdminToken(secret: Self.token)
        let api = API(plane: f.plane, backend: FakeInstanceBackend(nodes: f.nodes), version: "test")
        return (Application(router: api.router(status: StatusSource(metrics: { [] }, healthy: { true }))), f)
    }

    var auth: HTTPFields { [.authorization: "Bearer \(Self.token)", .contentType: "application/json"] }

    func any(_ r: TestResponse) -> Any? { try? JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) }

    @Test func aDeployContextReadsPoolsImagesVolumesVSwitchesAndPortGroups() async throws {
        let (app, f) = try await app()
        let node = f.nodes[0]
        try await app.test(.router) { client in
            let pools = try await client.execute(
                uri: "/api/v1/nodes/\(node)/storage/pools", method: .get, headers: auth)
            let pool = try #require((any(pools) as? [[String: Any]])?.first)
            let usage = try #require(pool["usage"] as? [String: Any])
            #expect(pool["available"] as? Bool == true && usage["available"] as? Double == usage["capacity"] as? Double)
            let poolID = try #require(pool["id"] as? String)
            let images = try await client.execute(
                uri: "/api/v1/nodes/\(node)/images/images", method: .get, headers: auth)
            #expect(
                (any(images) as? [[String: Any]])?.allSatisfy { $0["storage_pool_id"] as? String == poolID } == true)
            let created = try await client.execute(
                uri: "/api/v1/volumes?node_id=\(node)&storage_pool_id=\(poolID)", method: .post, headers: auth,
                body: ByteBuffer(string: #"{"name":"data","size":"8"}"#))
            let volumeID = try #require((any(created) as? [String: Any])?["volume_id"] as? String)
            let vols = try await client.execute(uri: "/api/v1/volumes/?node_id=\(node)", method: .get, headers: auth)
            let v = try #require((any(vols) as? [[String: Any]])?.first)
            #expect(v["id"] as? String == volumeID && v["status"] as? Int == 1 && v["attached"] as? Bool == false)
            #expect(
                v["fq_name"] as? String == "local/data"
                    && (v["metadata"] as? [String: Any])?["driver"] as? String == "qcow2")
            let after = try await client.execute(
                uri: "/api/v1/nodes/\(node)/storage/pools", method: .get, headers: auth)
            let used = ((any(after) as? [[String: Any]])?.first?["usage"] as? [String: Any])?["allocated"] as? Double
            #expect(used == 8)
            let noNode = try await client.execute(uri: "/api/v1/volumes", method: .get, headers: auth)
            #expect(noNode.status == .unprocessableContent)
            let sw = try await client.execute(
                uri: "/api/v1/networks/vswitches/standalone?node_id=\(node)", method: .get, headers: auth)
            let vswitch = try #require((any(sw) as? [[String: Any]])?.first)
            #expect(vswitch["type"] as? Int == 1 && vswitch["port_group_count"] as? Int == 1)
            let pgs = try await client.execute(
                uri: "/api/v1/networks/vswitches/standalone/port_groups?node_id=\(node)", method: .get, headers: auth)
            let pg = try #require((any(pgs) as? [[String: Any]])?.first)
            #expect(pg["vswitch_id"] as? String == vswitch["id"] as? String && pg["name"] as? String == "spg0")
            let taken = try await client.execute(
                uri: "/api/v1/networks/vswitches/standalone?node_id=\(f.nodes[1])", method: .post, headers: auth,
                body: ByteBuffer(string: #"{"name":"\#(vswitch["name"] as? String ?? "")"}"#))
            #expect(taken.status == .conflict)
        }
    }

    @Test func clustersAndNodesAreRenamedWithETagsAndNamesStayUnique() async throws {
        let (app, f) = try await app()
        try await app.test(.router) { client in
            let c = try await client.execute(
                uri: "/api/v1/clusters/\(f.cluster)", method: .patch, headers: auth,
                body: ByteBuffer(string: #"{"name":"batch","description":"nightly jobs"}"#))
            #expect(c.status == .ok)
            let detail = try await client.execute(uri: "/api/v1/clusters/\(f.cluster)", method: .get, headers: auth)
            #expect(((any(detail) as? [String: Any])?["cluster"] as? [String: Any])?["name"] as? String == "batch")
            let n = try await client.execute(
                uri: "/api/v1/nodes/\(f.nodes[0])", method: .patch, headers: auth,
                body: ByteBuffer(string: #"{"name":"rack1-n1","wol_mac":"52:54:00:AA:bb:01"}"#))
            #expect(n.status == .ok && (any(n) as? [String: Any])?["wol_mac"] as? String == "52:54:00:aa:bb:01")
            let dup = try await client.execute(
                uri: "/api/v1/nodes/\(f.nodes[1])", method: .patch, headers: auth,
                body: ByteBuffer(string: #"{"name":"rack1-n1"}"#))
            #expect(dup.status == .conflict)
            let bad = try await client.execute(
                uri: "/api/v1/nodes/\(f.nodes[1])", method: .patch, headers: auth,
                body: ByteBuffer(string: #"{"wol_mac":"52:54:00"}"#))
            let errors = (any(bad) as? [String: Any])?["errors"] as? [[String: Any]]
            #expect(bad.status == .unprocessableContent && errors?.first?["field"] as? String == "wol_mac")
            var stale = auth
            stale[.ifMatch] = "\"999\""
            let refused = try await client.execute(
                uri: "/api/v1/nodes/\(f.nodes[1])", method: .patch, headers: stale,
                body: ByteBuffer(string: #"{"description":"x"}"#))
            #expect(refused.status == .preconditionFailed)
        }
    }
}
