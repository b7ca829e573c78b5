import CloudControl
import CloudDrivers
import CloudModel

extension ControlPlaneHost where Self: ~Copyable {
    /// Fence devices act once per command ID, like agents: a finished command is answered again,
    /// one in progress is ignored. True when the command is new (it is begun once its work is
    /// actually scheduled).
    package mutating func fenceCommandIsNew(_ c: HACommand) -> Bool {
        switch control.gate.check(c.id) {
        case .done(let answer):
            deliver(answer)
            return false
        case .running:
            return false
        case .new:
            return true
        }
    }

    /// The command's work is scheduled: accepted by the gate and counted as sent.
    package mutating func fenceBegin(_ c: HACommand, _ method: FenceMethod?) {
        control.gate.begin(c.id)
        if let method, let m = FenceMethod.allCases.firstIndex(of: method), let h = control.handles.host(c.host) {
            control.fenceTally[h][m].sent += 1
            control.fenceInFlight[c.id] = (h, m)
        }
    }

    /// A fence device finished command `id` with `answer`.
    package mutating func fenceWorkDone(_ id: UInt64, _ answer: HAInput) {
        if case .fenced(_, let outcome) = answer, let (h, m) = control.fenceInFlight.removeValue(forKey: id) {
            if case .verified = outcome {
                control.fenceTally[h][m].verified += 1
            } else {
                control.fenceTally[h][m].failed += 1
            }
        }
        control.powerFences[id] = nil
        control.gate.finish(id, answer)
        deliver(answer)
    }

    /// Work that was scheduled but could not finish (the device went away): a resend may try again.
    package mutating func fenceWorkAbandoned(_ id: UInt64) {
        if control.faults.acceptBeforeSchedule { return }
        control.fenceInFlight[id] = nil
        control.gate.abandon(id)
    }

    package mutating func fence(_ c: HACommand, _ method: FenceMethod) {
        guard let h = control.handles.host(c.host), fenceCommandIsNew(c) else { return }
        switch method {
        case .ipmi:
            fenceBegin(c, method)
            var procedure = PowerFenceProcedure(timing: control.powerFenceTiming)
            precondition(procedure.start() == .powerOff, "a power fence begins with a power-off")
            control.powerFences[c.id] = procedure
            bmcPowerOff(host: h, command: c.id)
        case .storage:
            guard isStorageAvailable else { return }  // not accepted: a resend tries again
            fenceBegin(c, method)
            blocklist(host: h, command: c.id)
        case .lease:
            fenceBegin(c, method)
            let expiry = LeaseFence.expiry(lastRenewal: control.hostLeases[h], config: control.config)
            scheduleLeaseCheck(host: h, command: c.id, afterNanoseconds: expiry.nanoseconds(since: now))
        case .manual:
            fenceBegin(c, method)  // an operator's fence_ack answers it
        case .pdu:
            fenceBegin(c, method)
            pduPowerCycle(host: h, command: c.id)
        }
    }

    /// The storm guard's power check: the BMC's status read, no power action. Proven only when
    /// it reads off; the host is left as found.
    package mutating func powerCheck(_ c: HACommand) {
        guard let h = control.handles.host(c.host), fenceCommandIsNew(c) else { return }
        fenceBegin(c, .ipmi)
        var procedure = PowerFenceProcedure(timing: control.powerFenceTiming, statusOnly: true)
        guard case .readStatus(let after) = procedure.start() else {
            preconditionFailure("a power check begins with a status read")
        }
        control.powerFences[c.id] = procedure
        bmcReadStatus(host: h, command: c.id, afterNanoseconds: after)
    }

    /// Removes a returning host's storage blocklist entry, accepted only once the storage cluster
    /// can act: while it is down a resend (same ID) tries again.
    package mutating func unfence(_ c: HACommand) {
        guard let h = control.handles.host(c.host), fenceCommandIsNew(c) else { return }
        if control.faults.acceptBeforeSchedule { control.gate.begin(c.id) }
        guard isStorageAvailable else { return }
        if !control.faults.acceptBeforeSchedule { control.gate.begin(c.id) }
        unblocklist(host: h, command: c.id)
    }

    /// The lease check of command `id` is due: proven once the host's recorded lease expired.
    package mutating func leaseCheckDue(host h: Int, command id: UInt64) {
        let outcome = LeaseFence.verdict(
            lastRenewal: control.hostLeases[h], now: self.now, config: control.config,
            describe: { describe(durationNanoseconds: $0) })
        if case .verified = outcome { fenceProven(h) }
        fenceWorkDone(id, .fenced(command: id, outcome: outcome))
    }

    /// Feeds a BMC reply to the command's power-fence procedure and carries out what it decides.
    package mutating func powerFenceReply(host h: Int, command id: UInt64, _ reply: BMCReply) {
        guard var procedure = control.powerFences[id], let action = procedure.reply(reply, now: self.now) else {
            return
        }
        control.powerFences[id] = procedure
        switch action {
        case .powerOff:
            preconditionFailure("a power fence powers off once")
        case .readStatus(let after):
            bmcReadStatus(host: h, command: id, afterNanoseconds: after)
        case .verifiedPowerOn(let outcome):
            fenceProven(h)
            fenceWorkDone(id, .fenced(command: id, outcome: outcome))
            bmcPowerOn(host: h)
        case .verifiedOff(let outcome):
            fenceProven(h)
            fenceWorkDone(id, .fenced(command: id, outcome: outcome))
        case .failed(let outcome, let statusReadOn):
            if statusReadOn {
                record("fence/ipmi: node '\(hostName(h))': BMC reported power_off success but status reads 'on'")
            }
            fenceWorkDone(id, .fenced(command: id, outcome: outcome))
        }
    }
}
