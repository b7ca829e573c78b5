/// Why one host cannot take a request: the first filter it failed.
public enum RejectReason: Error, Hashable, Sendable, Comparable, CustomStringConvertible {
    case maintenance
    case cordoned
    case otherCluster(String)
    case otherZone(String)
    case missingLabel(String)
    case notTarget(String)
    case antiAffinity(String)
    case affinity(String)
    case sharedCPU
    case dedicatedCPU
    case memory
    case hugepages(String)
    case numaNodeTooSmall
    case noGPUs
    case unsupportedMode(String)
    case noMIGPlacement(String)
    case noVGPUCapacity(String)
    case sriovPoolExhausted
    case notEnoughFreeGPUs(Int)
    /// Fewer free GPUs than asked among those the NUMA node or model choice allows.
    case notEnoughFreeGPUsHere(Int)
    case noNVLinkSet(Int)
    /// No free Fabric Manager partition of that many GPUs on an NVSwitch board.
    case noFreePartition(Int)
    /// The full-passthrough NVSwitch model serves only whole-board and single-GPU VMs.
    case fabricModelSize(Int)
    case gpusNotOnNUMANode

    public var description: String {
        switch self {
        case .maintenance: "in maintenance"
        case .cordoned: "cordoned"
        case .otherCluster(let c): "not in cluster \(c)"
        case .otherZone(let z): "not in zone \(z)"
        case .missingLabel(let l): "missing label \(l)"
        case .notTarget(let t): "not the target \(t)"
        case .antiAffinity(let g): "anti-affinity group \(g) already there"
        case .affinity(let g): "affinity group \(g) is elsewhere"
        case .sharedCPU: "not enough shared vCPUs"
        case .dedicatedCPU: "not enough free CPUs to pin"
        case .memory: "not enough memory"
        case .hugepages(let s): "not enough \(s) hugepages"
        case .numaNodeTooSmall: "NUMA node too small"
        case .noGPUs: "no GPUs"
        case .unsupportedMode(let m): "no GPU supports \(m)"
        case .noMIGPlacement(let p): "no free MIG \(p) placement"
        case .noVGPUCapacity(let t): "no vGPU \(t) capacity"
        case .sriovPoolExhausted: "SR-IOV VF pool exhausted"
        case .notEnoughFreeGPUs(let k): "fewer than \(k) free GPUs"
        case .notEnoughFreeGPUsHere(let k): "fewer than \(k) free GPUs on one NUMA node (or of the preferred model)"
        case .noNVLinkSet(let k): "no NVLink-connected set of \(k) free GPUs"
        case .noFreePartition(let k): "no free NVSwitch partition of \(k) GPUs"
        case .fabricModelSize(let k): "full-passthrough NVSwitch model has no \(k)-GPU VMs (only 1 or all GPUs)"
        case .gpusNotOnNUMANode: "GPUs not on one NUMA node with the CPUs"
        }
    }

    public static func < (a: RejectReason, b: RejectReason) -> Bool { a.description < b.description }
}

/// Per-filter counts over every host, the way `kubectl describe pod` reports them.
public struct RejectionSummary: Sendable, Equatable, CustomStringConvertible {
    public let hosts: Int
    /// (reason, hosts) by descending count, then reason text.
    public let reasons: [(RejectReason, Int)]

    init(hosts: Int, counts: [(RejectReason, Int)]) {
        self.hosts = hosts
        reasons = counts.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
    }

    public static func == (a: RejectionSummary, b: RejectionSummary) -> Bool {
        a.hosts == b.hosts && a.reasons.map(\.0) == b.reasons.map(\.0) && a.reasons.map(\.1) == b.reasons.map(\.1)
    }

    /// `0/10,000 hosts: 9,812 no free MIG 3g.40gb placement, 120 NUMA node too small, 68 in maintenance`
    public var description: String {
        "0/\(grouped(hosts)) hosts: " + reasons.map { "\(grouped($0.1)) \($0.0)" }.joined(separator: ", ")
    }
}

/// `12345` → `12,345`.
public func grouped(_ n: Int) -> String {
    let s = String(n.magnitude)
    var out = ""
    for (i, c) in s.enumerated() {
        if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return n < 0 ? "-" + out : out
}
