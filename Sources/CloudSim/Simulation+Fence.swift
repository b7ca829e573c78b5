import CloudControl
import CloudModel

/// The simulated fence devices: a BMC per host (IPMI power fence), the storage cluster
/// (blocklist) and the lease checker. Each acts once per command ID through the CloudControl
/// `FenceGate`; the IPMI procedure and the lease verdict are CloudControl's, with the simulated
/// BMC and the store's lease records as their transports.
extension Simulation {
    /// Fence devices act once per command ID, like agents: a finished command is answered again,
    /// one in progress is ignored. True when the command is new (the caller begins it once its work
    /// is scheduled).
    mutating func deviceIsNew(_ c: HACommand) -> Bool {
        switch ha.gate.check(c.id) {
        case .done(let answer):
            reply(answer)
            return false
        case .running:
            return false
        case .new:
            return true
        }
    }

    /// The command's work is scheduled: accepted by the gate and counted as sent.
    mutating func deviceBegin(_ c: HACommand, _ method: FenceMethod) {
        ha.gate.begin(c.id)
        if let m = FenceMethod.allCases.firstIndex(of: method) {
            ha.fenceTally[c.host][m].sent += 1
            ha.fenceInFlight[c.id] = (c.host, m)
        }
    }

    mutating func deviceFinish(_ id: UInt64, _ answer: HAInput) {
        if case .fenced(_, let outcome) = answer, let (h, m) = ha.fenceInFlight.removeValue(forKey: id) {
            if case .verified = outcome { ha.fenceTally[h][m].verified += 1 } else { ha.fenceTally[h][m].failed += 1 }
        }
        ha.powerFences[id] = nil
        ha.gate.finish(id, answer)
        reply(answer)
    }

    /// Work that was scheduled but could not finish (the device went away): a resend may try again.
    mutating func deviceAbandon(_ id: UInt64) {
        ha.fenceInFlight[id] = nil
        ha.gate.abandon(id)
    }

    mutating func fenceDevice(_ c: HACommand, _ method: FenceMethod) {
        guard deviceIsNew(c) else { return }
        let h = c.host
        switch method {
        case .ipmi:
            deviceBegin(c, method)
            world.hosts[h].bmc.commandsReceived += 1
            var procedure = PowerFenceProcedure(timing: ha.powerFenceTiming)
            precondition(procedure.start() == .powerOff, "a power fence begins with a power-off")
            ha.powerFences[c.id] = procedure
            let bmc = world.hosts[h].bmc.mode
            if bmc == .timeout || (bmc == .sharedPower && world.hosts[h].power == .off) { return }  // no answer
            let latency = Variates.latencyNanoseconds(
                median: spec.settings.bmcMedian, p99Ratio: spec.settings.bmcP99Ratio, using: &kernel.rng)
            defer_(.ha(.ipmiOff(host: h, command: c.id)), after: latency)
        case .storage:
            guard ha.storageUp else { return }  // not accepted: a resend tries again
            deviceBegin(c, method)
            let t = Variates.latencyNanoseconds(median: spec.settings.blocklistMedian, p99Ratio: 2, using: &kernel.rng)
            defer_(.ha(.blocklistDone(host: h, command: c.id)), after: t)
        case .lease:
            deviceBegin(c, method)
            let expiry = LeaseFence.expiry(lastRenewal: ha.hostLeases[h], config: ha.config)
            defer_(.ha(.leaseCheck(host: h, command: c.id)), after: expiry > kernel.now ? expiry - kernel.now : 0)
        case .manual:
            deviceBegin(c, method)  // an operator's fence_ack answers it
        }
    }

    /// Completes the work of a fence device.
    mutating func completeFence(_ work: HAWork) {
        switch work {
        case .ipmiOff(let h, let id):
            // the simulated BMC answers the power-off; `false_success` reports success and does nothing
            let bmc = world.hosts[h].bmc.mode
            if bmc == .healthy || bmc == .sharedPower { powerOff(h, reason: "powered off by fence agent (IPMI)") }
            powerFenceReply(h, id, bmc == .error ? .error : .accepted)
        case .ipmiReadback(let h, let id):
            let bmc = world.hosts[h].bmc.mode
            if bmc == .timeout || (bmc == .sharedPower && world.hosts[h].power == .off) { return }  // no answer
            powerFenceReply(h, id, bmc == .error ? .error : (world.hosts[h].power == .off ? .statusOff : .statusOn))
        case .blocklistDone(let h, let id):
            guard ha.storageUp else { return deviceAbandon(id) }
            ha.blocklisted[h] = true
            ha.blocklistedAt[h] = kernel.now
            ha.osdEpoch += 1
            ha.proofAt[h] = kernel.now
            record("storage: node '\(world.hosts[h].name)' client blocklisted in osd map epoch \(ha.osdEpoch)")
            deviceFinish(id, .fenced(command: id, outcome: .verified(proof: "blocklisted in osd map epoch \(ha.osdEpoch)")))
        case .unfenceDone(let h, let id):
            guard ha.storageUp else { return spec.settings.unsafeAcceptBeforeSchedule ? () : deviceAbandon(id) }
            checkUnfence(h)
            ha.blocklisted[h] = false
            ha.blocklistedAt[h] = nil
            ha.osdEpoch += 1
            record("storage: node '\(world.hosts[h].name)' blocklist entry removed (osd map epoch \(ha.osdEpoch))")
            deviceFinish(id, .storageUnfenced(command: id))
        case .leaseCheck(let h, let id):
            let outcome = LeaseFence.verdict(
                lastRenewal: ha.hostLeases[h], now: kernel.now, config: ha.config, describe: SimTime.format)
            if case .verified = outcome { ha.proofAt[h] = kernel.now }
            deviceFinish(id, .fenced(command: id, outcome: outcome))
        default:
            preconditionFailure("not a fence device's work")
        }
    }

    /// Feeds a BMC reply to the command's power-fence procedure and carries out what it decides.
    mutating func powerFenceReply(_ h: Int, _ id: UInt64, _ reply: BMCReply) {
        guard var procedure = ha.powerFences[id], let action = procedure.reply(reply, now: kernel.now) else { return }
        ha.powerFences[id] = procedure
        switch action {
        case .powerOff:
            preconditionFailure("a power fence powers off once")
        case .readStatus(let after):
            defer_(.ha(.ipmiReadback(host: h, command: id)), after: after)
        case .verifiedPowerOn(let outcome):
            ha.proofAt[h] = kernel.now
            deviceFinish(id, .fenced(command: id, outcome: outcome))
            powerOn(h, reason: "powered on by fence agent (onoff)")
        case .failed(let outcome, let statusReadOn):
            if statusReadOn {
                record("fence/ipmi: node '\(world.hosts[h].name)': BMC reported power_off success but status reads 'on'")
            }
            deviceFinish(id, .fenced(command: id, outcome: outcome))
        }
    }
}
