import CloudControl
import CloudModel
import CloudScheduler

extension Simulation {
    /// How long a deletion that HA refuses (it is acting on the instance) waits before it retries.
    static let retireRetry: UInt64 = 30 * SimTime.second

    /// Arrival process `i` creates one instance of its group, places and starts it, and schedules
    /// the end of its lifetime.
    mutating func arrive(_ i: Int) {
        let a = spec.processes.arrivals[i]
        let g = spec.workload[procs.arrivalGroup[i]]
        procs.stats.arrivals += 1
        procs.created[i] += 1
        let f = g.flavor
        var ids = IDGenerator(source: procs.arrivalIDs[i])
        let id = ids.next(.instance)
        procs.arrivalIDs[i] = ids.source
        let inst = Instance(
            id: id, name: g.name + "-a\(procs.created[i])",
            cpu: CPUShape(cores: f.vcpus), memory: f.memoryMB,
            creation: Timestamp(nanoseconds: Int64(clamping: kernel.now)), organizationID: procs.arrivalOrg[i],
            flavor: f.name, haPriority: g.haPriority, gpuCount: f.gpus)
        switch admit(inst, request: g.request, onlyHost: nil, origin: "workload") {
        case .failure(let e):
            procs.stats.rejected += 1
            record("workload: instance '\(inst.name)' not placed: \(e)")
        case .success:
            if case .failure(let e) = startAdmitted(inst.id) {
                record("workload: instance '\(inst.name)' not started: \(e)")
            }
        }
        if let v = world.instance(VMID(inst.id)), let life = a.lifetime {
            schedule(.process(.retire(vm: v)), after: life.draw(using: &procs.arrivalStreams[i]))
        }
    }

    /// Instance `v`'s lifetime ended: it is deleted (retried later while HA acts on it).
    mutating func retire(_ v: Int) {
        let id = world.instances[v].instance.id
        guard world.instances[v].instance.state != .destroying else { return }
        switch destroyAdmitted(id, origin: "workload", reason: "lifetime ended") {
        case .success: procs.stats.deletions += 1
        case .failure: schedule(.process(.retire(vm: v)), after: Self.retireRetry)
        }
    }

    /// Failure process `j` fails one of its units at random (nothing when that unit is already
    /// down: thinning keeps each working unit's rate at 1/MTBF) and schedules its repair.
    mutating func fail(_ j: Int) {
        let f = spec.processes.failures[j]
        let n = procs.units[j].count
        let u = Int(procs.failureStreams[j].below(UInt64(n)))
        guard !procs.failed[j][u] else { return }
        let unit = procs.units[j][u]
        let repair = UInt64(
            min(1e18, max(1, Variates.exponential(mean: Double(f.repair), using: &procs.failureStreams[j]))))
        procs.stats.failures[j] += 1
        let lasting: Bool
        if case .gpu(let xid) = f.component { lasting = XidClass.of(xid) != .application } else { lasting = true }
        record(
            "failures: \(f.component.name) \(unit.name) failed"
                + (lasting ? " (repair in \(SimTime.format(repair)))" : ""))
        let names = unit.hosts.map { world.hosts[$0].name }
        switch f.component {
        case .host, .rackPower: apply(.powerCut(hosts: names))
        case .link(let k): apply(.networkCut(host: names[0], network: k))
        case .bmc: apply(.bmcFault(host: names[0], mode: .timeout))
        case .gpu(let xid): gpuFault(unit.hosts[0], gpu: unit.gpu ?? 0, xid: xid)
        }
        if lasting {
            procs.failed[j][u] = true
            schedule(.process(.repair(process: j, unit: u)), after: repair)
        }
    }

    /// A failed unit is back: power restored, link up, BMC answering, GPU replaced.
    mutating func repair(_ j: Int, unit u: Int) {
        let f = spec.processes.failures[j]
        let unit = procs.units[j][u]
        procs.failed[j][u] = false
        procs.stats.repairs[j] += 1
        record("failures: \(f.component.name) \(unit.name) repaired")
        let names = unit.hosts.map { world.hosts[$0].name }
        switch f.component {
        case .host, .rackPower: apply(.powerOn(hosts: names))
        case .link(let k): apply(.networkRestore(host: names[0], network: k))
        case .bmc: apply(.bmcFault(host: names[0], mode: .healthy))
        case .gpu:
            let h = unit.hosts[0]
            let g = unit.gpu ?? 0
            world.hosts[h].gpus[g].health = .healthy
            world.touched.mark(h)
            world.scheduler.setGPU(host: h, gpu: g, healthy: true)
        }
    }

    mutating func completeProcess(_ work: ProcessWork) {
        switch work {
        case .retire(let v): retire(v)
        case .repair(let j, let u): repair(j, unit: u)
        }
    }
}
