import CloudModel

/// Random processes of a scenario: instances arriving and leaving, components failing and being
/// repaired. Each process draws from its own seeded stream, so adding one leaves the others'
/// draws as they were.
public struct ProcessSpec: Sendable, Equatable {
    public var arrivals: [ArrivalProcess] = []
    public var failures: [FailureProcess] = []
    public init(arrivals: [ArrivalProcess] = [], failures: [FailureProcess] = []) {
        self.arrivals = arrivals
        self.failures = failures
    }

    public var isEmpty: Bool { arrivals.isEmpty && failures.isEmpty }
}

/// How long an instance lives.
public enum Lifetime: Sendable, Equatable {
    /// Exponential with this mean (nanoseconds).
    case exponential(mean: UInt64)
    /// Log-normal with this median (nanoseconds) and the standard deviation of its logarithm.
    case logNormal(median: UInt64, sigma: Double)

    /// The mean in nanoseconds (`median · e^(σ²/2)` for the log-normal).
    public var meanNanoseconds: Double {
        switch self {
        case .exponential(let m): Double(m)
        case .logNormal(let median, let sigma): Double(median) * Variates.exp(sigma * sigma / 2)
        }
    }

    /// One draw, in nanoseconds (at least one).
    public func draw(using rng: inout Xoshiro256StarStar) -> UInt64 {
        let x: Double
        switch self {
        case .exponential(let m): x = Variates.exponential(mean: Double(m), using: &rng)
        case .logNormal(let median, let sigma):
            x = Variates.logNormal(mu: Variates.log(Double(median)), sigma: sigma, using: &rng)
        }
        return UInt64(max(1, min(x, 1e18)))
    }
}

/// Instances of one workload group created at random times (Poisson, optionally with a daily
/// profile) and deleted after a random lifetime.
public struct ArrivalProcess: Sendable, Equatable {
    /// The workload group whose flavor, tenant, HA tier and cluster new instances take.
    public var workload: String
    /// Mean arrivals per hour (the daily mean when `diurnal` > 0).
    public var ratePerHour: Double
    /// Amplitude of the daily profile, 0 (flat) … 1: the rate at hour `t` of the day is
    /// `rate · (1 + diurnal · cos(2π (t − peakHour) / 24))`.
    public var diurnal: Double = 0
    /// Hour of the day (0 ≤ h < 24) at which arrivals peak.
    public var peakHour: Double = 14
    /// Lifetime of each instance the process creates, and of the group's initial instances
    /// (nil: they live for ever).
    public var lifetime: Lifetime?

    public init(workload: String, ratePerHour: Double, diurnal: Double = 0, peakHour: Double = 14, lifetime: Lifetime?)
    {
        self.workload = workload
        self.ratePerHour = ratePerHour
        self.diurnal = diurnal
        self.peakHour = peakHour
        self.lifetime = lifetime
    }

    /// The arrival rate per nanosecond at virtual time `t`.
    func rate(at t: UInt64) -> Double {
        let base = ratePerHour / Double(SimTime.hour)
        guard diurnal > 0 else { return base }
        let hourOfDay = Double(t % (24 * SimTime.hour)) / Double(SimTime.hour)
        return base * (1 + diurnal * cosine(2 * Double.pi * (hourOfDay - peakHour) / 24))
    }

    /// The highest rate per nanosecond (the thinning bound).
    var peakRate: Double { ratePerHour / Double(SimTime.hour) * (1 + diurnal) }
}

/// A kind of component that fails.
public enum FailureComponent: Sendable, Equatable {
    /// A host dies (power supply, motherboard, CPU): off until repaired, then powered on.
    case host
    /// A rack loses power: every host in it is off until the feed is restored.
    case rackPower
    /// A host's NIC or cable on one network goes down until repaired.
    case link(NetworkKind)
    /// A host's BMC stops answering until repaired.
    case bmc
    /// A GPU reports this Xid; fatal and degrading ones keep the GPU out until repaired.
    case gpu(xid: Int)

    /// The scenario-file name.
    public var name: String {
        switch self {
        case .host: "host"
        case .rackPower: "rack_power"
        case .link(let n): "link/\(n.rawValue)"
        case .bmc: "bmc"
        case .gpu(let xid): "gpu/xid\(xid)"
        }
    }
}

/// Failures of one kind of component: each unit fails after an exponential time with mean
/// `mtbf` and is repaired after an exponential time with mean `repair`.
public struct FailureProcess: Sendable, Equatable {
    public var component: FailureComponent
    /// Mean time between failures of one unit (a host, a rack, a GPU), nanoseconds.
    public var mtbf: UInt64
    /// Mean time to repair, nanoseconds.
    public var repair: UInt64
    /// Only the units of this cluster (nil: the whole fleet).
    public var cluster: String?
    /// Where the default came from (empty for a scenario's own).
    public var source: String = ""

    public init(component: FailureComponent, mtbf: UInt64, repair: UInt64, cluster: String? = nil, source: String = "")
    {
        self.component = component
        self.mtbf = mtbf
        self.repair = repair
        self.cluster = cluster
        self.source = source
    }

    /// A short unique label for logs and per-process streams.
    public var label: String { component.name + (cluster.map { "@" + $0 } ?? "") }
}

/// Failure rates from public fleet data, ready to use as a scenario's `failures: [{preset: …}]`.
public enum FailurePresets {
    /// GPU-hours observed in Meta's Llama 3 405B pre-training snapshot: 54 days on 16,384 H100
    /// GPUs (2,048 hosts of 8), with 419 unexpected interruptions ("The Llama 3 Herd of Models",
    /// 2024, table 5).
    public static let llama3GPUHours = 54.0 * 24 * 16_384
    public static let llama3HostHours = 54.0 * 24 * 2_048

    /// The Llama 3 interruption causes that map onto simulated components: per GPU for the GPU
    /// causes (faulty GPU 148, HBM3 72, SRAM 19, GPU system processor 17, as Xids 79, 48, 92,
    /// 119), per host for network switch and cable (35, a management link) and CPU (2, the host).
    /// `scale` multiplies every rate.
    public static func llama3(scale: Double = 1) -> [FailureProcess] {
        let source = "Llama 3 (2024), table 5: 419 unexpected interruptions in 54 days on 16,384 H100"
        func perGPU(_ count: Double, xid: Int, repair: UInt64) -> FailureProcess {
            FailureProcess(
                component: .gpu(xid: xid), mtbf: hours(llama3GPUHours / (count * scale)), repair: repair,
                source: source)
        }
        func perHost(_ count: Double, _ c: FailureComponent, repair: UInt64) -> FailureProcess {
            FailureProcess(component: c, mtbf: hours(llama3HostHours / (count * scale)), repair: repair, source: source)
        }
        return [
            perGPU(148, xid: 79, repair: 72 * SimTime.hour),  // faulty GPU (fallen off the bus)
            perGPU(72, xid: 48, repair: 72 * SimTime.hour),  // HBM3 memory (double-bit ECC)
            perGPU(19, xid: 92, repair: 72 * SimTime.hour),  // GPU SRAM
            perGPU(17, xid: 119, repair: 24 * SimTime.hour),  // GPU system processor (GSP)
            perHost(35, .link(.management), repair: 4 * SimTime.hour),  // network switch and cable
            perHost(2, .host, repair: 24 * SimTime.hour),  // CPU
        ]
    }

    /// `h` hours in nanoseconds, at most 2⁶³ (292 years: a rate below that never fires in a run).
    static func hours(_ h: Double) -> UInt64 { UInt64(max(1, min(h * Double(SimTime.hour), 9.2e18))) }
}

/// cos(x) from the run's own `exp`-free series (deterministic across platforms).
func cosine(_ x: Double) -> Double {
    // reduce to [-π, π], then a 14-term Taylor series (error below 1e-12 there)
    let twoPi = 2 * Double.pi
    var r = x - (x / twoPi).rounded(.down) * twoPi
    if r > Double.pi { r -= twoPi }
    var term = 1.0
    var sum = 1.0
    let r2 = r * r
    for k in 1...14 {
        term *= -r2 / Double((2 * k - 1) * (2 * k))
        sum += term
    }
    return sum
}
