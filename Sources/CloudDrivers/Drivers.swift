import CloudControl
import CloudModel

// The seams between the control plane and what it runs on. The runtime loop (CloudRuntime)
// decides; a runtime provides these primitives: the simulator over its simulated world, a live
// node over libvirt, IPMI, Ceph and OVN. A primitive carries an action out and reports its
// answer later through the loop (`deliver`, `powerFenceReply`, `fenceWorkDone`); it decides nothing.
// The protocols admit noncopyable runtimes (the simulator is one).

/// Time and the decision log of the runtime.
package protocol Env: ~Copyable {
    /// The runtime's clock: wall time live, the virtual epoch plus virtual time in the simulator.
    var now: Instant { get }
    /// Appends one decision to the runtime's log.
    mutating func record(_ line: String)
    /// The host's name, for log lines.
    func hostName(_ host: Int) -> String
    /// The instance's name, for log lines.
    func instanceName(_ vm: Int) -> String
    /// A duration as the runtime's log lines write it.
    func describe(durationNanoseconds: UInt64) -> String
}

/// What the membership layer (quorum, processes, links) tells the control plane about hosts.
package protocol Membership: ~Copyable {
    /// Number of hosts.
    var hostCount: Int { get }
    /// The host is powered and running its operating system.
    func isPowered(_ host: Int) -> Bool
    /// The host is powered and in the quorate membership component.
    func isInQuorum(_ host: Int) -> Bool
    /// The host reaches the control plane's lease record over its second channel (the storage
    /// heartbeat), whether or not it is in the quorum.
    func hasSecondChannel(_ host: Int) -> Bool
    /// The host's agent process runs (not stalled).
    func isAgentAlive(_ host: Int) -> Bool
    /// The host's manager process runs (not crashed or stalled).
    func isManagerUp(_ host: Int) -> Bool
    /// `host` can be reached from `leader` on the management network.
    func isReachable(_ host: Int, from leader: Int) -> Bool
    /// The store answers.
    var isStoreAvailable: Bool { get }
    /// The host's hardware watchdog resets it when it expires (false: broken).
    func hasWorkingWatchdog(_ host: Int) -> Bool
    /// Since when the host's storage I/O fails (its client is blocklisted), if it does.
    func storageFailingSince(_ host: Int) -> Instant?
    /// What the quorate membership observes about every host this round, in host order.
    func hostObservations(agents: [HostAgent]) -> [HostObservation]
}

/// The hypervisor of every host (libvirt and QEMU live; simulated QEMU processes in the simulator).
package protocol Hypervisor: ~Copyable {
    /// Instances with a guest process on `host`, in instance order.
    func guests(on host: Int) -> [Int]
    /// True when a guest process of `vm` runs on `host`.
    func isGuestRunning(_ vm: Int, on host: Int) -> Bool
    /// Kills the guest process of `vm` on `host` at once (reconcile).
    mutating func killGuest(_ vm: Int, on host: Int)
    /// Starts the guest of `vm` on `host`; answers `.started` later.
    mutating func startGuest(_ vm: Int, on host: Int, command: UInt64)
    /// Stops the guest of `vm` on `host`; answers `.stopped` later.
    mutating func stopGuest(_ vm: Int, on host: Int, command: UInt64)
    /// Live-migrates `vm` from `host` to `target`; answers `.migrated` later.
    mutating func migrateGuest(_ vm: Int, from host: Int, to target: Int, command: UInt64)
    /// Reboots `host` for a planned shutdown (after its agent answered `.rebooting`).
    mutating func rebootHost(_ host: Int, command: UInt64)
    /// Resets `host` at once: its watchdog expired (self-fence).
    mutating func resetHost(_ host: Int)
}

/// Fence transports: the BMC of every host, the storage cluster, and timers for lease checks.
package protocol FenceTransport: ~Copyable {
    /// Sends a chassis power-off to the BMC of `host`; a reply comes through `powerFenceReply`, or never.
    mutating func bmcPowerOff(host: Int, command: UInt64)
    /// Reads the chassis power status of `host` after a delay; the reply comes through `powerFenceReply`.
    mutating func bmcReadStatus(host: Int, command: UInt64, afterNanoseconds: UInt64)
    /// Powers `host` on again after a proven power fence ("onoff").
    mutating func bmcPowerOn(host: Int)
    /// Switches the outlets of `host` off at its PDU and reads them back; completion (verified
    /// once they read off) comes through `fenceWorkDone`, and the outlets are switched on again.
    mutating func pduPowerCycle(host: Int, command: UInt64)
    /// True while the storage cluster can act.
    var isStorageAvailable: Bool { get }
    /// Blocklists the storage client of `host`; completion comes through `fenceWorkDone`.
    mutating func blocklist(host: Int, command: UInt64)
    /// Removes the blocklist entry of `host`; completion comes through `fenceWorkDone`.
    mutating func unblocklist(host: Int, command: UInt64)
    /// Calls back `fenceWorkDone` for a lease check of `host` after a delay.
    mutating func scheduleLeaseCheck(host: Int, command: UInt64, afterNanoseconds: UInt64)
}

/// Network port bindings (OVN `requested-chassis` live).
package protocol PortBinding: ~Copyable {
    /// The chassis the port of `vm` is bound to.
    func chassis(of vm: Int) -> Int?
    /// Binds the port of `vm` to `host`.
    mutating func bindPort(_ vm: Int, to host: Int)
}

/// One GPU as its host's inventory reports it: `nvidia-smi -q -x` and DCGM live, the simulated
/// board in the simulator.
package struct GPUDevice: Sendable, Equatable {
    /// `GPU-xxxxxxxx-…`, as nvidia-smi prints it.
    package var uuid: String
    package var model: String
    package var pciAddress: String
    package var numaNode: Int
    package var vramMB: Int
    package var health: GPUHealth
    /// Xid errors reported so far, and the last code (nil: none).
    package var xidErrors: Int
    package var lastXid: Int?
    /// Xid errors per `XidClass`, in `XidClass.allCases` order.
    package var xidByClass: [Int]

    package init(
        uuid: String, model: String, pciAddress: String, numaNode: Int, vramMB: Int, health: GPUHealth,
        xidErrors: Int, lastXid: Int?, xidByClass: [Int] = Array(repeating: 0, count: XidClass.allCases.count)
    ) {
        self.xidByClass = xidByClass
        (self.uuid, self.model, self.pciAddress, self.numaNode, self.vramMB) = (
            uuid, model, pciAddress, numaNode, vramMB
        )
        (self.health, self.xidErrors, self.lastXid) = (health, xidErrors, lastXid)
    }
}

/// The GPUs of every host, in the host's index order (what metrics and health checks read).
package protocol GPUInventory: ~Copyable {
    /// The GPUs of `host`.
    func gpus(on host: Int) -> [GPUDevice]
}
