import CloudModel
import CloudScheduler

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Scheduler counters kept by the simulated runtime: decisions, rejections by reason, hosts
/// filtered by reason, and (when the runtime supplies a clock) decision latency.
public struct SchedulerStats: Sendable, Equatable {
    /// Upper bounds of the latency histogram, seconds.
    public static let latencyBounds: [Double] = [
        0.000_005, 0.00001, 0.000_025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1,
    ]
    public var placed = 0
    public var rejected = 0
    /// Rejected requests by the reason most hosts failed on, by reason label (sorted on output).
    public var rejections: [String: Int] = [:]
    /// Hosts filtered out, by reason label.
    public var filteredHosts: [String: Int] = [:]
    /// Non-cumulative counts per latency bucket (the last is +Inf).
    public var latencyCounts = [UInt64](repeating: 0, count: SchedulerStats.latencyBounds.count + 1)
    public var latencySum = 0.0

    mutating func record(_ decision: Decision, nanoseconds: UInt64?) {
        switch decision {
        case .placed: placed += 1
        case .rejected(let why):
            rejected += 1
            if let top = why.reasons.first { rejections[top.0.metricLabel, default: 0] += 1 }
            for (reason, n) in why.reasons { filteredHosts[reason.metricLabel, default: 0] += n }
        }
        guard let ns = nanoseconds else { return }
        let s = Double(ns) / 1e9
        latencySum += s
        let i = Self.latencyBounds.firstIndex { s <= $0 } ?? Self.latencyBounds.count
        latencyCounts[i] += 1
    }
}

extension RejectReason {
    /// A low-cardinality label for metrics (`memory`, `mig`, `anti_affinity` …).
    public var metricLabel: String {
        switch self {
        case .maintenance: "maintenance"
        case .cordoned: "cordoned"
        case .otherCluster: "cluster"
        case .otherZone: "zone"
        case .missingLabel: "label"
        case .notTarget: "target"
        case .antiAffinity: "anti_affinity"
        case .affinity: "affinity"
        case .sharedCPU: "shared_cpu"
        case .dedicatedCPU: "dedicated_cpu"
        case .memory: "memory"
        case .hugepages: "hugepages"
        case .numaNodeTooSmall: "numa"
        case .noGPUs: "no_gpus"
        case .unsupportedMode: "gpu_mode"
        case .noMIGPlacement: "mig"
        case .noVGPUCapacity: "vgpu"
        case .sriovPoolExhausted: "sriov"
        case .notEnoughFreeGPUs, .notEnoughFreeGPUsHere: "gpu_count"
        case .noNVLinkSet, .noFreePartition, .fabricModelSize: "nvlink"
        case .gpusNotOnNUMANode: "gpu_numa"
        }
    }
}

extension SimWorld {
    /// Places through the scheduler, counting the outcome (and timing it with the runtime's clock).
    mutating func timedPlace(_ r: ResourceRequest) -> (Decision, ClaimID?) {
        let t0 = wallClock?()
        let result = scheduler.place(r)
        let ns = t0.flatMap { start in wallClock.map { $0() &- start } }
        schedulerStats.record(result.0, nanoseconds: ns)
        return result
    }
}

/// Deterministic utilization of one entity: a mean, a diurnal swing, an hourly and a five-minute
/// wave with phases drawn from the entity's seed. The sum stays within [0, 1] without clamping,
/// so counters are exact closed-form integrals (monotone by construction).
public struct LoadShape: Sendable, Equatable {
    let base: Double
    let amps: (Double, Double, Double)
    let phases: (Double, Double, Double)
    static let periods: (Double, Double, Double) = (86_400, 3_600, 300)

    public static func == (a: LoadShape, b: LoadShape) -> Bool {
        a.base == b.base && a.amps == b.amps && a.phases == b.phases
    }

    /// A shape from a seed (an entity ID hash mixed with the run's seed).
    public init(seed: UInt64, mean: ClosedRange<Double> = 0.15...0.6) {
        var r = SplitMix64(seed: seed)
        func unit() -> Double { Double(r.next() >> 11) / Double(1 << 53) }
        let base = mean.lowerBound + unit() * (mean.upperBound - mean.lowerBound)
        let room = min(base, 1 - base)
        self.base = base
        amps = (room * (0.45 + 0.2 * unit()), room * 0.15 * unit(), room * 0.1 * unit())
        phases = (unit() * 2 * .pi, unit() * 2 * .pi, unit() * 2 * .pi)
    }

    /// Utilization at virtual second `t`, in [0, 1].
    public func value(_ t: Double) -> Double {
        let p = Self.periods
        return base + amps.0 * sin(2 * .pi * t / p.0 + phases.0) + amps.1 * sin(2 * .pi * t / p.1 + phases.1)
            + amps.2 * sin(2 * .pi * t / p.2 + phases.2)
    }

    /// ∫₀ᵗ value.
    public func integral(_ t: Double) -> Double {
        let p = Self.periods
        func wave(_ a: Double, _ period: Double, _ phase: Double) -> Double {
            let w = 2 * .pi / period
            return a / w * (cos(phase) - cos(w * t + phase))
        }
        return base * t + wave(amps.0, p.0, phases.0) + wave(amps.1, p.1, phases.1) + wave(amps.2, p.2, phases.2)
    }
}

/// Board power figures per GPU model: idle and maximum watts.
enum GPUPower {
    static func watts(model: String) -> (idle: Double, max: Double) {
        let m = model.lowercased()
        if m.contains("h100") || m.contains("h200") { return (70, 700) }
        if m.contains("a100") { return (50, 300) }
        if m.contains("l40") { return (35, 350) }
        if m.contains("l4") { return (16, 72) }
        return (40, 300)
    }
}
