import CloudModel
import CloudService
import Synchronization

/// An instance backend for tests: places on the given nodes in turn (or refuses instances whose
/// name is in `refuse`), and remembers what runs where. Every call is recorded.
public final class FakeInstanceBackend: InstanceBackend {
    struct State {
        var next = 0
        var placed: [String: ObservedInstance] = [:]
        var calls: [String] = []
    }

    let nodes: [String]
    let refuse: Set<String>
    let state = Mutex(State())

    /// A backend over `nodes` (node IDs) that refuses instances named in `refuse`.
    public init(nodes: [String], refuse: Set<String> = []) {
        precondition(!nodes.isEmpty, "a fake backend needs a node")
        self.nodes = nodes
        self.refuse = refuse
    }

    /// The calls made, in order (`place inst-…`, `start inst-…`, …).
    public var calls: [String] { state.withLock { $0.calls } }

    /// Moves instance `id` to `node` (as an HA restart would).
    public func move(_ id: String, to node: String) {
        state.withLock { $0.placed[id]?.nodeID = node }
    }

    public func validate(_ instance: InstanceRecord) async -> FieldError? {
        instance.gpu?.profile == "99g.999gb"
            ? FieldError(path: ["gpu", "profile"], detail: "no node offers MIG profile '99g.999gb'") : nil
    }

    public func place(_ i: InstanceRecord) async -> Result<BackendPlacement, BackendError> {
        state.withLock { s in
            s.calls.append("place \(i.id)")
            guard !refuse.contains(i.name) else { return .failure(BackendError("no capacity for '\(i.name)'")) }
            let node = i.requestedNodeID ?? nodes[s.next % nodes.count]
            s.next += 1
            s.placed[i.id] = ObservedInstance(nodeID: node, state: .stopped)
            return .success(BackendPlacement(nodeID: node, claim: "host=\(node)", gpus: []))
        }
    }

    public func release(_ id: String) async { _ = state.withLock { $0.placed.removeValue(forKey: id) } }

    public func adopt(_ i: InstanceRecord) async -> Result<BackendPlacement, BackendError> {
        state.withLock { s in
            s.calls.append("adopt \(i.id)")
            s.placed[i.id] = ObservedInstance(
                nodeID: i.nodeID, state: i.desiredPower == "running" ? .running : .stopped)
            return .success(BackendPlacement(nodeID: i.nodeID ?? "", claim: i.claim ?? "", gpus: i.gpus))
        }
    }

    func set(_ id: String, _ call: String, _ s: InstanceState) throws(BackendError) {
        let ok = state.withLock { st -> Bool in
            st.calls.append("\(call) \(id)")
            guard st.placed[id] != nil else { return false }
            st.placed[id]?.state = s
            return true
        }
        if !ok { throw BackendError("instance '\(id)' is not placed") }
    }

    public func start(_ id: String) async throws(BackendError) { try set(id, "start", .running) }
    public func stop(_ id: String, force: Bool) async throws(BackendError) {
        try set(id, force ? "kill" : "stop", .stopped)
    }
    public func destroy(_ id: String) async throws(BackendError) {
        try set(id, "destroy", .destroying)
        _ = state.withLock { $0.placed.removeValue(forKey: id) }
    }

    public func migrate(_ id: String, to node: String?) async -> Result<BackendPlacement, BackendError> {
        state.withLock { s in
            s.calls.append("migrate \(id)")
            guard let n = node ?? nodes.first, s.placed[id] != nil else { return .failure(BackendError("not placed")) }
            s.placed[id]?.nodeID = n
            return .success(BackendPlacement(nodeID: n, claim: "host=\(n)", gpus: []))
        }
    }

    /// The most vCPUs a fake node fits: a resize beyond it is refused.
    public static let nodeVCPUs = 64

    /// Resizes in place, or refuses beyond `nodeVCPUs`.
    public func resize(_ i: InstanceRecord) async -> Result<BackendPlacement, BackendError> {
        state.withLock { s in
            s.calls.append("resize \(i.id) \(i.vcpus)x\(i.memory)")
            guard let node = s.placed[i.id]?.nodeID, i.vcpus <= Self.nodeVCPUs else {
                return .failure(BackendError("no node fits \(i.vcpus) vCPUs, \(i.memory) MB"))
            }
            return .success(BackendPlacement(nodeID: node, claim: "host=\(node) vcpus=\(i.vcpus)", gpus: []))
        }
    }

    public func setNode(_ id: String, schedulable: Bool, maintenance: Bool) async {
        state.withLock { $0.calls.append("node \(id) schedulable=\(schedulable) maintenance=\(maintenance)") }
    }

    public func observe(_ ids: [String]) async -> [ObservedInstance?] {
        state.withLock { s in ids.map { s.placed[$0] } }
    }
}
