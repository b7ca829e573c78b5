import CloudModel

/// The leader's control step around the pure `HAManager`: inputs in, one manager round, the new
/// state persisted, and only then the round's effects released.
///
/// The sequence is the "persist, then act" rule of `reference/ha.md`: a command a new leader
/// could not find in the store must never have been sent. A runtime calls `round`, writes the
/// returned `HAPersist` to its store (a precondition on the epoch), and calls `persisted()` to get
/// the effects to carry out, or `persistFailed()` when the write did not happen. Both runtimes
/// (the simulator and a live node) run this same code.
public struct HAControlStep: Sendable {
    /// The manager in the leader's memory.
    public private(set) var manager: HAManager
    /// Effects of the last round, held until its state is persisted.
    private var held: [HAEffect]?

    /// A step over `manager` (fresh, or built from the persisted state by a new leader).
    public init(manager: HAManager) { self.manager = manager }

    /// Changes the manager between rounds (hosts and VMs join and leave); the change is
    /// persisted with the next round's write.
    public mutating func updateManager<R>(_ body: (inout HAManager) throws -> R) rethrows -> R {
        precondition(held == nil, "the manager changes between rounds, not while a write is pending")
        return try body(&manager)
    }

    /// True while a round's effects wait for its write.
    public var awaitingPersist: Bool { held != nil }

    /// Runs one manager round. `queued` holds operator requests that were left in the store while
    /// there was no leader: they join the manager's deferred requests before the round, so they are
    /// applied as soon as nothing blocks them. Returns what must be written before anything is done.
    public mutating func round(
        now: Instant, epoch: UInt64, observations: [HostObservation], inputs: [HAInput], queued: [AdminCommand] = [],
        placement: inout some HAPlacement
    ) -> HAPersist {
        precondition(held == nil, "a round's effects must be released or dropped before the next round")
        manager.state.deferred.append(contentsOf: queued)
        held = manager.round(now: now, epoch: epoch, observations: observations, inputs: inputs, placement: &placement)
        return HAPersist(state: manager.state, expectEpoch: epoch, consumedRequests: queued.count)
    }

    /// The store confirmed the write: the round's effects, in order, to carry out now.
    public mutating func persisted() -> [HAEffect] {
        guard let effects = held else { preconditionFailure("persisted() without a round awaiting its write") }
        held = nil
        return effects
    }

    /// The write did not happen (store unavailable, a newer epoch wrote first): nothing of the
    /// round is carried out. The manager's memory is ahead of the store, so the runtime must
    /// rebuild it from the persisted state before the next round.
    public mutating func persistFailed() {
        precondition(held != nil, "persistFailed() without a round awaiting its write")
        held = nil
    }
}

/// What a round asks the store to write before its effects are released.
public struct HAPersist: Sendable, Equatable {
    /// The state after the round.
    public let state: HAState
    /// The writer's epoch: the write must be refused if the store holds a newer one.
    public let expectEpoch: UInt64
    /// How many queued operator requests (oldest first) the round took: the same write removes
    /// them from the queue, so a refused write loses none.
    public let consumedRequests: Int

    /// A write of `state` by the leader of `expectEpoch` that took `consumedRequests` queued requests.
    public init(state: HAState, expectEpoch: UInt64, consumedRequests: Int = 0) {
        self.state = state
        self.expectEpoch = expectEpoch
        self.consumedRequests = consumedRequests
    }
}

/// Why a write of HA state was refused.
public enum HAPersistError: Error, Sendable, Equatable {
    /// A leader with a newer epoch has written since: this leader is deposed.
    case staleEpoch(stored: UInt64, writer: UInt64)
}

/// The HA state as a store holds it: the last write, its epoch and a resource version, and the
/// operator requests that arrived while no leader ran (they wait here for the next one).
public struct HAStateRecord: Sendable, Equatable {
    /// What the last leader persisted.
    public private(set) var state: HAState
    /// Grows by one with every accepted write.
    public private(set) var resourceVersion: UInt64 = 1
    /// Operator requests waiting for a leader, oldest first.
    public private(set) var operatorQueue: [AdminCommand] = []

    /// The record of a new cluster.
    public init(state: HAState) { self.state = state }

    /// Writes `p` unless a newer epoch already wrote (a compare-and-set on the epoch).
    public mutating func write(_ p: HAPersist) throws(HAPersistError) {
        guard p.expectEpoch >= state.epoch else {
            throw .staleEpoch(stored: state.epoch, writer: p.expectEpoch)
        }
        precondition(p.consumedRequests <= operatorQueue.count, "a round consumed requests that were never queued")
        state = p.state
        operatorQueue.removeFirst(p.consumedRequests)
        resourceVersion += 1
    }

    /// Leaves an operator request for the next leader.
    public mutating func enqueue(_ request: AdminCommand) { operatorQueue.append(request) }

    /// Records a VM put under HA between rounds (an API create), so a leader that takes over
    /// before the next write finds it.
    public mutating func insertVM(_ record: HAVMRecord) {
        guard state.vm(record.id) == nil else { return }
        state.insertVM(record)
        resourceVersion += 1
    }

    /// Drops a VM taken out of HA between rounds (stopped or deleted through the API).
    public mutating func removeVM(_ id: VMID) {
        guard let v = state.vm(id) else { return }
        state.removeVM(at: v)
        resourceVersion += 1
    }

}
