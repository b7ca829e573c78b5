import CloudModel
import CloudScheduler

/// Per-host network attachment: whether the link is up and which partition island it sits in
/// (0 = the island of the control plane).
public struct NetworkAttachment: Sendable, Equatable {
    public var linkUp = true
    public var island: UInt16 = 0

    /// True when traffic reaches the control plane's island.
    public var reachesControlPlane: Bool { linkUp && island == 0 }
}

/// A simulated GPU.
public struct SimGPU: Sendable, Equatable {
    public var health: GPUHealth = .healthy
    public var xidErrors: Int = 0
    /// Xid errors per `XidClass`, in `XidClass.allCases` order.
    public var xidByClass: [Int] = Array(repeating: 0, count: XidClass.allCases.count)
    public var lastXid: Int? = nil
    /// Instances using the GPU (one for passthrough; several for MIG, vGPU and SR-IOV).
    public var holders: [Int] = []
    /// Energy used up to `energyAsOf`: the exact integral of the simulated power draw, settled
    /// whenever what it depends on changes (host power, holders, a holder's running state).
    public var energyJoules: Double = 0
    /// Virtual time (ns) `energyJoules` is integrated to.
    public var energyAsOf: UInt64 = 0
    /// Board power of the GPU's model, looked up once: idle and full-load watts.
    public var idleWatts: Double = 40
    public var maxWatts: Double = 300
}

/// A simulated baseboard management controller.
public struct SimBMC: Sendable, Equatable {
    public var mode: BMCMode = .healthy
    public var commandsReceived = 0
}

/// Heartbeat bookkeeping without heartbeat events: while the path from the agent to the control
/// plane is open, heartbeats arrive at `phase + k * interval`; the last one is computed on demand.
public struct HeartbeatState: Sendable, Equatable {
    /// Offset of this agent's heartbeat ticks.
    public var phase: UInt64
    /// Since when heartbeats arrive (nil: they do not).
    public var flowingSince: UInt64?
    /// The last heartbeat that arrived before the flow stopped.
    public var lastBeforeStop: UInt64?
    /// Heartbeats delivered in closed intervals so far.
    public var delivered: UInt64 = 0

    /// The first tick at or after `t`.
    func firstTick(atOrAfter t: UInt64, interval: UInt64) -> UInt64 {
        if t <= phase { return phase }
        let k = (t - phase + interval - 1) / interval
        return phase + k * interval
    }

    /// The last tick at or before `t` (nil before the first tick).
    func lastTick(atOrBefore t: UInt64, interval: UInt64) -> UInt64? {
        t < phase ? nil : phase + (t - phase) / interval * interval
    }

    /// The time of the last heartbeat received by `now`.
    public func lastHeartbeat(now: UInt64, interval: UInt64) -> UInt64? {
        guard let since = flowingSince else { return lastBeforeStop }
        let first = firstTick(atOrAfter: since, interval: interval)
        guard first <= now, let last = lastTick(atOrBefore: now, interval: interval) else { return lastBeforeStop }
        return last
    }

    /// Heartbeats delivered by `now`.
    public func count(now: UInt64, interval: UInt64) -> UInt64 {
        guard let since = flowingSince else { return delivered }
        let first = firstTick(atOrAfter: since, interval: interval)
        guard first <= now else { return delivered }
        return delivered + (now - first) / interval + 1
    }

    /// Updates the flow at `now`: heartbeats arrive from now on iff `open`.
    public mutating func setFlowing(_ open: Bool, now: UInt64, interval: UInt64) {
        if open, flowingSince == nil {
            flowingSince = now
        } else if !open, flowingSince != nil {
            lastBeforeStop = lastHeartbeat(now: now, interval: interval)
            delivered = count(now: now, interval: interval)
            flowingSince = nil
        }
    }
}

/// Host power as the hardware sees it.
public enum PowerState: String, Sendable {
    case on, off, booting
}

/// The host's power feed, which its BMC's standby power hangs off.
public enum PowerFeed: String, Sendable {
    /// Powered: the BMC runs on standby power even while the host is off.
    case ok
    /// The host's supply failed (`power_off`): a BMC on the host supply (`shared_power`) is dark
    /// until the power is restored; a dedicated BMC can still power the host on.
    case lost
    /// The feed is cut (`power_cut`): nothing powers the host on until the power is restored.
    case cut
}

/// A simulated host.
public struct SimHost: Sendable {
    public var node: Node
    public var cluster: Int
    public var power: PowerState = .on
    public var feed = PowerFeed.ok
    public var networks: [NetworkAttachment] = Array(repeating: NetworkAttachment(), count: NetworkKind.allCases.count)
    public var bmc = SimBMC()
    public var gpus: [SimGPU]
    public var heartbeat: HeartbeatState
    /// Time of the last fault that hit this host (power loss, network cut …).
    public var lastFaultAt: UInt64?
    /// Bumped on every power change, so a stale boot-completion event is ignored.
    public var powerEpoch: UInt32 = 0

    public var name: String { node.name }

    public func network(_ k: NetworkKind) -> NetworkAttachment {
        networks[NetworkKind.allCases.firstIndex(of: k) ?? 0]
    }

    public mutating func setNetwork(_ k: NetworkKind, _ a: NetworkAttachment) {
        networks[NetworkKind.allCases.firstIndex(of: k) ?? 0] = a
    }
}

/// A simulated instance.
public struct SimInstance: Sendable {
    public var instance: Instance
    public var status: InstanceStatus
    public var host: Int?
    public var gpuIndices: [Int]
    public var cluster: Int?
    /// What the scheduler is asked when the instance is (re)placed.
    public var request: ResourceRequest
    /// Memory dirtied per second while running, in MB (drives live-migration convergence).
    public var dirtyRateMB: Int = 50
    /// Virtual time the current incarnation started running.
    public var startedAt: UInt64 = 0
    /// Load-seconds of the incarnations that ended (the usage counters carry on from here, so
    /// they never decrease across restarts and relocations).
    public var priorBusySeconds: Double = 0
}
