import CloudModel

/// Progress of fencing one host through the fence levels.
public struct FenceProgress: Sendable, Equatable, Codable {
    /// Index into `HAConfig.fenceLevels`.
    public var level = 0
    /// Tries of this level so far (0: first).
    public var attempt = 0
    /// When the current try gives up.
    public var deadline: UInt64 = 0
    /// Commands of the current try still without an answer.
    public var outstanding: [HACommand] = []
    /// Proofs collected in the current try.
    public var proofs: [String] = []
    /// Set after every level failed: when to start over.
    public var retryAt: UInt64?
    /// When fencing began.
    public var startedAt: UInt64
}

/// The manager's persisted record of a host.
public struct HAHostRecord: Sendable, Equatable, Codable {
    public var state: HAHostState = .online
    public var since: UInt64 = 0
    public var fence: FenceProgress?
    public var lastFenceAt: UInt64?
    public var fences = 0
    /// Set while the host's storage client is blocklisted.
    public var storageFenced = false
    /// When a returning host's agent reported it had reconciled.
    public var reconciledAt: UInt64?
    /// The unfence or reboot command in flight.
    public var hostCommand: HACommand?
    public var schedulable = true
    /// A planned shutdown in progress (nil: none).
    public var shutdown: ShutdownPolicy?
    /// When the agent acknowledged the planned reboot.
    public var rebootAckAt: UInt64?
    /// Set by an operator's maintenance request; cleared when it ends.
    public var maintenanceRequested = false
}

/// The manager's persisted record of an HA-managed VM.
public struct HAVMRecord: Sendable, Equatable, Codable {
    /// The runtime's instance index.
    public let index: Int
    public let name: String
    public let priority: HAPriority
    public var state: HAVMState
    /// The host the VM runs on, is being started on, or was lost on.
    public var node: Int?
    /// The start, stop or migrate command in flight.
    public var command: HACommand?
    public var restarts = 0
    public var relocations = 0
    /// Hosts where a start failed in this incident.
    public var failedNodes: [Int] = []
    /// Why the VM waits (nil: it does not).
    public var blocked: String?
    /// An operation lock left on the VM (backup, snapshot, create …).
    public var lock: String?
    /// The capacity version at the last failed placement (retried when it changes).
    public var triedCapacity: UInt64?
    /// A frozen VM's home: it starts there again when the host is back.
    public var home: Int?
    /// After the stop of a planned shutdown: recover elsewhere (failover) instead of waiting.
    public var failover = false
    /// The migration's target while one is in flight.
    public var migrationTarget: Int?

    public init(index: Int, name: String, priority: HAPriority, node: Int?) {
        self.index = index
        self.name = name
        self.priority = priority
        self.node = node
        state = node == nil ? .recovery : .started
    }
}

/// Everything the manager persists before it acts. A new leader loads it and carries on.
public struct HAState: Sendable, Equatable, Codable {
    /// The epoch of the leader that wrote it.
    public var epoch: UInt64 = 0
    /// Next command number (IDs are `epoch << 32 | number`).
    public var nextCommand: UInt64 = 1
    public var hosts: [HAHostRecord]
    public var vms: [HAVMRecord]
    /// False after an operator disarmed HA: no fencing and no recovery.
    public var armed = true
    /// Operator requests that wait for in-flight fences and recoveries.
    public var deferred: [AdminCommand] = []
    /// True while the storm guard holds automatic fencing.
    public var stormGuard = false

    public init(hostCount: Int, vms: [HAVMRecord]) {
        hosts = Array(repeating: HAHostRecord(), count: hostCount)
        self.vms = vms
    }

    /// The VM record of instance `index`, if HA manages it.
    public func vm(instance index: Int) -> Int? {
        var lo = 0
        var hi = vms.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if vms[mid].index < index { lo = mid + 1 } else { hi = mid }
        }
        return lo < vms.count && vms[lo].index == index ? lo : nil
    }
}
