/// What holds a command in flight.
enum CommandOwner: Sendable, Equatable {
    /// A VM record's start, stop or migrate command.
    case vm(Int)
    /// A host's unfence or reboot command.
    case host(Int)
    /// One of a host's outstanding fence commands.
    case fence(Int)
}

extension HAManager {
    /// Indexes the commands in flight by ID. Valid for answers to commands sent in earlier rounds
    /// (the only ones an input can answer); every lookup checks the owner still holds the command.
    mutating func indexCommands() {
        commandOwners.removeAll(keepingCapacity: true)
        for v in state.vms.indices {
            if let c = state.vms[v].command { commandOwners[c.id] = .vm(v) }
        }
        for h in state.hosts.indices {
            if let c = state.hosts[h].hostCommand { commandOwners[c.id] = .host(h) }
            for c in state.hosts[h].fence?.outstanding ?? [] { commandOwners[c.id] = .fence(h) }
        }
    }

    /// The VM whose in-flight command is `id`.
    func vm(command id: UInt64) -> Int? {
        guard case .vm(let v)? = commandOwners[id], state.vms[v].command?.id == id else { return nil }
        return v
    }

    /// The host whose unfence or reboot command is `id`.
    func host(command id: UInt64) -> Int? {
        guard case .host(let h)? = commandOwners[id], state.hosts[h].hostCommand?.id == id else { return nil }
        return h
    }

    /// The host with fence command `id` outstanding.
    func fencedHost(command id: UInt64) -> Int? {
        guard case .fence(let h)? = commandOwners[id],
            state.hosts[h].fence?.outstanding.contains(where: { $0.id == id }) == true
        else { return nil }
        return h
    }
}
