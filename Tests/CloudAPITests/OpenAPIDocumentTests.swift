import CloudAPI
import CloudTelemetry
import CloudTestKit
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct OpenAPIDocumentTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func documentedRoutes() throws -> Set<String> {
        let doc = try #require(
            try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
        let paths = try #require(doc["paths"] as? [String: [String: Any]])
        return Set(paths.flatMap { path, ops in ops.keys.map { "\($0.uppercased()) \(path)" } })
    }

    @Test func everyRouteOfTheRouterIsDocumentedAndNoOtherIs() async throws {
        let f = try await ServiceFixture.make()
        let api = API(plane: f.plane, backend: nil, version: "test")
        _ = api.router(status: StatusSource(metrics: { [] }, healthy: { true }))
        var served = Set(api.routes.all)
        served.remove("GET /api/openapi.json")  // the document itself
        let documented = try documentedRoutes()
        #expect(served.subtracting(documented).isEmpty, "undocumented: \(served.subtracting(documented).sorted())")
        #expect(documented.subtracting(served).isEmpty, "not served: \(documented.subtracting(served).sorted())")
    }

    @Test func theServedDocumentIsTheCommittedOne() async throws {
        let committed = try String(contentsOf: Self.root.appendingPathComponent("docs/openapi.json"), encoding: .utf8)
        #expect(committed == OpenAPIDocument.json + "\n", "run python3 scripts/openapi.py")
        let f = try await ServiceFixture.make()
        let app = Application(
            router: API(plane: f.plane, backend: nil, version: "t").router(
                status: StatusSource(metrics: { [] }, healthy: { true })))
        try await app.test(.router) { client in
            let r = try await client.execute(uri: "/api/openapi.json", method: .get)
            #expect(r.status == .ok && String(buffer: r.body) == OpenAPIDocument.json)
        }
    }
}
