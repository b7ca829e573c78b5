// Statuses the control plane observes and a live inventory driver reports too.

/// Observed instance status at the end of a run.
public enum InstanceStatus: String, Sendable, CaseIterable {
    case running, down, error, pending
}

/// Observed GPU health.
public enum GPUHealth: String, Sendable, CaseIterable {
    case healthy, degraded, failed
}

/// How an NVIDIA Xid error code affects its GPU (what the simulator injects and a DCGM-based
/// inventory driver reads).
public enum XidClass: String, Sendable, Equatable, CaseIterable {
    /// The GPU is lost until replaced (fallen off the bus, uncorrectable ECC, NVLink or GSP failure).
    case fatal
    /// The GPU keeps working but needs attention (row remapping pending …).
    case degrading
    /// An application-level error (13, 31, 43, 45, 68 …); the GPU stays healthy.
    case application

    /// Position in `allCases` (per-class counters are arrays in this order).
    public var index: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    /// Classification of the common Xid codes; unknown codes count as application errors.
    public static func of(_ xid: Int) -> XidClass {
        switch xid {
        case 48, 74, 79, 92, 95, 119, 120: .fatal
        case 63, 64, 94: .degrading
        default: .application
        }
    }
}
