import CloudModel
import CloudScheduler
import CloudService
import CloudSim
import CloudStore
import Foundation

/// The first start and every later start of `serve`: the fleet registered in the store; on the
/// first start the scenario's tenants and workload created through the API's own admission path;
/// on later starts what the store holds adopted by the simulated backend.
struct ServeBootstrap {
    let plane: ControlPlane
    let driver: SimulationDriver
    let spec: ScenarioSpec
    let controller: LifecycleController

    static let seededKey = StoreKey(Table.meta, "seeded")

    /// Returns a line saying what was done.
    func run() async throws -> String {
        let (orgs, dcs, clusters, nodes) = await driver.inventory
        let tenantNames = Set(spec.tenants.map(\.name) + spec.workload.map(\.tenant))
        let owners = orgs.filter { !tenantNames.contains($0.name) }
        try await plane.store.transaction { t in
            for o in owners where try await t.read(StoreKey(Table.organizations, o.id.rawValue)) == nil {
                try await t.put(StoreKey(Table.organizations, o.id.rawValue), encoding: o, expect: .absent)
            }
        }
        let added = try await plane.registerFleet(
            datacenters: dcs, clusters: clusters, nodes: nodes.map { NodeRecord(node: $0) })
        let seeded = try await plane.store.transaction { try await $0.read(Self.seededKey) } != nil
        if seeded {
            for o in try await plane.list(Organization.self, Table.organizations, PageRequest(limit: 100_000)).items {
                await driver.register(o)
            }
            let (adopted, failed) = try await controller.adoptAll()
            for f in failed { printError("warning: instance not adopted: \(f)") }
            await controller.drain()
            return "loaded the store: \(adopted) instance(s) adopted, \(failed.count) not"
        }
        let created = try await seed(clusters: clusters)
        await controller.drain()
        try await plane.store.transaction {
            try await $0.put(Self.seededKey, Array(plane.now.iso8601.utf8), expect: .absent)
        }
        return "first start: registered \(added) fleet row(s); created \(created) instance(s) through the API"
    }

    /// Creates the scenario's tenants and instances as an API client would.
    func seed(clusters: [Cluster]) async throws -> Int {
        var orgIDs: [String: String] = [:]
        for name in spec.tenants.map(\.name) + spec.workload.map(\.tenant) where orgIDs[name] == nil {
            let body = Wire.encode(["name": name])
            let reply = try await plane.createOrganization(.system, body: body, idempotencyKey: "seed-org-\(name)")
            guard let id = Wire.decode(Created.self, reply.body)?.id,
                let org = try? await plane.get(Organization.self, Table.organizations, id, "organization").value
            else { throw ServiceError.badRequest("seeding tenant '\(name)' failed: \(reply.status)") }
            orgIDs[name] = id
            await driver.register(org)
        }
        var n = 0
        for group in spec.workload {
            for i in 1...max(group.count, 1) where group.count > 0 {
                let name = HostGroupSpec.hostName(group.name, i)
                var body: [String: Any] = [
                    "name": name, "flavor": group.flavor.name, "ha_priority": group.haPriority.rawValue,
                    "organization_id": orgIDs[group.tenant] ?? "",
                ]
                let cluster = group.cluster.flatMap { c in clusters.first { $0.name == c } } ?? clusters.first
                body["destination"] = ["cluster_id": cluster?.id.rawValue ?? ""]
                if let g = group.request.gpu {
                    var gpu: [String: Any] = ["mode": g.mode.rawValue, "count": g.count, "nvlink": g.nvlink.rawValue]
                    if let p = g.profile { gpu["profile"] = p }
                    if let m = g.model { gpu["model"] = m }
                    body["gpu"] = gpu
                }
                let bytes = Array(try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]))
                _ = try await plane.deploy(
                    .system, body: bytes, idempotencyKey: "seed-\(name)", admission: controller.backend)
                n += 1
            }
        }
        return n
    }
}
