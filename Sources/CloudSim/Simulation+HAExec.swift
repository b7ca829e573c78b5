import CloudControl
import CloudModel
import CloudRuntime

/// The simulated hypervisor: QEMU processes that start, stop and migrate with latencies.
extension Simulation {
    /// The simulated hypervisor starts a guest: QEMU comes up after a start latency, or exits with
    /// an error when the scenario injected start failures.
    mutating func launch(_ vm: Int, on h: Int, command id: UInt64, power: UInt32) {
        if ha.startFailuresVM[vm] > 0 || ha.startFailuresHost[h] > 0 {
            if ha.startFailuresVM[vm] > 0 { ha.startFailuresVM[vm] -= 1 } else { ha.startFailuresHost[h] -= 1 }
            schedule(
                .ha(
                    .vmStartDone(
                        vm: vm, host: h, command: id, power: power, ok: false,
                        reason: "qemu exited with an error (injected)")), after: 2 * SimTime.second)
        } else {
            let t = Variates.latencyNanoseconds(
                median: spec.settings.vmStartMedian, p99Ratio: spec.settings.vmStartP99Ratio, using: &kernel.rng)
            schedule(.ha(.vmStartDone(vm: vm, host: h, command: id, power: power, ok: true, reason: "")), after: t)
        }
    }

    /// Pre-copy live migration: rounds copy what the guest dirtied during the previous round until
    /// the remainder fits the downtime target; a dirty rate at or above the link's bandwidth never
    /// converges (given up after 30 rounds).
    func preCopy(_ vm: Int) -> (UInt64, Bool, String) {
        let memory = Double(world.instances[vm].instance.memory)
        let bw = Double(spec.settings.migrationBandwidthMB)
        let dirty = Double(world.instances[vm].dirtyRateMB)
        let target = Double(spec.settings.migrationMaxDowntime) / 1e9
        var remaining = memory
        var seconds = 0.0
        for round in 1...30 {
            let tx = remaining / bw
            seconds += tx
            remaining = min(memory, dirty * tx)
            if remaining / bw <= target {
                let downtime = Int((remaining / bw * 1000).rounded())
                return (
                    UInt64(seconds * 1e9) + UInt64(downtime) * SimTime.millisecond, true,
                    "\(round) pre-copy round(s), downtime \(downtime)ms"
                )
            }
        }
        return (
            UInt64(seconds * 1e9), false,
            "did not converge: dirty rate \(Int(dirty)) MB/s vs link \(Int(bw)) MB/s"
        )
    }

    mutating func completeHA(_ work: HAWork) {
        switch work {
        case .vmStartDone(let vm, let h, let id, let power, let ok, let reason):
            guard world.hosts[h].powerEpoch == power, world.hosts[h].power == .on else { return }
            // QEMU cannot open the disks of a host without a storage path (or blocklisted)
            let disks = storageHeartbeatAlive(h)
            if ok && disks { spawn(vm, on: h) }
            agentFinished(
                h, id, .started(command: id, ok: ok && disks, reason: ok && !disks ? "disks unreachable" : reason))
        case .vmStopDone(let vm, let h, let id, let power):
            guard world.hosts[h].powerEpoch == power else { return }
            ha.procs.remove(vm, from: h)
            syncStatus(vm)
            agentFinished(h, id, .stopped(command: id))
        case .migrationDone(let vm, let from, let to, let id, let powers, let ok, let detail):
            migrationDone(vm, from, to, id, powers, ok, detail)
        case .plannedReboot(let h, _):
            powerOff(h, reason: "planned reboot", planned: true)
            powerOn(h, reason: "booting after planned reboot")
        case .ipmiOff, .pduOff, .ipmiReadback, .blocklistDone, .unfenceDone, .leaseCheck:
            completeFence(work)
        case .storeBack:
            ha.storeUp = true
            record("store: available again")
        case .storageBack:
            ha.storageUp = true
            record("storage: cluster available again")
        case .commandArrives(let c, let h):
            record("agent/\(world.hosts[h].name): delayed command \(c.id) (epoch \(c.epoch)) arrives")
            agentReceive(c, on: h)
        case .processBack(let h, let p):
            record("node '\(world.hosts[h].name)': \(p.rawValue) process running again")
            if p == .agent { refreshHeartbeat(h) }
        }
    }

    mutating func migrationDone(
        _ vm: Int, _ from: Int, _ to: Int, _ id: UInt64, _ powers: (UInt32, UInt32), _ ok: Bool, _ detail: String
    ) {
        let sourceUp = world.hosts[from].powerEpoch == powers.0 && world.hosts[from].power == .on
        let targetUp = world.hosts[to].powerEpoch == powers.1 && world.hosts[to].power == .on
        guard sourceUp else { return }  // the source died: migration aborted, nothing runs on the target
        guard ok, targetUp, ha.procs[vm].contains(from) else {
            let why = !ok ? detail : (targetUp ? "guest not running on the source" : "target host lost")
            agentFinished(from, id, .migrated(command: id, ok: false, detail: why))
            return
        }
        ha.procs.remove(vm, from: from)
        ha.portChassis[vm] = to
        spawn(vm, on: to)
        agentFinished(from, id, .migrated(command: id, ok: true, detail: detail))
    }

    /// A QEMU process of `vm` runs on `h` from now on.
    mutating func spawn(_ vm: Int, on h: Int) {
        ha.procs.add(vm, on: h)
        evidence.startAttempts[vm] = 0
        probe.recovered(
            vm, name: world.instances[vm].instance.name, tier: world.instances[vm].instance.haPriority, now: kernel.now)
        syncStatus(vm)
        checkSingleWriter(vm)
        checkAntiAffinity(vm, on: h)
    }
}
