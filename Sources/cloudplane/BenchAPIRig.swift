import CloudAPI
import CloudModel
import CloudScenario
import CloudService
import CloudSim
import CloudStore
import Foundation
import Hummingbird
import Synchronization

/// The server side of `bench api`: the control plane over a fresh store with the demo's fleet,
/// its API on a loopback port; the controllers do not run (what is measured is admission).
struct BenchAPIRig {
    let plane: ControlPlane
    let port: Int
    let server: Task<Void, any Error>
    let cluster: String
    let org: String
    static let token = "bench-token-0123456789abcdef"

    static func start(store: any Store) async throws -> BenchAPIRig {
        guard let (_, spec0) = try loadScenarios(["Scenarios/demo.yaml"]).first else {
            throw CtlFailure(description: "Scenarios/demo.yaml did not load (run from the repository root)")
        }
        var spec = spec0
        spec.workload = []
        let driver = SimulationDriver(try Simulation(spec: spec))
        let plane = ControlPlane(store: store)
        _ = try await plane.bootstrapAdminToken(secret: token)
        let (orgs, dcs, clusters, nodes) = await driver.inventory
        try await store.transaction { t in
            for o in orgs {
                try await t.put(StoreKey(Table.organizations, o.id.rawValue), encoding: o, expect: .absent)
            }
        }
        try await plane.registerFleet(datacenters: dcs, clusters: clusters, nodes: nodes.map { NodeRecord(node: $0) })
        let backend = SimBackend(
            driver: driver, clusterNames: Dictionary(uniqueKeysWithValues: clusters.map { ($0.id.rawValue, $0.name) }))
        let api = API(plane: plane, backend: backend, version: ExporterMetrics.version)
        let status = StatusSource(metrics: { [] }, healthy: { true })
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let router = api.router(status: status)
        let server = Task<Void, any Error> {
            let app = Application(
                router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { ch in portSink.yield(ch.localAddress?.port ?? 0) },
                eventLoopGroupProvider: .shared(API.eventLoops))
            try await app.runService()
        }
        var port = 0
        for await p in ports {
            port = p
            break
        }
        guard let cl = clusters.first(where: { $0.name == "general" }) ?? clusters.first, let org = orgs.first else {
            throw CtlFailure(description: "the demo fleet has no cluster")
        }
        return BenchAPIRig(plane: plane, port: port, server: server, cluster: cl.id.rawValue, org: org.id.rawValue)
    }

    var auth: [String] { ["Authorization: Bearer \(Self.token)", "Content-Type: application/json"] }

    /// One measured run of creates; returns creates/s, latencies (ms) and the IDs made.
    func createRun(run: Int, creates: Int, clients: Int) async throws -> (Double, [Double], [String]) {
        let replies = Mutex([[UInt8]](repeating: [], count: creates))
        let auth = self.auth
        let (cluster, org) = (self.cluster, self.org)
        // every request is encoded before the clock starts, so the generator only sends and reads
        let requests = (0..<creates).map { i in
            let name = "bench-\(run)-\(i)"
            let body =
                #"{"name":"\#(name)","destination":{"cluster_id":"\#(cluster)"},"organization_id":"\#(org)","#
                + #""cpu":{"cores":1},"memory":64,"ha_priority":"none"}"#
            return BenchHTTPConnection.encode(
                "POST", "/api/v2/instances", headers: auth + ["Idempotency-Key: \(name)"], body: Array(body.utf8))
        }
        let clock = ContinuousClock()
        let start = clock.now
        let lat = try await BenchLoad(port: port, clients: clients).run(total: creates) {
            requests[$0]
        } reply: {
            i, status, reply in
            guard status == 200 else {
                throw CtlFailure(description: "create answered \(status): \(String(decoding: reply, as: UTF8.self))")
            }
            replies.withLock { $0[i] = reply }
        }
        let seconds = ms(clock.now - start) / 1000
        // the replies are decoded after the clock stops, so decoding does not load the generator
        let ids = try replies.withLock { $0 }.map { reply in
            guard let id = Wire.decode(TaskStarted.self, reply)?.instanceID else {
                throw CtlFailure(description: "create answered \(String(decoding: reply, as: UTF8.self))")
            }
            return id
        }
        return (Double(creates) / seconds, lat, ids)
    }

    /// GET latencies (ms) of `count` reads of random instances from `clients` connections.
    func getRun(ids: [String], count: Int, clients: Int) async throws -> [Double] {
        var rng = SystemRandomNumberGenerator()
        let auth = self.auth
        let requests = (0..<count).map { _ in
            BenchHTTPConnection.encode(
                "GET", "/api/v1/instances/\(ids[Int(rng.next() % UInt64(ids.count))])", headers: auth)
        }
        return try await BenchLoad(port: port, clients: clients).run(total: count) {
            requests[$0]
        } reply: {
            _, status, _ in
            guard status == 200 else { throw CtlFailure(description: "GET answered \(status)") }
        }
    }

    /// Fills the store to `total` instances, then lists them all through HTTP, 1,000 a page.
    func listRun(total: Int, have: Int) async throws -> Double {
        if have < total,
            let one = try await plane.list(InstanceRecord.self, Table.instances, PageRequest(limit: 1)).items.first
        {
            try await plane.store.transaction { t in
                for n in have..<total {
                    var r = one
                    r.id = plane.newID(.instance).rawValue
                    r.name = "filler-\(n)"
                    try await t.put(StoreKey(Table.instances, r.id), encoding: r, expect: .absent)
                }
            }
        }
        let auth = self.auth
        let port = self.port
        let seconds = Mutex(0.0)
        try await benchClients(1, port: port) { _, conn in
            let clock = ContinuousClock()
            let start = clock.now
            var cursor: String?
            var seen = 0
            repeat {
                let (status, body) = try conn.request(
                    "GET", "/api/v1/instances?limit=1000" + (cursor.map { "&cursor=\($0)" } ?? ""), headers: auth)
                guard status == 200, let page = try? JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]]
                else { throw CtlFailure(description: "list answered \(status)") }
                seen += page.count
                cursor = page.count == 1000 ? page.last?["id"] as? String : nil
            } while cursor != nil
            guard seen >= total else { throw CtlFailure(description: "listed \(seen) of \(total)") }
            seconds.withLock { $0 = ms(clock.now - start) / 1000 }
        }
        return seconds.withLock { $0 }
    }
}

func ms(_ d: Duration) -> Double {
    let c = d.components
    return Double(c.seconds) * 1000 + Double(c.attoseconds) / 1e15
}
