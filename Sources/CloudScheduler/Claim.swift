/// CPU and memory taken from one NUMA node.
public struct NUMAAllocation: Sendable, Equatable {
    public var node: Int
    public var dedicatedCPUs = 0
    public var sharedVCPUs = 0
    public var memoryMB = 0
    public var huge2M = 0
    public var huge1G = 0

    public init(node: Int) { self.node = node }
}

/// One GPU resource taken by a claim.
public enum GPUAllocation: Sendable, Equatable, CustomStringConvertible {
    case passthrough(gpu: Int)
    case vfs(gpu: Int, count: Int)
    case vgpu(gpu: Int, type: String, count: Int)
    case vgpuMixed(gpu: Int, type: String, count: Int, gigabytes: Int)
    case mig(gpu: Int, profile: String, start: Int)

    public var gpu: Int {
        switch self {
        case .passthrough(let g), .vfs(let g, _), .vgpu(let g, _, _), .vgpuMixed(let g, _, _, _), .mig(let g, _, _): g
        }
    }

    public var description: String {
        switch self {
        case .passthrough(let g): "gpu\(g) (passthrough)"
        case .vfs(let g, let n): "gpu\(g) \(n) VF(s)"
        case .vgpu(let g, let t, let n): "gpu\(g) \(n) × \(t)"
        case .vgpuMixed(let g, let t, let n, _): "gpu\(g) \(n) × \(t) (mixed)"
        case .mig(let g, let p, let s): "gpu\(g) MIG \(p) at slice \(s)"
        }
    }
}

/// A placement: everything one instance holds on one host. Applied atomically to the capacity
/// state and released exactly once.
public struct Claim: Sendable, Equatable {
    public var host: Int
    public var numa: [NUMAAllocation]
    public var gpus: [GPUAllocation]
    public var groups: [String]

    public init(host: Int, numa: [NUMAAllocation], gpus: [GPUAllocation], groups: [String]) {
        self.host = host
        self.numa = numa
        self.gpus = gpus
        self.groups = groups
    }

    public var vcpus: Int { numa.reduce(0) { $0 + $1.dedicatedCPUs + $1.sharedVCPUs } }
    public var memoryMB: Int { numa.reduce(0) { $0 + $1.memoryMB + $1.huge2M * 2 + $1.huge1G * 1024 } }
}

/// A handle to an applied claim.
public struct ClaimID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: UInt32
    public static func < (a: ClaimID, b: ClaimID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "claim-\(rawValue)" }
}
