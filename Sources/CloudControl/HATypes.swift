import CloudModel

/// The HA manager's view of a host.
public enum HAHostState: String, Sendable, CaseIterable, Codable {
    /// Heartbeats arrive.
    case online
    /// Silent longer than the suspect timeout; nothing is done yet (hysteresis).
    case suspect
    /// Silent on the management network, but still writing storage heartbeats: alive and cut off.
    /// The manager waits for it to fence itself before fencing it.
    case isolated
    /// Silent on both channels.
    case failed
    /// Fence levels are being tried.
    case fencing
    /// Fenced with a positive proof; its VMs are recovered elsewhere.
    case fenced
    /// Back after a fence: reconciling, then settling before storage is unfenced.
    case recovering
    /// Taken out of service on purpose; never fenced.
    case maintenance
    /// Offline for longer than `goneAfterNanoseconds`.
    case gone
}

/// The HA manager's view of a VM (Proxmox's service states).
public enum HAVMState: String, Sendable, CaseIterable, Codable {
    case started, stopped, fence, recovery, migrate, freeze, error
}

/// What a fence device answered.
public enum FenceOutcome: Sendable, Equatable, Codable {
    /// The device confirmed the fence (IPMI status read "off", blocklist in map epoch N, …).
    case verified(proof: String)
    /// The device failed, timed out or could not confirm; the reason says which.
    case failed(reason: String)
}

/// A command the manager sends to an agent or a fence device. Every command carries the leader
/// epoch and an ID that is unique for the cluster's lifetime; agents execute each ID once.
public struct HACommand: Sendable, Equatable, Codable {
    public enum Kind: Sendable, Equatable, Codable {
        case start(vm: VMID)
        case stop(vm: VMID)
        case migrate(vm: VMID, to: HostID)
        case fence(FenceMethod)
        /// Removes the host's storage blocklist entry.
        case unfenceStorage
        /// Reboots a host whose VMs were handled per its shutdown policy.
        case reboot
        /// Reads the host's power status through its BMC without any power action: proven only
        /// when it reads off (the storm guard's evidence that the fault is real).
        case powerCheck
    }

    public let id: UInt64
    public let epoch: UInt64
    public let kind: Kind
    /// The host the command is about (the agent's host, the fence target).
    public let host: HostID
    /// When it was last sent.
    public var sentAt: Instant

    /// A command; only the manager issues new IDs (`epoch << 32 | number`).
    public init(id: UInt64, epoch: UInt64, kind: Kind, host: HostID, sentAt: Instant) {
        self.id = id
        self.epoch = epoch
        self.kind = kind
        self.host = host
        self.sentAt = sentAt
    }
}

/// A result reported back to the manager.
public enum HAInput: Sendable, Equatable, Codable {
    case fenced(command: UInt64, outcome: FenceOutcome)
    case started(command: UInt64, ok: Bool, reason: String)
    case stopped(command: UInt64)
    case migrated(command: UInt64, ok: Bool, detail: String)
    case rebooting(command: UInt64)
    case storageUnfenced(command: UInt64)
    case admin(AdminCommand)
}

/// An operator request.
public enum AdminCommand: Sendable, Equatable, Codable {
    case maintenance(host: HostID, enable: Bool)
    case shutdown(host: HostID, policy: ShutdownPolicy)
    /// An operator confirms the host is off (`by`: who; nil when not given).
    case fenceAck(host: HostID, by: String?)
    case disarm
    case arm
    case lock(vm: VMID, name: String)
    case migrate(vm: VMID, to: HostID)
}

/// What the manager observes about one host at a round.
public struct HostObservation: Sendable, Equatable, Codable {
    /// The host observed.
    public var host: HostID
    /// The host's last lease renewal (heartbeat) seen by the quorate membership.
    public var lastHeartbeat: Instant?
    /// True while the host's storage heartbeats arrive.
    public var storageAlive: Bool
    /// VMs its agent reports running; nil when no report arrived this round.
    public var inventory: [VMID]?
    /// When the host's agent last finished reconciling (killed stale processes, dropped stale
    /// port claims) after it came back.
    public var reconciledAt: Instant?

    public init(
        host: HostID, lastHeartbeat: Instant?, storageAlive: Bool, inventory: [VMID]? = nil,
        reconciledAt: Instant? = nil
    ) {
        self.host = host
        self.lastHeartbeat = lastHeartbeat
        self.storageAlive = storageAlive
        self.inventory = inventory
        self.reconciledAt = reconciledAt
    }
}

/// Effects of a round, carried out by the runtime after the state was persisted.
public enum HAEffect: Sendable, Equatable {
    case send(HACommand)
    /// One HA decision, typed (the decision log renders it with `HAEvent.text(hostName:)`).
    case event(HAEvent)
    /// A VM's port must be bound to `host` (OVN `requested-chassis`) before it starts there.
    case claimPort(vm: VMID, host: HostID)
    /// The host takes new VMs (true) or not.
    case schedulable(host: HostID, Bool)
    /// Agents stop (false) or resume (true) arming their watchdogs.
    case watchdogs(armed: Bool)
}

/// Where the scheduler put a VM.
public enum PlacementOutcome: Sendable, Equatable {
    /// Placed on `host`; `claim` is the new claim to keep with the VM's record (nil: the VM's
    /// existing claim on `host` is kept).
    case placed(host: HostID, claim: HAClaim?)
    case noCapacity(reason: String)
}

/// The placement side of the runtime: the scheduler and its claims.
public protocol HAPlacement {
    /// Places VM `vm` through the scheduler on any schedulable host but `excluding`, taking a claim.
    mutating func place(vm: VMID, excluding: [HostID]) -> PlacementOutcome
    /// Releases VM `vm`'s claim, if it holds one.
    mutating func release(vm: VMID)
    /// Takes a second claim for VM `vm` (a migration target): on `target`, or on any schedulable
    /// host but `excluding`.
    mutating func reserve(vm: VMID, target: HostID?, excluding: [HostID]) -> PlacementOutcome
    /// Ends a migration: the target claim replaces the old one (committed) or is released.
    mutating func finishMigration(vm: VMID, committed: Bool)
    /// A number that changes whenever capacity may have appeared (claims released, hosts back).
    var capacityVersion: UInt64 { get }
}

extension HAPlacement {
    /// Reserves a migration target for VM `vm` on any host but `excluding` (a second claim).
    public mutating func reserveMigration(vm: VMID, excluding: [HostID]) -> PlacementOutcome {
        reserve(vm: vm, target: nil, excluding: excluding)
    }

    /// Reserves host `host` as VM `vm`'s migration target.
    public mutating func reserveMigration(vm: VMID, on host: HostID) -> PlacementOutcome {
        reserve(vm: vm, target: host, excluding: [])
    }
}
