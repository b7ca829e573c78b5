import CloudModel
import CloudService
import CloudStore

/// A control plane over a store with one organization, one datacenter, one cluster and `nodes`
/// small nodes, for service and API tests.
public struct ServiceFixture: Sendable {
    public let plane: ControlPlane
    public let org: String
    public let cluster: String
    public let nodes: [String]

    /// A fixture over `store` (a fresh `MemoryStore` by default).
    public static func make(store: any Store = MemoryStore(), nodes count: Int = 2) async throws -> ServiceFixture {
        let plane = ControlPlane(store: store)
        let org = Organization(id: plane.newID(.organization), name: "acme", creation: .epoch)
        let dc = Datacenter(id: plane.newID(.datacenter), organizationID: org.id, name: "dc-1", creation: .epoch)
        let cl = Cluster(
            id: plane.newID(.cluster), organizationID: org.id, datacenterID: dc.id, name: "general", creation: .epoch)
        let hw = HostTopology(
            template: "test-2s", sockets: [CPUSocket(id: 0, model: "Test CPU", cores: 16, threadsPerCore: 2)],
            numaNodes: [NUMANode(id: 0, socket: 0, cpus: 32, memoryMB: 65_536)], gpus: [], gpuLinks: [], nics: [],
            bmc: BMCInfo(address: "127.0.0.1", vendor: "test"))
        let nodes = (1...count).map { i in
            NodeRecord(
                node: Node(
                    id: plane.newID(.node), organizationID: org.id, clusterID: cl.id, name: "node-\(i)",
                    ipAddress: "127.0.0.\(i)", creation: .epoch, hardware: hw))
        }
        try await store.transaction { t in
            try await t.put(StoreKey(Table.organizations, org.id.rawValue), encoding: org, expect: .absent)
        }
        try await plane.registerFleet(datacenters: [dc], clusters: [cl], nodes: nodes)
        return ServiceFixture(
            plane: plane, org: org.id.rawValue, cluster: cl.id.rawValue, nodes: nodes.map(\.node.id.rawValue))
    }

    /// A deploy body for `name` in the fixture's cluster.
    public func deployBody(_ name: String, extra: String = "") -> [UInt8] {
        Array(
            #"{"name":"\#(name)","destination":{"cluster_id":"\#(cluster)"},"cpu":{"cores":2},"memory":1024\#(extra)}"#
                .utf8)
    }
}
