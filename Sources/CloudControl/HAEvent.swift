/// A decision of the HA manager, as a value: what the decision log, the audit log, the API's
/// event stream and metrics read. Hosts are named by ID; VMs are named by their record's name.
/// `text(hostName:)` renders the decision log's wording at the edge.
public enum HAEvent: Sendable, Equatable, Codable {
    /// A leader under a new epoch took over from the persisted state.
    case leaderResumed(epoch: UInt64, previous: UInt64)
    case hostStateChanged(host: HostID, from: HAHostState, to: HAHostState, reason: String)
    case vmStateChanged(vm: String, from: HAVMState, to: HAVMState, reason: String)
    /// The storm guard engaged (`engaged`) or lifted, with the hosts unreachable at that moment;
    /// `powerChecks`: hosts whose BMC reads their power off are still fenced.
    case stormGuard(engaged: Bool, unreachable: Int, total: Int, powerChecks: Bool = false)
    /// The fence of a host was skipped by the simulation-only fault hook.
    case fenceSkipped(host: HostID)
    /// A fence level is tried (`level` and `attempt` from 0).
    case fenceLevelStarted(host: HostID, level: Int, methods: [FenceMethod], attempt: Int)
    case fenceLevelFailed(host: HostID, level: Int, reason: String)
    /// The host's lease already expired when its fence began: the lease level is tried first.
    case fenceLevelSkipped(host: HostID, toLevel: Int)
    /// Every level failed: the host's VMs stay blocked; fencing starts over after `retryAfterNanoseconds`.
    case fenceExhausted(host: HostID, blockedVMs: Int, retryAfterNanoseconds: UInt64)
    /// The host came back before any proof: the fence is called off.
    case fenceCalledOff(host: HostID)
    case fenceCompleted(host: HostID, proofs: [String])
    case manualAcknowledgementIgnored(host: HostID)
    /// An operator confirmed that a host whose fence was blocked (failing, waiting for a slot or
    /// held by the storm guard) is off; the confirmation is the fence's proof.
    case fenceConfirmedByOperator(host: HostID, by: String?, level: String)
    /// An operator request waits: a disarm (for the VM named), a maintenance or a shutdown.
    case disarmDeferred(vm: String, state: HAVMState)
    case maintenanceDeferred(host: HostID)
    case shutdownDeferred(host: HostID)
    case disarmed
    case armed
    case lockSet(vm: String, lock: String)
    case lockRemoved(vm: String, lock: String)
    case migrationImpossible(vm: String, reason: String)
    case migrated(vm: String, to: HostID, detail: String)
    case migrationFailed(vm: String, to: HostID, detail: String)
    case rebootingForShutdown(host: HostID)
    case storageUnfenced(host: HostID)
    case hostReconciled(host: HostID)
    case unfencingStorage(host: HostID)
    /// A placement: the VM is being started on the host the scheduler chose.
    case vmStarting(vm: String, host: HostID)
    case vmStarted(vm: String, host: HostID)
    case startFailed(vm: String, host: HostID, reason: String)
    case restarting(vm: String, attempt: Int, of: Int, host: HostID)
    case relocating(vm: String, attempt: Int, of: Int, avoiding: [HostID])
    /// A rejection: the scheduler found no host; the VM waits.
    case recoveryPending(vm: String, reason: String)
    /// An online host's storage heartbeat went silent (`lost`) or came back.
    /// `clusterWide`: most hosts lost the storage cluster at once (an outage of the cluster, not
    /// of this host's path: nothing is fenced).
    case storagePath(
        host: HostID, lost: Bool, policy: StoragePathPolicy, graceNanoseconds: UInt64, clusterWide: Bool = false)
    /// Capacity is held on `host` for a VM whose own host's fence is blocked, so lower tiers of
    /// the incident cannot take it.
    case capacityHeld(vm: String, host: HostID, fencing: HostID)
    /// The capacity held for a VM was given back (its host came back, or it needs none now).
    case capacityReleased(vm: String, host: HostID, reason: String)
}

extension HAEvent {
    /// The decision log's line for the event.
    public func text(hostName: (HostID) -> String) -> String {
        func node(_ h: HostID) -> String { "node '\(hostName(h))'" }
        func because(_ why: String) -> String { why.isEmpty ? "" : " (\(why))" }
        switch self {
        case .leaderResumed(let epoch, let previous):
            return "leader epoch \(epoch) (was \(previous)): resuming from persisted state"
        case .hostStateChanged(let h, let from, let to, let why):
            return "\(node(h)): state changed from '\(from.rawValue)' to '\(to.rawValue)'" + because(why)
        case .vmStateChanged(let vm, let from, let to, let why):
            return "vm '\(vm)': state changed from '\(from.rawValue)' to '\(to.rawValue)'" + because(why)
        case .stormGuard(let engaged, let n, let total, let checks):
            guard engaged else { return "storm guard lifted: \(n) of \(total) hosts unreachable" }
            return "storm guard: \(n) of \(total) hosts unreachable at once; "
                + (checks
                    ? "blind fencing suspended, only hosts whose BMC reads power off are fenced "
                    : "automatic fencing suspended ")
                + "(a network or manager fault is more likely)"
        case .fenceLevelSkipped(let h, let level):
            return "FENCE: \(node(h)): lease already expired (the host reset itself): trying level \(level + 1) "
                + "(lease) first"
        case .fenceSkipped(let h):
            return "fencing: SKIPPED for \(node(h)) (unsafe test switch)"
        case .fenceLevelStarted(let h, let level, let methods, let attempt):
            let names = methods.map(\.rawValue).joined(separator: "+")
            return "FENCE: \(node(h)): level \(level + 1) (\(names)), try \(attempt + 1)"
        case .fenceLevelFailed(let h, let level, let reason):
            return "FENCE: \(node(h)): level \(level + 1) failed: \(reason)"
        case .fenceExhausted(let h, let n, let retry):
            return "FENCE: \(node(h)): every fence level failed; \(n) VM(s) stay blocked; "
                + "retrying in \(HAManager.seconds(retry))"
        case .fenceCalledOff(let h):
            return "FENCE: \(node(h)): back with its lease renewed before any fence proof; fence called off"
        case .fenceCompleted(let h, let proofs):
            return "fencing: acknowledged - \(node(h)) fenced (\(proofs.joined(separator: "; ")))"
        case .fenceConfirmedByOperator(let h, let by, let level):
            return "FENCE: \(node(h)): \(Self.who(by)) confirmed the host is off; overriding \(level)"
        case .manualAcknowledgementIgnored(let h):
            return "\(node(h)): operator fence acknowledgement ignored (the host is neither being fenced nor failed)"
        default:
            return operatorText(hostName)
        }
    }

    func operatorText(_ hostName: (HostID) -> String) -> String {
        func node(_ h: HostID) -> String { "node '\(hostName(h))'" }
        switch self {
        case .disarmDeferred(let vm, let state): return "deferring disarm - vm '\(vm)' is in '\(state.rawValue)' state"
        case .maintenanceDeferred(let h): return "deferring maintenance of \(node(h)) - a fence is in progress"
        case .shutdownDeferred(let h): return "deferring shutdown of \(node(h)) - a fence is in progress"
        case .disarmed: return "HA disarmed: no fencing, no recovery; agents release their watchdogs"
        case .armed: return "HA armed"
        case .lockSet(let vm, let lock): return "vm '\(vm)': lock '\(lock)' set"
        case .lockRemoved(let vm, let lock): return "vm '\(vm)': removed leftover lock '\(lock)' after fence"
        case .migrationImpossible(let vm, let reason):
            return "vm '\(vm)': cannot migrate (\(reason)); stopping it instead"
        case .migrated(let vm, let to, let detail): return "vm '\(vm)': migrated to \(node(to)) (\(detail))"
        case .migrationFailed(let vm, let to, let detail):
            return "vm '\(vm)': migration to \(node(to)) failed: \(detail)"
        case .rebootingForShutdown(let h): return "\(node(h)): rebooting for a planned shutdown"
        case .storageUnfenced(let h): return "\(node(h)): storage unfenced"
        case .hostReconciled(let h): return "\(node(h)): agent reconciled (stale processes and port claims cleaned)"
        case .unfencingStorage(let h): return "\(node(h)): reconciled and settled; unfencing storage"
        default: return recoveryText(hostName)
        }
    }

    func recoveryText(_ hostName: (HostID) -> String) -> String {
        func node(_ h: HostID) -> String { "node '\(hostName(h))'" }
        switch self {
        case .vmStarting(let vm, let h): return "vm '\(vm)': starting on \(node(h))"
        case .vmStarted(let vm, let h): return "vm '\(vm)': started on \(node(h))"
        case .startFailed(let vm, let h, let reason): return "vm '\(vm)': start on \(node(h)) failed: \(reason)"
        case .restarting(let vm, let n, let of, let h): return "vm '\(vm)': restart \(n) of \(of) on \(node(h))"
        case .relocating(let vm, let n, let of, let avoiding):
            return "vm '\(vm)': relocate \(n) of \(of) (avoiding "
                + avoiding.map { "'\(hostName($0))'" }.joined(separator: ", ") + ")"
        case .recoveryPending(let vm, let reason): return "vm '\(vm)': recovery pending: \(reason)"
        case .storagePath(let h, let lost, let policy, let grace, let clusterWide):
            guard lost else { return "\(node(h)): storage path back" }
            if clusterWide {
                return "\(node(h)): storage unreachable while online; most hosts lost the storage cluster "
                    + "(a storage outage: nothing to fence)"
            }
            return "\(node(h)): storage path lost while online; its VMs have no disks ("
                + (policy == .restart
                    ? "storage_path_loss: restart: fencing its storage and restarting its VMs after "
                        + HAManager.seconds(grace) + ")"
                    : "storage_path_loss: off: alert only)")
        case .capacityHeld(let vm, let h, let f):
            return "vm '\(vm)': capacity held on \(node(h)) while the fence of \(node(f)) is blocked"
        case .capacityReleased(let vm, let h, let reason):
            return "vm '\(vm)': capacity held on \(node(h)) released (\(reason))"
        default: preconditionFailure("an HA event without its text: \(self)")
        }
    }
}

extension HAEvent {
    /// The operator named in a log line.
    static func who(_ by: String?) -> String { by.map { "operator '\($0)'" } ?? "an operator" }
}
