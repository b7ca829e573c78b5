import CloudModel

/// Where the backend put an instance: the node and the scheduler's claim.
public struct BackendPlacement: Sendable, Equatable {
    public var nodeID: String
    public var claim: String
    public var gpus: [String]

    public init(nodeID: String, claim: String, gpus: [String]) {
        self.nodeID = nodeID
        self.claim = claim
        self.gpus = gpus
    }
}

/// What the backend reports of an instance it runs.
public struct ObservedInstance: Sendable, Equatable {
    public var nodeID: String?
    public var state: InstanceState
    public var gpus: [String]

    public init(nodeID: String?, state: InstanceState, gpus: [String] = []) {
        self.nodeID = nodeID
        self.state = state
        self.gpus = gpus
    }
}

/// A backend refusal (no capacity, an agent error), with the reason the task log shows.
public struct BackendError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// The runtime behind the lifecycle controller: the simulated fleet, or the live hosts' agents.
/// It places through the scheduler, starts and stops guests, and reports what runs where.
public protocol InstanceBackend: Sendable {
    /// A field error when no node of the fleet could ever satisfy the instance's request (an
    /// unknown MIG profile, a GPU model the fleet lacks); nil when it may fit.
    func validate(_ instance: InstanceRecord) async -> FieldError?
    /// Places the instance (a scheduler claim on a node) without starting it.
    func place(_ instance: InstanceRecord) async -> Result<BackendPlacement, BackendError>
    /// Gives back a placement that was not persisted.
    func release(_ id: String) async
    /// Takes over an instance the store holds placed (after a restart of the control plane).
    func adopt(_ instance: InstanceRecord) async -> Result<BackendPlacement, BackendError>
    /// Starts the guest; throws when its agent refuses.
    func start(_ id: String) async throws(BackendError)
    /// Stops the guest: gracefully, or at once when `force`.
    func stop(_ id: String, force: Bool) async throws(BackendError)
    /// Destroys the guest and releases its claim.
    func destroy(_ id: String) async throws(BackendError)
    /// Moves the guest to `node` (nil: the scheduler picks).
    func migrate(_ id: String, to node: String?) async -> Result<BackendPlacement, BackendError>
    /// Resizes the guest to `instance`'s `cpu`, `memory` and `flavor` (a cold resize: a running
    /// guest restarts), on its node when the new size fits there, else on another node; when it
    /// fits nowhere the guest keeps its old size and the error says why.
    func resize(_ instance: InstanceRecord) async -> Result<BackendPlacement, BackendError>
    /// What runs where now, for the instances the backend knows.
    func observe(_ ids: [String]) async -> [ObservedInstance?]
    /// Applies a node's state from the API: schedulable or cordoned; in maintenance (its HA
    /// instances are moved away) or not.
    func setNode(_ id: String, schedulable: Bool, maintenance: Bool) async
}
