import CloudModel

/// Progress of fencing one host through the fence levels.
public struct FenceProgress: Sendable, Equatable, Codable {
    /// Index into `HAConfig.fenceLevels`.
    public var level = 0
    /// Tries of this level so far (0: first).
    public var attempt = 0
    /// When the current try gives up.
    public var deadline: Instant
    /// Commands of the current try still without an answer.
    public var outstanding: [HACommand] = []
    /// Proofs collected in the current try.
    public var proofs: [String] = []
    /// Set after every level failed: when to start over.
    public var retryAt: Instant?
    /// When fencing began.
    public var startedAt: Instant
    /// Begun while the storm guard held: only levels whose every method verifies that the host
    /// is off (IPMI power read-back) are tried; blind levels (storage, lease) are skipped.
    public var verifiedOnly = false
    /// A storage-path fence: only the storage method, for a host that is online but lost its
    /// storage path (`HAConfig.storagePathPolicy`).
    public var storageOnly = false

    /// Progress of a fence that began at `startedAt` (its first level not sent yet).
    public init(startedAt: Instant) {
        self.startedAt = startedAt
        deadline = startedAt
    }
}

/// The manager's persisted record of a host.
public struct HAHostRecord: Sendable, Equatable, Codable {
    /// The host's resource ID.
    public let id: HostID
    /// The host's name, for the decision log.
    public let name: String
    /// When the host joined the state, as a number that grows with every join (its order).
    public internal(set) var joined: UInt64 = 0
    public var state: HAHostState = .online
    /// When the host entered `state`.
    public var since: Instant
    /// When the host joined: a host never heard from counts as silent since then.
    public let joinedAt: Instant
    public var fence: FenceProgress?
    public var lastFenceAt: Instant?
    /// When the last completed fence began: a reconcile since then killed every VM it fenced.
    public var lastFenceBeganAt: Instant?
    public var fences = 0
    /// Set while the host's storage client is blocklisted.
    public var storageFenced = false
    /// Since when an online host's storage heartbeat is silent (its storage path is lost).
    public var storageLostSince: Instant?
    /// True once the loss lasted past `suspect_after` with the host still online, and was logged.
    public var storageLossNoted = false
    /// When a returning host's agent reported it had reconciled.
    public var reconciledAt: Instant?
    /// The unfence or reboot command in flight.
    public var hostCommand: HACommand?
    public var schedulable = true
    /// A planned shutdown in progress (nil: none).
    public var shutdown: ShutdownPolicy?
    /// When the agent acknowledged the planned reboot.
    public var rebootAckAt: Instant?
    /// Set by an operator's maintenance request; cleared when it ends.
    public var maintenanceRequested = false

    /// The record of a host that joined online and schedulable at `joinedAt`.
    public init(id: HostID, name: String, joinedAt: Instant) {
        self.id = id
        self.name = name
        self.joinedAt = joinedAt
        since = joinedAt
    }
}

/// The manager's persisted record of an HA-managed VM.
public struct HAVMRecord: Sendable, Equatable, Codable {
    /// The instance's resource ID.
    public let id: VMID
    public let name: String
    /// When the VM joined the state, as a number that grows with every join (its order).
    public internal(set) var joined: UInt64 = 0
    public let priority: HAPriority
    public var state: HAVMState
    /// The host the VM runs on, is being started on, or was lost on.
    public var node: HostID?
    /// The placement holding the VM's capacity on `node`, written with this record.
    public var claim: HAClaim?
    /// The start, stop or migrate command in flight.
    public var command: HACommand?
    public var restarts = 0
    public var relocations = 0
    /// Hosts where a start failed in this incident.
    public var failedNodes: [HostID] = []
    /// Why the VM waits (nil: it does not).
    public var blocked: String?
    /// An operation lock left on the VM (backup, snapshot, create …).
    public var lock: String?
    /// The capacity version at the last failed placement (retried when it changes).
    public var triedCapacity: UInt64?
    /// A frozen VM's home: it starts there again when the host is back.
    public var home: HostID?
    /// After the stop of a planned shutdown: recover elsewhere (failover) instead of waiting.
    public var failover = false
    /// The migration's target while one is in flight.
    public var migrationTarget: HostID?
    /// The second claim: a migration's on its target (`migrationTarget` set), or capacity held
    /// for a VM of a higher tier while its host's fence is blocked (`migrationTarget` nil).
    public var migrationClaim: HAClaim?

    /// A VM record: `started` on `node`, or waiting for recovery without one.
    public init(id: VMID, name: String, priority: HAPriority, node: HostID?, claim: HAClaim? = nil) {
        self.id = id
        self.claim = claim
        self.name = name
        self.priority = priority
        self.node = node
        state = node == nil ? .recovery : .started
    }
}

/// Everything the manager persists before it acts. A new leader loads it and carries on.
///
/// Hosts and VMs are keyed by their IDs; the records are kept in join order (the order the
/// manager visits them in), and an index by ID that is derived from the records, never stored.
public struct HAState: Sendable, Codable {
    /// The epoch of the leader that wrote it.
    public var epoch: UInt64 = 0
    /// Next command number (IDs are `epoch << 32 | number`).
    public var nextCommand: UInt64 = 1
    /// Host records in join order. Add and remove through `insertHost` and `removeHost`.
    public internal(set) var hosts: [HAHostRecord] = []
    /// VM records in join order. Add and remove through `insertVM` and `removeVM`.
    public internal(set) var vms: [HAVMRecord] = []
    /// False after an operator disarmed HA: no fencing and no recovery.
    public var armed = true
    /// Operator requests that wait for in-flight fences and recoveries.
    public var deferred: [AdminCommand] = []
    /// True while the storm guard holds automatic fencing.
    public var stormGuard = false
    /// The join number of the next host or VM record.
    public private(set) var nextJoin: UInt64 = 0
    /// Position of each host record by ID (derived).
    private var hostSlots: [HostID: Int] = [:]
    /// Join number of each VM record by ID (derived; a removal does not change it).
    private var vmSlots: [VMID: UInt64] = [:]
    /// The VM records' join numbers in record order (ascending; derived): a position is found by
    /// binary search, so removing a record renumbers nothing.
    private var vmJoins: [UInt64] = []

    enum CodingKeys: String, CodingKey { case epoch, nextCommand, hosts, vms, armed, deferred, stormGuard, nextJoin }

    /// A new state over `hosts` and `vms` (each ID once), joined in that order.
    public init(hosts: [HAHostRecord], vms: [HAVMRecord]) {
        self.hosts = hosts
        self.vms = vms
        for h in self.hosts.indices { self.hosts[h].joined = UInt64(h) }
        for v in self.vms.indices { self.vms[v].joined = UInt64(hosts.count + v) }
        nextJoin = UInt64(hosts.count + vms.count)
        reindex()
        precondition(hostSlots.count == hosts.count, "host IDs are unique")
        precondition(vmSlots.count == vms.count, "VM IDs are unique")
    }

    /// A state restored from stored records that keep their join numbers (sorted by them here).
    package init(restoring hosts: [HAHostRecord], vms: [HAVMRecord], nextJoin: UInt64) {
        self.hosts = hosts.sorted { $0.joined < $1.joined }
        self.vms = vms.sorted { $0.joined < $1.joined }
        self.nextJoin = nextJoin
        reindex()
        precondition(hostSlots.count == hosts.count, "host IDs are unique")
        precondition(vmSlots.count == vms.count, "VM IDs are unique")
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        epoch = try c.decode(UInt64.self, forKey: .epoch)
        nextCommand = try c.decode(UInt64.self, forKey: .nextCommand)
        hosts = try c.decode([HAHostRecord].self, forKey: .hosts)
        vms = try c.decode([HAVMRecord].self, forKey: .vms)
        armed = try c.decode(Bool.self, forKey: .armed)
        deferred = try c.decode([AdminCommand].self, forKey: .deferred)
        stormGuard = try c.decode(Bool.self, forKey: .stormGuard)
        nextJoin = try c.decode(UInt64.self, forKey: .nextJoin)
        reindex()
        guard hostSlots.count == hosts.count, vmSlots.count == vms.count else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: c.codingPath, debugDescription: "duplicate host or VM ID"))
        }
        guard zip(vmJoins, vmJoins.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: c.codingPath, debugDescription: "VM records out of join order"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(epoch, forKey: .epoch)
        try c.encode(nextCommand, forKey: .nextCommand)
        try c.encode(hosts, forKey: .hosts)
        try c.encode(vms, forKey: .vms)
        try c.encode(armed, forKey: .armed)
        try c.encode(deferred, forKey: .deferred)
        try c.encode(stormGuard, forKey: .stormGuard)
        try c.encode(nextJoin, forKey: .nextJoin)
    }

    private mutating func reindex() {
        hostSlots = Dictionary(hosts.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        vmSlots = Dictionary(vms.map { ($0.id, $0.joined) }, uniquingKeysWith: { a, _ in a })
        vmJoins = vms.map(\.joined)
    }

    /// The position of host `id`'s record, if the state has one.
    public func host(_ id: HostID) -> Int? { hostSlots[id] }

    /// The position of VM `id`'s record, if HA manages it.
    public func vm(_ id: VMID) -> Int? {
        guard let joined = vmSlots[id] else { return nil }
        var lo = 0
        var hi = vmJoins.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if vmJoins[mid] < joined { lo = mid + 1 } else { hi = mid }
        }
        return lo < vmJoins.count && vmJoins[lo] == joined ? lo : nil
    }

    /// The record of host `id`.
    public subscript(host id: HostID) -> HAHostRecord? { hostSlots[id].map { hosts[$0] } }

    /// The record of VM `id`.
    public subscript(vm id: VMID) -> HAVMRecord? { vm(id).map { vms[$0] } }

    /// Appends a host record (its ID must be new).
    mutating func insertHost(_ record: HAHostRecord) {
        precondition(hostSlots[record.id] == nil, "host '\(record.id)' added twice")
        hostSlots[record.id] = hosts.count
        hosts.append(record)
        hosts[hosts.count - 1].joined = nextJoin
        nextJoin += 1
    }

    /// Appends a VM record (its ID must be new).
    mutating func insertVM(_ record: HAVMRecord) {
        precondition(vmSlots[record.id] == nil, "VM '\(record.id)' added twice")
        vmSlots[record.id] = nextJoin
        vmJoins.append(nextJoin)
        vms.append(record)
        vms[vms.count - 1].joined = nextJoin
        nextJoin += 1
    }

    /// Removes the record at `slot`; later records move up by one.
    mutating func removeVM(at slot: Int) {
        vmSlots[vms[slot].id] = nil
        vms.remove(at: slot)
        vmJoins.remove(at: slot)
    }

    /// Removes the host record at `slot`.
    mutating func removeHost(at slot: Int) {
        hosts.remove(at: slot)
        reindex()
    }
}

extension HAState: Equatable {
    /// Equal when every persisted field is (the derived index is not compared).
    public static func == (a: HAState, b: HAState) -> Bool {
        a.epoch == b.epoch && a.nextCommand == b.nextCommand && a.hosts == b.hosts && a.vms == b.vms
            && a.armed == b.armed && a.deferred == b.deferred && a.stormGuard == b.stormGuard
            && a.nextJoin == b.nextJoin
    }
}
