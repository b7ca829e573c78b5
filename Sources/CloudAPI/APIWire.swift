import CloudModel
import CloudService

/// `GET /api/v1/healthcheck`.
struct HealthCheck: Codable, Sendable {
    var id: String?
    var clusterIDHash: String?
    var healthy: Bool
    /// Milliseconds since the epoch.
    var time: Int64
    enum CodingKeys: String, CodingKey {
        case id, healthy, time
        case clusterIDHash = "cluster_id_hash"
    }
}

/// `GET /api/v1/users/session`.
struct SessionInfo: Codable, Sendable {
    var authenticated: Bool
    var user: SessionUser?
}

/// The principal of the session (users come with tenancy).
struct SessionUser: Codable, Sendable {
    var name: String
}

/// `GET /api/v1/datacenters/{id}`.
struct DatacenterDetail: Codable, Sendable {
    var datacenter: Datacenter
    var clusters: [Cluster]
}

/// `cluster.full`: the cluster with its health and federation ID.
struct ClusterFull: Codable, Sendable {
    var cluster: Cluster
    var healthStatus: String
    var clusterFederationID: String?

    init(cluster: Cluster, nodes: [NodeRecord]) {
        self.cluster = cluster
        let alive = nodes.count { $0.node.alive }
        healthStatus =
            nodes.isEmpty
            ? "unknown" : alive == nodes.count ? "healthy" : alive * 2 > nodes.count ? "degraded" : "unhealthy"
        clusterFederationID = nil
    }

    enum Keys: String, CodingKey {
        case healthStatus = "health_status", clusterFederationID = "cluster_federation_id"
    }

    init(from decoder: any Decoder) throws {
        cluster = try Cluster(from: decoder)
        let c = try decoder.container(keyedBy: Keys.self)
        healthStatus = try c.decode(String.self, forKey: .healthStatus)
        clusterFederationID = try c.decodeIfPresent(String.self, forKey: .clusterFederationID)
    }

    func encode(to encoder: any Encoder) throws {
        try cluster.encode(to: encoder)
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(healthStatus, forKey: .healthStatus)
        try c.encode(clusterFederationID, forKey: .clusterFederationID)
    }
}

/// `GET /api/v1/clusters/{id}`: the cluster and its nodes.
struct ClusterDetail: Codable, Sendable {
    var cluster: ClusterFull
    var nodes: [NodeRecord]
}

/// `GET /api/v1/clusters/{id}/hardware`.
struct ClusterHardware: Codable, Sendable {
    var partial: Bool
    var vcpus: Int
    var memoryGB: Int
    var storageGB: Int
    enum CodingKeys: String, CodingKey {
        case partial, vcpus
        case memoryGB = "memory_gb", storageGB = "storage_gb"
    }
}

/// `GET /api/v1/instances/{id}`.
struct InstanceDetail: Codable, Sendable {
    var instance: InstanceRecord
}

/// `GET /api/v1/instances/states`.
struct InstanceStateRow: Codable, Sendable {
    var id: String
    var state: Int
}

/// `GET /api/v1/nodes/{id}`.
struct NodeDetail: Codable, Sendable {
    var node: NodeRecord
    var instances: [InstanceRecord]
    var hostname: String
    var os: NodeOS
    var time: NodeTime
    var pceVersion: String
    enum CodingKeys: String, CodingKey {
        case node, instances, hostname, os, time
        case pceVersion = "pce_version"
    }
}

struct NodeOS: Codable, Sendable {
    var kernel: String
    var architecture: String
    var uefi: Bool
}

struct NodeTime: Codable, Sendable {
    /// Seconds since the epoch.
    var time: Int64
    var timezone: String
    var uptime: Int64
}
