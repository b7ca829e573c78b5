import CloudModel

/// Hosts and VMs join and leave while the manager runs (an API creates VMs at any time).
extension HAManager {
    /// Why a host or VM record cannot be removed now.
    public enum RemovalRefusal: Error, Sendable, Equatable, CustomStringConvertible {
        /// HA does not manage the instance.
        case unknownVM(VMID)
        /// The HA state has no such host.
        case unknownHost(HostID)
        /// A command is in flight or the VM waits for a fence or a recovery: removing it would
        /// lose a decision that is under way.
        case busy(vm: String, state: HAVMState)
        /// VMs still name the host as their node, home or migration target, or it is being
        /// fenced or has a command in flight.
        case hostInUse(host: String, reason: String)

        public var description: String {
            switch self {
            case .unknownVM(let id): "instance '\(id)' is not managed by HA"
            case .unknownHost(let id): "host '\(id)' is not in the HA state"
            case .busy(let vm, let state): "vm '\(vm)' is in '\(state.rawValue)' with work in flight"
            case .hostInUse(let host, let reason): "host '\(host)' is still in use: \(reason)"
            }
        }
    }

    /// Adds host `id` named `name` (online, schedulable), joined at `now`. From the next round
    /// the runtime passes its observation too.
    public mutating func addHost(_ id: HostID, named name: String, now: Instant) {
        state.insertHost(HAHostRecord(id: id, name: name, joinedAt: now))
        vmsByHost.append([])
    }

    /// Removes host `id` (decommissioned). Refused while any VM record names it (as node, home,
    /// migration target or a node a start failed on in this incident), while it is being fenced,
    /// or while a command to it is in flight.
    public mutating func removeHost(_ id: HostID) throws(RemovalRefusal) {
        guard let h = state.host(id) else { throw .unknownHost(id) }
        let r = state.hosts[h]
        if let vm = state.vms.first(where: { v in
            v.node == id || v.home == id || v.migrationTarget == id || v.failedNodes.contains(id)
        }) {
            throw .hostInUse(host: r.name, reason: "vm '\(vm.name)' refers to it")
        }
        if r.state == .fencing || r.fence != nil || r.hostCommand != nil {
            throw .hostInUse(host: r.name, reason: "state '\(r.state.rawValue)' with work in flight")
        }
        state.removeHost(at: h)
        indexVMsByHost()
    }

    /// Starts managing `record` (a VM the API created or put under HA).
    public mutating func addVM(_ record: HAVMRecord) {
        precondition(record.node.map { state.host($0) != nil } ?? true, "VM on an unknown host")
        state.insertVM(record)
        let h = record.node.flatMap { state.host($0) } ?? -1
        hostOfVM.append(h)
        if h >= 0 { vmsByHost[h].append(state.vms.count - 1) }
    }

    /// Stops managing instance `id` (deleted, or taken out of HA). Refused while a command is in
    /// flight for it or it waits for a fence or a recovery.
    public mutating func removeVM(_ id: VMID) throws(RemovalRefusal) {
        guard let v = state.vm(id) else { throw .unknownVM(id) }
        let r = state.vms[v]
        if r.command != nil || [.fence, .recovery, .migrate, .freeze].contains(r.state) {
            throw .busy(vm: r.name, state: r.state)
        }
        state.removeVM(at: v)
        // the per-host index without the record; later positions move up by one (as in the state)
        if hostOfVM.count == state.vms.count + 1 {
            if hostOfVM[v] >= 0 { vmsByHost[hostOfVM[v]].removeAll { $0 == v } }
            hostOfVM.remove(at: v)
            for h in vmsByHost.indices {
                for i in vmsByHost[h].indices where vmsByHost[h][i] > v { vmsByHost[h][i] -= 1 }
            }
        } else {
            indexVMsByHost()
        }
    }
}
