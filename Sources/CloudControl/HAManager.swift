import CloudModel

/// The HA manager: a pure, deterministic controller that runs on the leader only. Each round it
/// takes the time, the leader epoch, what the membership layer observes about every host and the
/// results that arrived, and returns effects. The runtime persists `state` before it carries any
/// effect out, so a new leader that loads `state` resumes in-flight fences and recoveries.
public struct HAManager: Sendable {
    public let config: HAConfig
    /// The state the manager decides over; changed only by rounds and the membership calls, so
    /// its indexes stay valid.
    public internal(set) var state: HAState
    /// Simulation-only fault hook: recover without fencing. Exists to prove the checkers can fail;
    /// `package`, so no runtime outside this package can set it.
    package var unsafeSkipFence = false
    /// Simulation-only fault hook: recover each host's VMs as soon as its own fence completes
    /// (the priority inversion the S14 checker must catch).
    package var unsafeIgnorePriority = false
    var effects: [HAEffect] = []
    var now = Instant.virtualEpoch
    /// This round's observations, by host record position.
    var observations: [HostObservation] = []
    /// VM record positions by host record position, in record order (kept up to date by
    /// `setNode` and the membership calls; derived, never persisted).
    var vmsByHost: [[Int]] = []
    /// The host record position of each VM record's node (-1: none).
    var hostOfVM: [Int] = []
    /// Online hosts whose storage path has been lost past the grace period, found by this round's
    /// host update and fenced through storage by its fence step.
    var pendingStorageFences: [Int] = []
    /// True when most online hosts still see the storage cluster this round: a host without it
    /// lost its own path (otherwise the storage cluster itself is out, and fencing helps nobody).
    var storageSeenByMost = true
    /// Set for the first round under a new epoch: every command in flight is resent.
    var takingOver = false
    /// When this leader took over: it starts no fence before it has watched every host for one
    /// fence delay itself (membership may have just formed; observations may be stale).
    var takeoverAt = Instant.virtualEpoch
    /// Who holds each command in flight when the round began, by ID: an answer finds its VM or
    /// host in O(1) instead of a scan of the fleet (looked up, never iterated).
    var commandOwners: [UInt64: CommandOwner] = [:]

    /// A manager over `hosts` (in the order it visits them) managing `vms`.
    public init(config: HAConfig, hosts: [HAHostRecord], vms: [HAVMRecord]) {
        precondition(
            vms.allSatisfy { v in v.node.map { n in hosts.contains { $0.id == n } } ?? true }, "VM on an unknown host")
        self.config = config
        state = HAState(hosts: hosts, vms: vms)
        indexVMsByHost()
    }

    /// A new leader's manager over the state its predecessor persisted.
    public init(config: HAConfig, persisted: HAState) {
        self.config = config
        state = persisted
        indexVMsByHost()
    }

    /// The name of host `id` for log lines (the ID itself for a host the state does not know).
    public func hostName(_ id: HostID) -> String { state[host: id]?.name ?? id.rawValue }

    /// One round. `epoch` is the leader lease's epoch; a round under a newer epoch than the state's
    /// resends every command in flight under that epoch (same IDs).
    public mutating func round(
        now: Instant, epoch: UInt64, observations: [HostObservation], inputs: [HAInput],
        placement: inout some HAPlacement
    ) -> [HAEffect] {
        self.now = now
        align(observations)
        if vmsByHost.count != state.hosts.count || hostOfVM.count != state.vms.count { indexVMsByHost() }
        effects = []
        if epoch != state.epoch { takeOver(epoch) }
        if !inputs.isEmpty { indexCommands() }
        for input in inputs { handle(input, placement: &placement) }
        commandOwners.removeAll(keepingCapacity: true)
        updateHosts(placement: &placement)
        applyDeferred(placement: &placement)
        if state.armed {
            startFences(placement: &placement)
            progressFences(placement: &placement)
            checkRunning(placement: &placement)
            recover(placement: &placement)
        }
        progressShutdowns(placement: &placement)
        resendStale()
        return effects
    }

    mutating func takeOver(_ epoch: UInt64) {
        let previous = state.epoch
        state.epoch = epoch
        takingOver = true
        takeoverAt = now
        log(.leaderResumed(epoch: epoch, previous: previous))
    }

    // MARK: helpers

    mutating func log(_ event: HAEvent) { effects.append(.event(event)) }

    /// The observations by host record position; a host without one counts as silent on both
    /// channels since it joined the state.
    mutating func align(_ given: [HostObservation]) {
        if given.count == state.hosts.count && zip(given, state.hosts).allSatisfy({ $0.host == $1.id }) {
            observations = given
            return
        }
        var byHost: [HostID: HostObservation] = [:]
        for o in given { byHost[o.host] = o }
        observations = state.hosts.map {
            byHost[$0.id] ?? HostObservation(host: $0.id, lastHeartbeat: nil, storageAlive: false)
        }
    }

    /// Indexes the VM records by the position of their node.
    mutating func indexVMsByHost() {
        vmsByHost = Array(repeating: [], count: state.hosts.count)
        hostOfVM = Array(repeating: -1, count: state.vms.count)
        for v in state.vms.indices {
            if let n = state.vms[v].node, let h = state.host(n) {
                vmsByHost[h].append(v)
                hostOfVM[v] = h
            }
        }
    }

    /// Moves VM `v`'s record to `node`, keeping the per-host index in record order.
    mutating func setNode(_ v: Int, _ node: HostID?) {
        if hostOfVM[v] >= 0 { vmsByHost[hostOfVM[v]].removeAll { $0 == v } }
        state.vms[v].node = node
        hostOfVM[v] = node.flatMap { state.host($0) } ?? -1
        if hostOfVM[v] >= 0 {
            let h = hostOfVM[v]
            let at = vmsByHost[h].firstIndex { $0 > v } ?? vmsByHost[h].count
            vmsByHost[h].insert(v, at: at)
        }
    }

    /// The host record position of VM `v`'s node, if it has one.
    func nodeSlot(_ v: Int) -> Int? { hostOfVM[v] >= 0 ? hostOfVM[v] : nil }

    /// The position of host `id`'s record; the state must know it.
    func slot(_ id: HostID) -> Int {
        guard let h = state.host(id) else { preconditionFailure("host '\(id)' is not in the HA state") }
        return h
    }

    /// The name of the host at record position `h`.
    func name(_ h: Int) -> String { state.hosts[h].name }

    /// The ID of the host at record position `h`.
    func hostID(_ h: Int) -> HostID { state.hosts[h].id }

    mutating func command(_ kind: HACommand.Kind, host: Int) -> HACommand {
        // IDs are `epoch << 32 | number`: both halves must fit, or IDs would collide silently
        precondition(state.epoch <= UInt64(UInt32.max), "leader epoch \(state.epoch) does not fit a command ID")
        precondition(state.nextCommand <= UInt64(UInt32.max), "command numbers of epoch \(state.epoch) exhausted")
        let id = state.epoch << 32 | state.nextCommand
        state.nextCommand += 1
        let c = HACommand(id: id, epoch: state.epoch, kind: kind, host: state.hosts[host].id, sentAt: now)
        effects.append(.send(c))
        return c
    }

    mutating func setHost(_ h: Int, _ s: HAHostState, _ why: String = "") {
        let old = state.hosts[h].state
        guard old != s else { return }
        state.hosts[h].state = s
        state.hosts[h].since = now
        log(.hostStateChanged(host: hostID(h), from: old, to: s, reason: why))
    }

    mutating func setVM(_ v: Int, _ s: HAVMState, _ why: String = "") {
        let old = state.vms[v].state
        guard old != s else { return }
        state.vms[v].state = s
        log(.vmStateChanged(vm: state.vms[v].name, from: old, to: s, reason: why))
    }

    mutating func setSchedulable(_ h: Int, _ on: Bool) {
        guard state.hosts[h].schedulable != on else { return }
        state.hosts[h].schedulable = on
        effects.append(.schedulable(host: hostID(h), on))
    }

    /// Silence of host `h` in nanoseconds.
    func age(_ h: Int) -> UInt64 { now.nanoseconds(since: lastSeen(h)) }

    /// The last heartbeat of host `h`, or when it joined if it was never heard from.
    func lastSeen(_ h: Int) -> Instant { observations[h].lastHeartbeat ?? state.hosts[h].joinedAt }

    func fresh(_ h: Int) -> Bool { config.health(silenceNanoseconds: age(h)) == .online }

    /// Silent past the fence delay: the detector's `unreachable`.
    func unreachable(_ h: Int) -> Bool { config.health(silenceNanoseconds: age(h)) == .unreachable }

    /// Positions of the VMs whose node is `h`, in record order.
    func vms(on h: Int) -> [Int] { vmsByHost[h] }

    /// True when host `h` holds VMs that only a fence can free.
    func needsFence(_ h: Int) -> Bool {
        vmsByHost[h].contains { v in
            let vm = state.vms[v]
            return
                (vm.state == .started || vm.state == .migrate || vm.state == .fence
                || (vm.state == .recovery && vm.command != nil) || (vm.state == .freeze && vm.command != nil))
        }
    }

    static func seconds(_ ns: UInt64) -> String {
        let ms = ns / 1_000_000
        return ms % 1000 == 0 ? "\(ms / 1000)s" : "\(ms / 1000).\(String(ms % 1000 + 1000).dropFirst())s"
    }
}

extension HAManager {
    /// Moves every host through online → suspect → isolated/failed, and returning hosts through
    /// recovering → online.
    mutating func updateHosts(placement: inout some HAPlacement) {
        var online = 0
        var withStorage = 0
        for h in state.hosts.indices where state.hosts[h].state == .online && fresh(h) {
            online += 1
            if observations[h].storageAlive { withStorage += 1 }
        }
        storageSeenByMost = withStorage * 2 > online
        for h in state.hosts.indices {
            switch state.hosts[h].state {
            case .online:
                if !fresh(h) {
                    state.hosts[h].storageLostSince = nil
                    state.hosts[h].storageLossNoted = false
                    setHost(h, .suspect, "no heartbeat for \(Self.seconds(age(h)))")
                } else {
                    checkStoragePath(h)
                }
            case .suspect, .isolated, .failed:
                if fresh(h) {
                    setHost(h, .online, "heartbeats back")
                } else if age(h) > config.goneAfterNanoseconds && !needsFence(h) {
                    setHost(h, .gone, "offline for \(Self.seconds(age(h)))")
                } else if unreachable(h) {
                    if observations[h].storageAlive {
                        setHost(h, .isolated, "management silent \(Self.seconds(age(h))), storage heartbeats alive")
                    } else {
                        setHost(h, .failed, "silent on management and storage for \(Self.seconds(age(h)))")
                    }
                }
            case .fenced, .gone:
                if fresh(h) {
                    state.hosts[h].reconciledAt = nil
                    setHost(h, .recovering, "heartbeats back; waiting for the agent to reconcile")
                } else if state.hosts[h].state == .fenced
                    && now.nanoseconds(since: state.hosts[h].since) > config.goneAfterNanoseconds
                {
                    setHost(h, .gone)
                }
            case .recovering:
                rejoin(h, placement: &placement)
            case .fencing, .maintenance:
                break
            }
        }
    }

    /// A returning host: reconciled, settled, storage unfenced, then online (and schedulable once
    /// its fence cooldown passed).
    mutating func rejoin(_ h: Int, placement: inout some HAPlacement) {
        let rec = state.hosts[h]
        if !fresh(h) {
            setHost(h, .fenced, "silent again while recovering")
            return
        }
        if rec.reconciledAt == nil, let r = observations[h].reconciledAt,
            (rec.lastFenceBeganAt ?? rec.lastFenceAt).map({ r >= $0 }) ?? true
        {
            state.hosts[h].reconciledAt = r
            log(.hostReconciled(host: hostID(h)))
        }
        guard let done = state.hosts[h].reconciledAt, now >= done + config.settleTimeNanoseconds else { return }
        if rec.storageFenced {
            if rec.hostCommand == nil {
                log(.unfencingStorage(host: hostID(h)))
                state.hosts[h].hostCommand = command(.unfenceStorage, host: h)
            }
            return
        }
        setHost(h, .online, "reconciled")
    }

    /// Marks hosts schedulable again once they are online and out of their fence cooldown.
    mutating func refreshSchedulable(_ h: Int) {
        // fields read in place: this runs for every host every round
        let cooled = state.hosts[h].lastFenceAt.map { now >= $0 + config.fenceCooldownNanoseconds } ?? true
        setSchedulable(
            h,
            state.hosts[h].state == .online && cooled && !state.hosts[h].maintenanceRequested
                && state.hosts[h].shutdown == nil && !state.hosts[h].storageLossNoted)
    }
}
