import CloudModel

/// Nanoseconds per second, for the controllers' integer durations.
let nsPerSecond: UInt64 = 1_000_000_000

/// A fence method. A fence level lists methods; every method of a level must succeed.
public enum FenceMethod: String, Sendable, CaseIterable, Codable {
    /// IPMI power-off through the host's BMC, confirmed by a status read-back that says "off".
    case ipmi
    /// Blocklisting the host's storage client, confirmed by the storage map epoch that contains it.
    case storage
    /// The host's lease expired past its watchdog deadline: the host reset itself.
    case lease
    /// An operator's acknowledgement that the host is off.
    case manual
    /// Switching the host's outlets off at its PDU, confirmed by the outlet state read back "off"
    /// (`fence_apc`'s reboot: the outlets are switched on again afterwards). Independent of the
    /// host's BMC and of its power supply.
    case pdu
}

/// What the manager does when an online host loses its storage path (all paths down): its VMs
/// run on without their disks.
public enum StoragePathPolicy: String, Sendable, CaseIterable, Codable {
    /// After the grace period, fence the host's storage access (blocklist) and restart its HA VMs
    /// elsewhere, as vSphere's VM Component Protection does for all-paths-down.
    case restart
    /// Log and alert only (the metric `cloudplane_ha_storage_path_lost`).
    case off
}

/// What the agents do with their VMs when their host is shut down on purpose.
public enum ShutdownPolicy: String, Sendable, CaseIterable, Codable {
    /// Stop the VMs cleanly and start them again on the same host when it is back.
    case freeze
    /// Stop the VMs cleanly and start them on other hosts.
    case failover
    /// Live-migrate the VMs away first.
    case migrate
}

/// A configuration that breaks a rule (for example the S3 timing inequality).
public struct HAConfigError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The offending setting, as named in scenario files.
    public let field: String
    public let description: String
    init(_ field: String, _ d: String) {
        self.field = field
        description = d
    }
}

/// Timers, fence topology and restart policy of the HA manager. Durations are nanoseconds.
///
/// Defaults: heartbeats every 2 s, suspect after 6 s, failed after 20 s, agent lease 60 s against a
/// self-fence deadline of at most 2 + 40 + 5 + 5 + 1 = 53 s, fence levels IPMI then storage.
public struct HAConfig: Sendable, Equatable {
    public var heartbeatIntervalNanoseconds: UInt64 = 2 * nsPerSecond
    /// Interval of the manager's rounds and of the agents' watchdog checks.
    public var roundIntervalNanoseconds: UInt64 = nsPerSecond
    /// Silence after which a host is suspect (nothing is done yet).
    public var suspectAfterNanoseconds: UInt64 = 6 * nsPerSecond
    /// Silence after which a host is failed (or isolated, when its storage heartbeats go on).
    public var fenceDelayNanoseconds: UInt64 = 20 * nsPerSecond
    /// The agent lease as the manager measures it from the host's last renewal.
    public var leaseTTLNanoseconds: UInt64 = 60 * nsPerSecond
    /// Time an agent without its lease keeps feeding its watchdog.
    public var watchdogTimeoutNanoseconds: UInt64 = 40 * nsPerSecond
    /// The hardware watchdog's own timeout once it is no longer fed.
    public var hardwareWatchdogNanoseconds: UInt64 = 5 * nsPerSecond
    /// The longest stall of the watchdog feeder the deadline must absorb.
    public var maxStallNanoseconds: UInt64 = 5 * nsPerSecond
    /// The leader lease.
    public var managerLeaseTTLNanoseconds: UInt64 = 10 * nsPerSecond
    /// Fence levels, tried in order.
    public var fenceLevels: [[FenceMethod]] = [[.ipmi], [.storage]]
    /// Time one fence level may take (the lease method waits for the lease to expire first).
    public var fenceTimeoutNanoseconds: UInt64 = 20 * nsPerSecond
    /// Extra tries of a level before escalating to the next one.
    public var fenceRetries = 1
    /// Pause before starting over at level 1 after every level failed.
    public var fenceBackoffNanoseconds: UInt64 = 30 * nsPerSecond
    /// Most hosts being fenced at once.
    public var maxConcurrentFences = 4
    /// Automatic fencing stops when more than this share of hosts (percent) is unreachable at once.
    public var stormPercent = 45
    /// A fenced host takes no VMs again before this much time passed since its fence.
    public var fenceCooldownNanoseconds: UInt64 = 600 * nsPerSecond
    /// Local start retries before relocating.
    public var maxRestart = 1
    /// Relocations after failed starts before `error`.
    public var maxRelocate = 1
    /// Concurrent restarts per target host and fleet-wide.
    public var startsPerHost = 2
    public var startsFleet = 8
    /// The fleet-wide limit grows with the fleet: one concurrent restart per this many hosts
    /// when that is more than `startsFleet` (8 up to 32 hosts; 250 at 1,000 hosts). A large
    /// loss then restarts at the pace of the hosts that take the VMs, as `startsPerHost` allows,
    /// instead of eight at a time for the whole fleet.
    public var hostsPerFleetStart = 4

    /// The fleet-wide restart limit for a fleet of `hosts` hosts.
    public func fleetStartLimit(hosts: Int) -> Int { max(startsFleet, hosts / max(1, hostsPerFleetStart)) }
    /// Resend interval for commands without an answer (same command ID: agents execute once).
    public var resendAfterNanoseconds: UInt64 = 10 * nsPerSecond
    /// Wait after a returning host reconciled before its storage is unfenced.
    public var settleTimeNanoseconds: UInt64 = 10 * nsPerSecond
    /// A host offline this long is `gone`.
    public var goneAfterNanoseconds: UInt64 = 3600 * nsPerSecond
    /// The agents' second channel: an agent cut off from the management network that still
    /// renews its lease through the storage heartbeat (the control plane's lease record on the
    /// storage cluster, as vSphere's datastore heartbeating) keeps feeding its watchdog, so a
    /// management switch outage resets no host. False: only the management quorum counts.
    public var storageChannel = true
    /// What to do when an online host loses its storage path, and after how long.
    public var storagePathPolicy = StoragePathPolicy.restart
    public var storagePathGraceNanoseconds: UInt64 = 60 * nsPerSecond

    public init() {}

    /// The latest a host that lost its lease resets itself, counted from its last renewal.
    public var selfFenceDeadlineNanoseconds: UInt64 {
        heartbeatIntervalNanoseconds + roundIntervalNanoseconds + watchdogTimeoutNanoseconds
            + hardwareWatchdogNanoseconds + maxStallNanoseconds
    }

    /// The failure detector: what a silence of `silenceNanoseconds` since a host's last
    /// heartbeat means. The monitor's health and the HA manager's host states both read it.
    public func health(silenceNanoseconds age: UInt64) -> HostHealth {
        if age > fenceDelayNanoseconds { return .unreachable }
        if age > suspectAfterNanoseconds { return .suspect }
        return .online
    }

    /// Checks the rules every configuration must obey, S3 first:
    /// heartbeat interval + round + watchdog + hardware watchdog + max stall < lease lifetime.
    public func validate() throws(HAConfigError) {
        guard selfFenceDeadlineNanoseconds < leaseTTLNanoseconds else {
            throw HAConfigError(
                "lease_ttl",
                "S3 violated: self-fence deadline \(selfFenceDeadlineNanoseconds / nsPerSecond)s (heartbeat "
                    + "\(heartbeatIntervalNanoseconds / nsPerSecond)s + round \(roundIntervalNanoseconds / nsPerSecond)s + watchdog "
                    + "\(watchdogTimeoutNanoseconds / nsPerSecond)s + hardware \(hardwareWatchdogNanoseconds / nsPerSecond)s + stall "
                    + "\(maxStallNanoseconds / nsPerSecond)s) must be shorter than lease_ttl \(leaseTTLNanoseconds / nsPerSecond)s"
            )
        }
        guard heartbeatIntervalNanoseconds > 0, roundIntervalNanoseconds > 0 else {
            throw HAConfigError("heartbeat_interval", "heartbeat_interval and check_interval must be positive")
        }
        guard suspectAfterNanoseconds >= 2 * heartbeatIntervalNanoseconds else {
            throw HAConfigError("suspect_after", "suspect_after must be at least twice heartbeat_interval")
        }
        guard fenceDelayNanoseconds > suspectAfterNanoseconds else {
            throw HAConfigError("unreachable_after", "unreachable_after must be longer than suspect_after")
        }
        guard managerLeaseTTLNanoseconds >= 3 * roundIntervalNanoseconds else {
            throw HAConfigError("manager_lease_ttl", "manager_lease_ttl must cover at least three rounds")
        }
        guard !fenceLevels.isEmpty, fenceLevels.allSatisfy({ !$0.isEmpty }) else {
            throw HAConfigError("fence_levels", "give at least one fence level, each with at least one method")
        }
        guard maxConcurrentFences >= 1, startsPerHost >= 1, startsFleet >= 1, hostsPerFleetStart >= 1 else {
            throw HAConfigError("max_concurrent_fences", "concurrency limits must be at least 1")
        }
        guard (1...100).contains(stormPercent) else {
            throw HAConfigError("storm_percent", "storm_percent must be between 1 and 100")
        }
        guard maxRestart >= 0, maxRelocate >= 0 else {
            throw HAConfigError("max_restart", "max_restart and max_relocate must not be negative")
        }
    }
}
