import CloudControl
import CloudDrivers
import CloudModel
import CloudRuntime
import CloudScheduler

/// The simulator as a runtime of the control plane: CloudRuntime's loop decides; these
/// primitives carry its actions out over the simulated world (with latencies drawn from the
/// run's PRNG) and feed the answers back. The same loop runs against real drivers live.
extension Simulation: ControlPlaneHost {
    package var now: Instant { .virtual(kernel.now) }
    package func hostName(_ host: Int) -> String { world.hosts[host].name }
    package func instanceName(_ vm: Int) -> String { world.instances[vm].instance.name }
    package func describe(durationNanoseconds: UInt64) -> String { SimTime.format(durationNanoseconds) }

    package mutating func placeRound(
        _ step: inout HAControlStep, now: Instant, epoch: UInt64, observations: [HostObservation], inputs: [HAInput],
        queued: [AdminCommand]
    ) -> HAPersist {
        step.round(
            now: now, epoch: epoch, observations: observations, inputs: inputs, queued: queued, placement: &world)
    }

    package mutating func setSchedulable(_ host: Int, _ on: Bool) { world.setSchedulable(host, on) }

    package mutating func holdsCommand(_ c: HACommand, for host: Int) -> Bool {
        guard let d = ha.commandDelay[host], kernel.now < d.until else { return false }
        schedule(.ha(.commandArrives(c, host: host)), after: d.delay)
        return true
    }

    // MARK: Membership

    package var hostCount: Int { world.hosts.count }
    package func isPowered(_ host: Int) -> Bool { world.hosts[host].power == .on }
    package func isInQuorum(_ host: Int) -> Bool { inQuorum(host) }
    package func hasSecondChannel(_ host: Int) -> Bool { storageHeartbeatAlive(host) }
    package func isAgentAlive(_ host: Int) -> Bool { ha.agentAlive(host, now: kernel.now) }
    package func isManagerUp(_ host: Int) -> Bool { ha.managerUp(host, now: kernel.now) }
    package func isReachable(_ host: Int, from leader: Int) -> Bool { ha.component[host] == ha.component[leader] }
    package var isStoreAvailable: Bool { ha.storeUp }
    package func hasWorkingWatchdog(_ host: Int) -> Bool { !ha.watchdogBroken[host] }
    package func storageFailingSince(_ host: Int) -> Instant? { ha.blocklistedAt[host].map(Instant.virtual) }

    package func hostObservations(agents: [HostAgent]) -> [HostObservation] {
        let now = kernel.now
        let interval = spec.settings.heartbeatIntervalNanoseconds
        return world.hosts.indices.map { h in
            let reachable = inQuorum(h) && ha.agentAlive(h, now: now)
            return HostObservation(
                host: control.handles.hosts[h],
                lastHeartbeat: world.hosts[h].heartbeat.lastHeartbeat(now: now, interval: interval).map(
                    Instant.virtual),
                storageAlive: storageHeartbeatAlive(h),
                inventory: reachable ? ha.procs.inventory(on: h) : nil,
                reconciledAt: reachable ? agents[h].reconciledAt : nil)
        }
    }

    /// The host's storage heartbeat reaches the control plane (and the control plane's reaches it).
    func storageHeartbeatAlive(_ h: Int) -> Bool {
        world.hosts[h].power == .on && world.hosts[h].network(.storage).reachesControlPlane && ha.storageUp
            && !ha.blocklisted[h]
    }

    // MARK: Hypervisor

    package func guests(on host: Int) -> [Int] { ha.procs.guests(on: host) }
    package func isGuestRunning(_ vm: Int, on host: Int) -> Bool { ha.procs[vm].contains(host) }

    package mutating func killGuest(_ vm: Int, on host: Int) {
        ha.procs.remove(vm, from: host)
        if ha.procs[vm].isEmpty && world.instances[vm].instance.haPriority != .none { probe.began(vm, at: kernel.now) }
        syncStatus(vm)
    }

    package mutating func startGuest(_ vm: Int, on host: Int, command: UInt64) {
        launch(vm, on: host, command: command, power: world.hosts[host].powerEpoch)
    }

    package mutating func stopGuest(_ vm: Int, on host: Int, command: UInt64) {
        let power = world.hosts[host].powerEpoch
        schedule(.ha(.vmStopDone(vm: vm, host: host, command: command, power: power)), after: 3 * SimTime.second)
    }

    package mutating func migrateGuest(_ vm: Int, from host: Int, to target: Int, command: UInt64) {
        let (duration, ok, detail) = preCopy(vm)
        let powers = (world.hosts[host].powerEpoch, world.hosts[target].powerEpoch)
        schedule(
            .ha(
                .migrationDone(
                    vm: vm, from: host, to: target, command: command, powers: powers, ok: ok,
                    detail: detail)), after: duration)
    }

    package mutating func rebootHost(_ host: Int, command: UInt64) {
        schedule(.ha(.plannedReboot(host: host, command: command)), after: SimTime.second)
    }

    package mutating func resetHost(_ host: Int) {
        powerOff(host, reason: "reset by watchdog")
        powerOn(host, reason: "rebooting after watchdog reset")
    }

    // MARK: Fence transports

    package mutating func bmcPowerOff(host: Int, command: UInt64) {
        world.hosts[host].bmc.commandsReceived += 1
        if bmcDark(host) { return }  // no answer
        let latency = Variates.latencyNanoseconds(
            median: spec.settings.bmcMedian, p99Ratio: spec.settings.bmcP99Ratio, using: &kernel.rng)
        schedule(.ha(.ipmiOff(host: host, command: command)), after: latency)
    }

    /// The simulated PDU answers after a second: the outlets go off, read back off, come on.
    package mutating func pduPowerCycle(host: Int, command: UInt64) {
        schedule(.ha(.pduOff(host: host, command: command)), after: SimTime.second)
    }

    package mutating func bmcReadStatus(host: Int, command: UInt64, afterNanoseconds: UInt64) {
        schedule(.ha(.ipmiReadback(host: host, command: command)), after: afterNanoseconds)
    }

    package mutating func bmcPowerOn(host: Int) { powerOn(host, reason: "powered on by fence agent (onoff)") }

    package var isStorageAvailable: Bool { ha.storageUp }

    package mutating func blocklist(host: Int, command: UInt64) {
        let t = Variates.latencyNanoseconds(median: spec.settings.blocklistMedian, p99Ratio: 2, using: &kernel.rng)
        schedule(.ha(.blocklistDone(host: host, command: command)), after: t)
    }

    package mutating func unblocklist(host: Int, command: UInt64) {
        schedule(.ha(.unfenceDone(host: host, command: command)), after: spec.settings.blocklistMedian)
    }

    package mutating func scheduleLeaseCheck(host: Int, command: UInt64, afterNanoseconds: UInt64) {
        schedule(.ha(.leaseCheck(host: host, command: command)), after: afterNanoseconds)
    }

    // MARK: GPU inventory

    package func gpus(on host: Int) -> [GPUDevice] {
        let h = world.hosts[host]
        return h.gpus.indices.map { g in
            let hw = h.node.hardware.gpus[g]
            return GPUDevice(
                uuid: hw.uuid, model: hw.model, pciAddress: hw.pciAddress, numaNode: hw.numaNode, vramMB: hw.vramMB,
                health: h.gpus[g].health, xidErrors: h.gpus[g].xidErrors, lastXid: h.gpus[g].lastXid,
                xidByClass: h.gpus[g].xidByClass)
        }
    }

    // MARK: Port bindings

    package func chassis(of vm: Int) -> Int? { ha.portChassis[vm] }
    package mutating func bindPort(_ vm: Int, to host: Int) { ha.portChassis[vm] = host }

    // MARK: Observers: checkers, probes, the fault injector

    package mutating func roundPersisted(before: HAState, after: HAState) {
        checkTransitions(before: before, after: after)
    }
    package mutating func commandReleased(_ command: HACommand) { checkPersisted(command) }

    package mutating func roundCarriedOut(sent: [HACommand]) {
        guard let t = ha.crashTrigger else { return }
        let hit = sent.contains { c in
            switch c.kind {
            case .fence: t.trigger == .fenceSent
            case .start: t.trigger == .startSent
            default: false
            }
        }
        if hit { crashLeader(restartAfter: t.restartAfter) }
    }

    package mutating func guestStarting(_ vm: Int, on host: Int) {
        guard checkers else { return }
        if let o = ha.procs[vm].first(where: { $0 != host && !ha.blocklisted[$0] }) {
            violate(
                "S2_fence_before_restart",
                "vm '\(world.instances[vm].instance.name)' started on "
                    + "'\(world.hosts[host].name)' while its process on '\(world.hosts[o].name)' can still write")
        }
        evidence.startAttempts[vm] += 1
        checkStartAttempts(vm)
    }

    package mutating func hostReconciled(_ host: Int) { evidence.proofAt[host] = kernel.now }
    package mutating func fenceProven(_ host: Int) { evidence.proofAt[host] = kernel.now }

    /// S4 seen from the agent: a rejected command must really be from an older epoch than the
    /// current leader's (an agent that refused the current leader would stall recovery).
    package mutating func commandRejected(_ c: HACommand, on host: Int) {
        guard checkers else { return }
        if c.epoch >= control.epoch {
            violate(
                "S4_single_leader",
                "agent of '\(world.hosts[host].name)' rejected command \(c.id) of the current epoch \(c.epoch)")
        }
    }

    /// Completes the work of a simulated fence device: the BMC answers, the storage cluster
    /// publishes a map epoch, a lease check is due.
    mutating func completeFence(_ work: HAWork) {
        switch work {
        case .pduOff(let h, let id):
            let feed = world.hosts[h].feed
            world.hosts[h].feed = .cut
            powerOff(h, reason: "outlets switched off by fence agent (PDU)")
            fenceProven(h)
            fenceWorkDone(id, .fenced(command: id, outcome: .verified(proof: "outlets read back 'off'")))
            world.hosts[h].feed = feed
            powerOn(h, reason: "outlets switched on by fence agent (PDU)")
        case .ipmiOff(let h, let id):
            // the simulated BMC answers the power-off; `false_success` reports success and does nothing
            let bmc = world.hosts[h].bmc.mode
            if bmc == .healthy || bmc == .sharedPower { powerOff(h, reason: "powered off by fence agent (IPMI)") }
            powerFenceReply(host: h, command: id, bmc == .error ? .error : .accepted)
        case .ipmiReadback(let h, let id):
            let bmc = world.hosts[h].bmc.mode
            if bmcDark(h) { return }  // no answer
            let off = world.hosts[h].power == .off || bmc == .lyingStatus
            powerFenceReply(host: h, command: id, bmc == .error ? .error : (off ? .statusOff : .statusOn))
        case .blocklistDone(let h, let id):
            guard ha.storageUp else { return fenceWorkAbandoned(id) }
            ha.blocklisted[h] = true
            world.touched.mark(h)
            ha.blocklistedAt[h] = kernel.now
            // a VM whose every process lost its disks stopped running as far as anyone can tell
            for v in guests(on: h) where world.instances[v].instance.haPriority != .none {
                if ha.procs[v].allSatisfy({ ha.blocklisted[$0] }) { probe.began(v, at: kernel.now) }
            }
            ha.osdEpoch += 1
            evidence.proofAt[h] = kernel.now
            record("storage: node '\(world.hosts[h].name)' client blocklisted in osd map epoch \(ha.osdEpoch)")
            fenceWorkDone(
                id, .fenced(command: id, outcome: .verified(proof: "blocklisted in osd map epoch \(ha.osdEpoch)")))
        case .unfenceDone(let h, let id):
            guard ha.storageUp else { return fenceWorkAbandoned(id) }
            checkUnfence(h)
            ha.blocklisted[h] = false
            world.touched.mark(h)
            ha.blocklistedAt[h] = nil
            ha.osdEpoch += 1
            record("storage: node '\(world.hosts[h].name)' blocklist entry removed (osd map epoch \(ha.osdEpoch))")
            fenceWorkDone(id, .storageUnfenced(command: id))
        case .leaseCheck(let h, let id):
            leaseCheckDue(host: h, command: id)
        default:
            preconditionFailure("not a fence device's work")
        }
    }
}
