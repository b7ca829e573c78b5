import CloudModel
import CloudStore
import Foundation

/// `GET /api/v1/clusters/{id}/storage_pools`: a storage pool as the cluster sees it (the
/// reference API's `storagePool.list`). Pools are kept per node; the cluster's view has one entry
/// per pool name and type, enabled on `node_count` nodes, addressed by the ID of its pool on the
/// first of those nodes (any of its node pools' IDs finds it).
public struct ClusterStoragePool: Sendable, Equatable, Codable {
    public struct Metadata: Sendable, Equatable, Codable {
        public var type: Int
        public var target: String
        enum CodingKeys: String, CodingKey {
            case type = "_type"
            case target
        }
    }
    public var id: String
    public var clusterID: String
    public var name: String
    public var description: String?
    public var type: Int
    public var metadata: Metadata
    public var creation: String
    public var nodeCount: Int
    public var canHoldImages: Bool
    public var isDefault: Bool
    /// Capacity and space taken over the nodes, in GB (our addition).
    public var capacityGB: Double
    public var allocatedGB: Double
    /// The node pools behind the entry, by node ID order (our addition).
    public var nodePools: [String]

    enum CodingKeys: String, CodingKey {
        case id, name, description, type, metadata, creation
        case clusterID = "cluster_id", nodeCount = "node_count", canHoldImages = "can_hold_images"
        case isDefault = "is_default", capacityGB = "capacity_gb", allocatedGB = "allocated_gb"
        case nodePools = "node_pools"
    }

    /// The cluster's view of `pools` (all of one name and type, in node ID order).
    init(_ pools: [StoragePoolRecord]) {
        precondition(!pools.isEmpty, "a cluster storage pool has a pool on at least one node")
        let first = pools[0]
        id = first.id
        clusterID = first.clusterID
        name = first.name
        isDefault = first.name == ControlPlane.defaultPoolName
        description = isDefault ? "the local directory pool of each node" : nil
        type = first.type
        metadata = Metadata(type: first.type, target: first.target)
        creation = pools.map(\.creation).min() ?? first.creation
        nodeCount = Set(pools.map(\.nodeID)).count
        canHoldImages = pools.allSatisfy(\.canHoldImages)
        capacityGB = pools.reduce(0) { $0 + $1.capacityGB }
        allocatedGB = pools.reduce(0) { $0 + $1.allocatedGB }
        nodePools = pools.map(\.id)
    }
}

extension ControlPlane {
    /// One page of the storage pools of cluster `id`, ordered by ID as every list is.
    public func clusterStoragePools(_ id: String, _ page: PageRequest) async throws -> Page<ClusterStoragePool> {
        let rest = try await clusterStoragePools(id).filter { p in
            page.cursor.map { $0.utf8.lexicographicallyPrecedes(p.id.utf8) } ?? true
        }
        let kept = Array(rest.prefix(page.limit))
        return Page(items: kept, next: rest.count > page.limit ? kept.last?.id : nil)
    }

    /// The storage pools of cluster `id` (404 when there is no such cluster), ordered by ID.
    public func clusterStoragePools(_ id: String) async throws -> [ClusterStoragePool] {
        try await store.snapshot { t in
            guard try await t.read(StoreKey(Table.clusters, id)) != nil else {
                throw ServiceError.notFound("cluster", id)
            }
            let pools = try await t.scan(table: Table.storagePools)
                .map { try $0.decode(StoragePoolRecord.self).value }
                .filter { $0.clusterID == id }
                .sorted { ($0.name, $0.type, $0.nodeID, $0.id) < ($1.name, $1.type, $1.nodeID, $1.id) }
            var groups: [[StoragePoolRecord]] = []
            for p in pools {
                if let last = groups.last?.last, last.name == p.name, last.type == p.type {
                    groups[groups.count - 1].append(p)
                } else {
                    groups.append([p])
                }
            }
            return groups.map(ClusterStoragePool.init).sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }
        }
    }

    /// The cluster storage pool of cluster `cluster` that `poolID` (the ID of any of its node
    /// pools) names, or a 404.
    public func clusterStoragePool(_ cluster: String, _ poolID: String) async throws -> ClusterStoragePool {
        guard let p = try await clusterStoragePools(cluster).first(where: { $0.nodePools.contains(poolID) }) else {
            throw ServiceError.notFound("storage pool", poolID)
        }
        return p
    }
}
