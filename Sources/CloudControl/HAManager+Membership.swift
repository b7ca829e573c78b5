/// Hosts and VMs join and leave while the manager runs (an API creates VMs at any time).
extension HAManager {
    /// Why a VM record cannot be removed now.
    public enum RemovalRefusal: Error, Sendable, Equatable, CustomStringConvertible {
        /// HA does not manage the instance.
        case unknown(instance: Int)
        /// A command is in flight or the VM waits for a fence or a recovery: removing it would
        /// lose a decision that is under way.
        case busy(vm: String, state: HAVMState)

        public var description: String {
            switch self {
            case .unknown(let i): "instance \(i) is not managed by HA"
            case .busy(let vm, let state): "vm '\(vm)' is in '\(state.rawValue)' with work in flight"
            }
        }
    }

    /// Adds a host named `name` (online, schedulable); returns its index. From the next round the
    /// runtime passes one more observation.
    public mutating func addHost(named name: String) -> Int {
        precondition(!hostNames.contains(name), "host '\(name)' added twice")
        hostNames.append(name)
        state.hosts.append(HAHostRecord())
        precondition(state.hosts.count == hostNames.count, "one host record per host name")
        return state.hosts.count - 1
    }

    /// Starts managing `record` (a VM the API created or put under HA).
    public mutating func addVM(_ record: HAVMRecord) {
        precondition(state.vm(instance: record.index) == nil, "instance \(record.index) is already managed")
        precondition(record.node.map { state.hosts.indices.contains($0) } ?? true, "VM on an unknown host")
        let at = state.vms.firstIndex { $0.index > record.index } ?? state.vms.count
        state.vms.insert(record, at: at)
    }

    /// Stops managing instance `index` (deleted, or taken out of HA). Refused while a command is
    /// in flight for it or it waits for a fence or a recovery.
    public mutating func removeVM(instance index: Int) throws(RemovalRefusal) {
        guard let v = state.vm(instance: index) else { throw .unknown(instance: index) }
        let r = state.vms[v]
        if r.command != nil || [.fence, .recovery, .migrate, .freeze].contains(r.state) {
            throw .busy(vm: r.name, state: r.state)
        }
        state.vms.remove(at: v)
    }
}
