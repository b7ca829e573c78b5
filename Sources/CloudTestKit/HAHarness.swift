import CloudControl
import CloudModel

/// The HA control step on a manual clock, with a store record and a fake placement: what a
/// runtime does around the manager, without the simulator. Each round persists before it
/// releases the round's effects, as both runtimes do.
public struct HAHarness: Sendable {
    public var step: HAControlStep
    /// What the store holds.
    public var store: HAStateRecord
    public var placement: FakePlacement
    public var clock = ManualClock()
    /// The leader epoch the rounds run under.
    public var epoch: UInt64 = 1
    /// Each host's last heartbeat, and whether its storage heartbeats arrive.
    public var lastSeen: [UInt64]
    public var storage: [Bool]
    /// Each host's last reconcile as its agent reports it (nil: none).
    public var reconciledAt: [UInt64?]
    /// The effects released by the last round.
    public private(set) var effects: [HAEffect] = []
    /// Every log line so far.
    public private(set) var allLogs: [String] = []

    /// The instant `nanoseconds` on the harness's manual clock (its zero is the Unix epoch).
    public static func instant(_ nanoseconds: UInt64) -> Instant { Instant(nanosecondsSinceUnixEpoch: nanoseconds) }

    /// The ID of the host at position `h` (0-based) of the harness: `node-h1`, `node-h2`, …
    public static func host(_ h: Int) -> HostID { HostID("node-h\(h + 1)") }

    /// The ID of the VM at position `v` of the harness's VM list: `inst-0`, `inst-1`, …
    public static func vm(_ v: Int) -> VMID { VMID("inst-\(v)") }

    /// `hosts` hosts named h1…hN with `slots` slots each, and HA VMs (name, tier, host position).
    /// `unsafeSkipFence` is the mutation switch that proves checkers can fail.
    public init(
        hosts: Int = 3, vms: [(String, HAPriority, Int)], slots: Int = 10, config: HAConfig = HAConfig(),
        unsafeSkipFence: Bool = false
    ) {
        let hostRecords = (0..<hosts).map {
            HAHostRecord(id: Self.host($0), name: "h\($0 + 1)", joinedAt: Self.instant(0))
        }
        var placement = FakePlacement(hosts: hostRecords.map(\.id), slots: slots)
        for (i, v) in vms.enumerated() { placement.seat(vm: Self.vm(i), on: Self.host(v.2)) }
        let records = vms.enumerated().map { i, v in
            HAVMRecord(
                id: Self.vm(i), name: v.0, priority: v.1, node: Self.host(v.2),
                claim: FakePlacement.claim(on: Self.host(v.2)))
        }
        var manager = HAManager(config: config, hosts: hostRecords, vms: records)
        manager.unsafeSkipFence = unsafeSkipFence
        step = HAControlStep(manager: manager)
        store = HAStateRecord(state: manager.state)
        self.placement = placement
        lastSeen = Array(repeating: 0, count: hosts)
        storage = Array(repeating: true, count: hosts)
        reconciledAt = Array(repeating: nil, count: hosts)
    }

    /// A host joins with `slots` free slots; returns its position (`host(_:)` gives its ID).
    public mutating func addHost(named name: String, slots: Int = 10) -> Int {
        let h = lastSeen.count
        let now = clock.now
        step.updateManager { $0.addHost(Self.host(h), named: name, now: now) }
        placement.addHost(Self.host(h), slots: slots)
        lastSeen.append(clock.nowNanoseconds)
        storage.append(true)
        reconciledAt.append(nil)
        return h
    }

    /// The persisted state.
    public var state: HAState { store.state }

    /// One round at `seconds`; hosts in `dead` send no heartbeat. The state is written to the
    /// store first; the effects are released only if the write was accepted.
    public mutating func round(at seconds: UInt64, dead: Set<Int> = [], inputs: [HAInput] = []) {
        clock.set(seconds: seconds)
        let now = clock.nowNanoseconds
        for h in lastSeen.indices where !dead.contains(h) { lastSeen[h] = now }
        let observations = lastSeen.indices.map {
            HostObservation(
                host: Self.host($0), lastHeartbeat: Self.instant(lastSeen[$0]), storageAlive: storage[$0],
                reconciledAt: reconciledAt[$0].map(Self.instant))
        }
        let persist = step.round(
            now: Self.instant(now), epoch: epoch, observations: observations, inputs: inputs,
            queued: store.operatorQueue,
            placement: &placement)
        do {
            try store.write(persist)
            effects = step.persisted()
        } catch {
            step.persistFailed()
            effects = []
        }
        allLogs += logs
    }

    /// Rounds every second after the last one up to `seconds`.
    public mutating func run(until seconds: UInt64, dead: Set<Int> = []) {
        var at = clock.nowNanoseconds / ManualClock.nanosecondsPerSecond + 1
        while at <= seconds {
            round(at: at, dead: dead)
            at += 1
        }
    }

    /// A new leader (next epoch) that loads the persisted state, as after a failover.
    public mutating func failover() {
        epoch += 1
        step = HAControlStep(
            manager: HAManager(config: step.manager.config, persisted: store.state))
    }

    /// Commands released by the last round.
    public var sent: [HACommand] { effects.compactMap { if case .send(let c) = $0 { return c } else { return nil } } }
    /// Decisions of the last round, typed.
    public var events: [HAEvent] { effects.compactMap { if case .event(let e) = $0 { return e } else { return nil } } }
    /// Decisions of the last round as the decision log writes them.
    public var logs: [String] { events.map { $0.text(hostName: step.manager.hostName) } }
}
