import CloudModel
import CloudRuntime
import CloudScheduler

extension Simulation {
    /// Timeout an operator's BMC command waits before giving up.
    static let bmcCommandTimeout: UInt64 = 10 * SimTime.second

    mutating func apply(_ action: FaultAction) {
        switch action {
        case .powerOff(let names):
            for h in names.compactMap(world.host(named:)) {
                if world.hosts[h].feed == .ok { world.hosts[h].feed = .lost }
                powerOff(h, reason: "power lost")
            }
        case .powerCut(let names):
            for h in names.compactMap(world.host(named:)) {
                world.hosts[h].feed = .cut
                powerOff(h, reason: "power cut (stays off until restored)")
            }
        case .powerOn(let names):
            for h in names.compactMap(world.host(named:)) {
                world.hosts[h].feed = .ok
                powerOn(h, reason: "power restored")
            }
        case .networkCut(let name, let net):
            guard let h = world.host(named: name) else { return }
            var a = world.hosts[h].network(net)
            a.linkUp = false
            world.hosts[h].setNetwork(net, a)
            world.hosts[h].lastFaultAt = kernel.now
            record("node '\(name)': \(net.rawValue) network link down")
            refreshMembership()
            if net == .storage { storagePathChanged(h, up: false) }
        case .partition(let net, let groups):
            for group in groups {
                let island = world.nextIsland
                world.nextIsland &+= 1
                for h in group.compactMap(world.host(named:)) {
                    var a = world.hosts[h].network(net)
                    a.island = island
                    world.hosts[h].setNetwork(net, a)
                    world.hosts[h].lastFaultAt = kernel.now
                }
                refreshMembership()
                record("\(net.rawValue) network: island \(island) split off: \(group.joined(separator: ", "))")
            }
        case .bmcFault(let name, let mode):
            guard let h = world.host(named: name) else { return }
            world.hosts[h].bmc.mode = mode
            record("node '\(name)': BMC now \(mode.rawValue)")
        case .gpuFault(let name, let gpu, let xid):
            guard let h = world.host(named: name) else { return }
            gpuFault(h, gpu: gpu, xid: xid)
        case .bmcCommand(let name, let command):
            guard let h = world.host(named: name) else { return }
            bmcCommand(h, command)
        case .networkRestore, .stall, .commandDelay, .crashLeader, .storeOutage, .storageOutage, .watchdog,
            .startFailures, .admin:
            applyHA(action)
        case .heal(let name):
            if let name {
                if let h = world.host(named: name) { heal(h) }
            } else {
                for h in world.hosts.indices { heal(h) }
            }
        }
    }

    mutating func refreshHeartbeat(_ h: Int) {
        let open =
            world.hosts[h].power == .on && ha.agentAlive(h, now: kernel.now) && ha.quorate != nil
            && ha.component[h] == ha.quorate
        world.hosts[h].heartbeat.setFlowing(open, now: kernel.now, interval: spec.settings.heartbeatIntervalNanoseconds)
    }

    mutating func powerOff(_ h: Int, reason: String, planned: Bool = false) {
        guard world.hosts[h].power != .off else { return }
        settleEnergy(host: h)
        world.hosts[h].power = .off
        world.touched.mark(h)
        world.hosts[h].powerEpoch &+= 1
        if !planned { world.hosts[h].lastFaultAt = kernel.now }
        var lost = 0
        for v in ha.procs.guests(on: h) {
            ha.procs.remove(v, from: h)
            if !planned && world.instances[v].instance.haPriority != .none {
                probe.began(v, at: kernel.now)
            }
            syncStatus(v)
            lost += 1
        }
        refreshMembership()
        record("node '\(world.hosts[h].name)': \(reason); \(lost) instance(s) down")
    }

    /// The host's BMC does not answer: hung, or on the host supply while that has no power. A BMC
    /// on standby power answers while its host is off (powered off by the BMC itself).
    func bmcDark(_ h: Int) -> Bool {
        let host = world.hosts[h]
        return host.bmc.mode == .timeout || (host.bmc.mode == .sharedPower && host.feed != .ok)
    }

    mutating func powerOn(_ h: Int, reason: String) {
        guard world.hosts[h].power == .off else { return }
        guard world.hosts[h].feed != .cut else {
            record("node '\(world.hosts[h].name)': \(reason) refused: its power is cut")
            return
        }
        settleEnergy(host: h)
        world.hosts[h].power = .booting
        world.touched.mark(h)
        world.hosts[h].powerEpoch &+= 1
        let boot = Variates.latencyNanoseconds(
            median: spec.settings.bootMedian, p99Ratio: spec.settings.bootP99Ratio, using: &kernel.rng)
        schedule(.bootComplete(host: h, epoch: world.hosts[h].powerEpoch), after: boot)
        record("node '\(world.hosts[h].name)': \(reason); booting")
    }

    mutating func gpuFault(_ h: Int, gpu: Int, xid: Int) {
        guard world.hosts[h].gpus.indices.contains(gpu) else { return }
        var g = world.hosts[h].gpus[gpu]
        g.xidErrors += 1
        g.lastXid = xid
        let cls = XidClass.of(xid)
        g.xidByClass[cls.index] += 1
        switch cls {
        case .fatal: g.health = .failed
        case .degrading: if g.health == .healthy { g.health = .degraded }
        case .application: break
        }
        world.hosts[h].gpus[gpu] = g
        world.touched.mark(h)
        world.scheduler.setGPU(host: h, gpu: gpu, healthy: g.health != .failed)
        let uuid = world.hosts[h].node.hardware.gpus[gpu].uuid
        record("node '\(world.hosts[h].name)': gpu\(gpu) \(uuid) Xid \(xid) (\(cls)); health \(g.health.rawValue)")
        guard cls == .fatal else { return }
        for i in g.holders where ha.procs[i].contains(h) {
            ha.procs.remove(i, from: h)
            if world.instances[i].instance.haPriority != .none {
                probe.began(i, at: kernel.now)
            }
            syncStatus(i)
            settleEnergy(of: i)
            world.instances[i].status = .error
            world.touchInstance(i)
            world.instances[i].instance.state = .error
            record("instance '\(world.instances[i].instance.name)': error (lost gpu\(gpu))")
        }
    }

    mutating func bmcCommand(_ h: Int, _ command: BMCCommand) {
        world.hosts[h].bmc.commandsReceived += 1
        let host = world.hosts[h]
        let unreachable = bmcDark(h)
        record("node '\(host.name)': BMC \(command.rawValue) requested")
        if unreachable {
            schedule(.bmcReply(host: h, command: command, outcome: .timeout), after: Self.bmcCommandTimeout)
            return
        }
        let latency = Variates.latencyNanoseconds(
            median: spec.settings.bmcMedian, p99Ratio: spec.settings.bmcP99Ratio, using: &kernel.rng)
        let outcome: BMCOutcome = host.bmc.mode == .error ? .error : .success
        schedule(.bmcReply(host: h, command: command, outcome: outcome), after: min(latency, Self.bmcCommandTimeout))
    }

    mutating func complete(_ work: DeferredWork) {
        switch work {
        case .bootComplete(let h, let epoch):
            guard world.hosts[h].power == .booting, world.hosts[h].powerEpoch == epoch else { return }
            settleEnergy(host: h)
            world.hosts[h].power = .on
            world.touched.mark(h)
            agentBooted(h)
            refreshMembership()
            record("node '\(world.hosts[h].name)': booted; agent started")
        case .bmcReply(let h, let command, let outcome):
            bmcReply(h, command, outcome)
        case .ha(let work):
            completeHA(work)
        case .process(let work):
            completeProcess(work)
        }
    }

    mutating func bmcReply(_ h: Int, _ command: BMCCommand, _ outcome: BMCOutcome) {
        let name = world.hosts[h].name
        guard outcome == .success else {
            record("node '\(name)': BMC \(command.rawValue) \(outcome.rawValue)")
            return
        }
        let acts = world.hosts[h].bmc.mode != .falseSuccess && world.hosts[h].bmc.mode != .lyingStatus
        switch command {
        case .powerOff:
            if acts { powerOff(h, reason: "powered off by BMC") }
            record("node '\(name)': BMC power_off success")
        case .powerOn:
            if acts { powerOn(h, reason: "powered on by BMC") }
            record("node '\(name)': BMC power_on success")
        case .powerStatus:
            let off = world.hosts[h].power == .off || world.hosts[h].bmc.mode == .lyingStatus
            record("node '\(name)': BMC power_status success: \(off ? "off" : "on")")
        }
    }

    mutating func heal(_ h: Int) {
        let cut = world.hosts[h].feed == .cut
        world.hosts[h].feed = .ok
        if cut { powerOn(h, reason: "power restored") }
        for k in NetworkKind.allCases { world.hosts[h].setNetwork(k, NetworkAttachment()) }
        world.hosts[h].bmc.mode = .healthy
        for g in world.hosts[h].gpus.indices where world.hosts[h].gpus[g].health != .healthy {
            world.hosts[h].gpus[g].health = .healthy
            world.touched.mark(h)
            world.scheduler.setGPU(host: h, gpu: g, healthy: true)
        }
        refreshMembership()
        record("node '\(world.hosts[h].name)': healed (networks, BMC, GPUs)")
    }
}

extension Simulation {
    /// Host `h`'s storage path went down (its VMs lose their disks: an incident begins) or came
    /// back (a VM that still runs there and is not blocklisted has its disks again).
    mutating func storagePathChanged(_ h: Int, up: Bool) {
        for v in guests(on: h) where world.instances[v].instance.haPriority != .none && ha.procs[v] == [h] {
            if !up {
                probe.began(v, at: kernel.now)
            } else if !ha.blocklisted[h] {
                probe.recovered(
                    v, name: world.instances[v].instance.name, tier: world.instances[v].instance.haPriority,
                    now: kernel.now)
            }
        }
    }
}
