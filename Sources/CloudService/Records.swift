import CloudModel
import Foundation

/// The store tables of the control plane.
public enum Table {
    public static let organizations = "organizations"
    public static let datacenters = "datacenters"
    public static let clusters = "clusters"
    public static let nodes = "nodes"
    public static let instances = "instances"
    public static let tasks = "tasks"
    /// Unfinished tasks only (a row per task, its start time as the value), written and removed
    /// in the task's own transactions: what the controller reads instead of every task ever run.
    public static let taskQueue = "task_queue"
    public static let idempotency = "idempotency_keys"
    public static let tokens = "api_tokens"
    public static let meta = "meta"
}

/// A GPU request as the API takes it (CloudPlane extension of the deploy body).
public struct GPUSpec: Sendable, Equatable, Codable {
    /// `passthrough`, `sriov`, `vgpu` or `mig`.
    public var mode: String
    public var count: Int
    /// MIG profile (`3g.40gb`) or vGPU type (`A100D-20C`).
    public var profile: String?
    /// GPU model, e.g. `H100-SXM5-80GB`.
    public var model: String?
    /// `required`, `preferred` or `none`.
    public var nvlink: String?

    public init(mode: String, count: Int, profile: String? = nil, model: String? = nil, nvlink: String? = nil) {
        self.mode = mode
        self.count = count
        self.profile = profile
        self.model = model
        self.nvlink = nvlink
    }
}

/// An instance as stored and as the API shows it (`instance.list` wire names plus CloudPlane's).
public struct InstanceRecord: Sendable, Equatable, Codable {
    public var id: String
    public var organizationID: String
    public var clusterID: String?
    /// Where it runs; nil while unplaced.
    public var nodeID: String?
    /// The node the client asked for (`destination.node_id`), if any.
    public var requestedNodeID: String?
    public var type: Int
    public var name: String
    public var description: String?
    public var cpu: CPUShape
    public var vcpus: Int
    /// MB.
    public var memory: Int
    public var creation: String
    public var autostart: Bool
    public var bootOrder: Int
    /// Reference API state, 1...12 (`InstanceState`).
    public var state: Int
    public var stateName: String
    public var haPriority: String
    public var flavor: String?
    public var gpu: GPUSpec?
    /// `running` or `stopped`: what the controllers drive it to.
    public var desiredPower: String
    /// The action in progress (one at a time), and its task.
    public var taskID: String?
    public var taskState: String?
    /// The scheduler's claim as text, written in the same transaction as `node_id`.
    public var claim: String?
    /// GPUs the claim holds (UUIDs), for the API and metrics.
    public var gpus: [String]
    public var metadata: [String: String]?
    /// Volumes it has attached (created or named by the deploy), as disks.
    public var volumes: [AttachedVolume]? = nil

    enum CodingKeys: String, CodingKey {
        case id, type, name, description, cpu, vcpus, memory, creation, autostart, state, flavor, gpu, claim, gpus
        case metadata, volumes
        case organizationID = "organization_id", clusterID = "cluster_id", nodeID = "node_id"
        case requestedNodeID = "requested_node_id", bootOrder = "boot_order", stateName = "state_name"
        case haPriority = "ha_priority", desiredPower = "desired_power", taskID = "task_id"
        case taskState = "task_state"
    }

    /// Sets the reference state and its name together.
    public mutating func set(_ s: InstanceState) {
        state = s.rawValue
        stateName = s.name
    }

    /// The reference state.
    public var instanceState: InstanceState { InstanceState(rawValue: state) ?? .unknown }
}

/// One line of a task's log (Proxmox's `{n, t}`).
public struct TaskLogLine: Sendable, Equatable, Codable {
    public var n: Int
    public var t: String
}

/// A long action: returned at once by the call that starts it, finished by a controller.
public struct TaskRecord: Sendable, Equatable, Codable {
    public var id: String
    /// `instance.deploy`, `instance.start`, `instance.stop`, `instance.restart`, `instance.kill`,
    /// `instance.destroy`, `instance.migrate`.
    public var type: String
    /// `queued`, `running` or `stopped` (Proxmox's running/stopped, plus queued).
    public var status: String
    /// `OK`, or the error that stopped it; nil while not stopped.
    public var exitstatus: String?
    public var progress: Int
    public var instanceID: String?
    public var nodeID: String?
    public var organizationID: String?
    /// Who started it (`token:<name>`).
    public var user: String
    public var startTime: String
    public var endTime: String?
    /// Action arguments (the migration target, …).
    public var arguments: [String: String]
    public var log: [TaskLogLine]

    enum CodingKeys: String, CodingKey {
        case id, type, status, exitstatus, progress, user, log, arguments
        case instanceID = "instance_id", nodeID = "node_id", organizationID = "organization_id"
        case startTime = "start_time", endTime = "end_time"
    }

    /// Appends a log line.
    public mutating func note(_ text: String) { log.append(TaskLogLine(n: log.count + 1, t: text)) }

    /// True once stopped.
    public var finished: Bool { status == "stopped" }
}

/// A stored Idempotency-Key: who sent it on which route, the request's fingerprint, and the
/// response replayed to every retry.
public struct IdempotencyRecord: Sendable, Equatable, Codable {
    public var principal: String
    public var route: String
    public var key: String
    public var fingerprint: String
    public var status: Int
    public var body: String
    public var created: String
    /// Nanoseconds since the epoch, for expiry.
    public var createdNanoseconds: Int64

    enum CodingKeys: String, CodingKey {
        case principal, route, key, fingerprint, status, body, created
        case createdNanoseconds = "created_ns"
    }
}

/// An API token, stored as the SHA-256 of its secret.
public struct TokenRecord: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var sha256: String
    public var role: String
    public var created: String

    enum CodingKeys: String, CodingKey { case id, name, sha256, role, created }
}

/// Node state the control plane adds to the reference `node.list` shape.
public struct NodeRecord: Sendable, Equatable, Codable {
    public var node: Node
    /// False while cordoned: no new instance is placed on it.
    public var schedulable: Bool
    /// True in maintenance (cordoned and drained).
    public var maintenance: Bool

    public init(node: Node, schedulable: Bool = true, maintenance: Bool = false) {
        self.node = node
        self.schedulable = schedulable
        self.maintenance = maintenance
    }

    enum ExtraKeys: String, CodingKey { case schedulable, maintenance }

    // flat on the wire: the node's own fields and these two side by side
    public init(from decoder: any Decoder) throws {
        node = try Node(from: decoder)
        let c = try decoder.container(keyedBy: ExtraKeys.self)
        schedulable = try c.decodeIfPresent(Bool.self, forKey: .schedulable) ?? true
        maintenance = try c.decodeIfPresent(Bool.self, forKey: .maintenance) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        try node.encode(to: encoder)
        var c = encoder.container(keyedBy: ExtraKeys.self)
        try c.encode(schedulable, forKey: .schedulable)
        try c.encode(maintenance, forKey: .maintenance)
    }
}
