import CloudControl
import CloudModel
import CloudScheduler

/// One unit a failure process can fail: a host, a rack (its hosts), or one GPU of a host.
struct FailureUnit: Sendable {
    var hosts: [Int]
    var gpu: Int?
    var name: String
}

/// What the scenario's random processes did in a run.
public struct ProcessStats: Sendable, Equatable {
    /// Instances created by arrival processes, placed or not.
    public var arrivals = 0
    /// Arrivals the scheduler could not place.
    public var rejected = 0
    /// Instances deleted at the end of their lifetime (initial ones included).
    public var deletions = 0
    /// Failures per failure process, in scenario order.
    public var failures: [Int] = []
    /// Repairs per failure process.
    public var repairs: [Int] = []
    /// Failure process labels, in scenario order.
    public var labels: [String] = []
}

/// The random processes' state: one stream per process, the units each failure process covers.
struct SimProcesses: Sendable {
    var arrivalStreams: [Xoshiro256StarStar] = []
    /// Entropy for the IDs of each arrival process's instances.
    var arrivalIDs: [Xoshiro256StarStar] = []
    /// The workload group of each arrival process and the organization of its tenant.
    var arrivalGroup: [Int] = []
    var arrivalOrg: [ResourceID] = []
    /// Instances each arrival process created (their names count per process).
    var created: [Int] = []
    var failureStreams: [Xoshiro256StarStar] = []
    var units: [[FailureUnit]] = []
    var failed: [[Bool]] = []
    var stats = ProcessStats()

    /// A stream for process `label` of a run with `seed`: independent of every other process.
    static func stream(seed: UInt64, label: String) -> Xoshiro256StarStar {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in label.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return Xoshiro256StarStar(seed: seed ^ h ^ 0x5EED_0F_9A0C_E55E5)
    }
}

/// Work of the random processes scheduled for later.
enum ProcessWork: Sendable {
    /// An instance's lifetime ends.
    case retire(vm: Int)
    /// A failed unit is repaired.
    case repair(process: Int, unit: Int)
}

extension Simulation {
    /// Sets up the processes' streams and units, schedules their first events and the initial
    /// instances' lifetimes.
    mutating func startProcesses() {
        let p = spec.processes
        guard !p.isEmpty else { return }
        var state = SimProcesses()
        var offsets: [Int] = []
        var total = 0
        for w in spec.workload {
            offsets.append(total)
            total += w.count
        }
        for a in p.arrivals {
            guard let g = spec.workload.firstIndex(where: { $0.name == a.workload }) else {
                preconditionFailure("arrival process for unknown workload '\(a.workload)' (the parser checks this)")
            }
            var s = SimProcesses.stream(seed: seed, label: "arrival/" + a.workload)
            state.arrivalIDs.append(s.split())
            state.arrivalStreams.append(s)
            state.arrivalGroup.append(g)
            let tenant = spec.workload[g].tenant
            state.arrivalOrg.append(
                world.organizations.first(where: { $0.name == tenant })?.id ?? world.organizations[0].id)
        }
        for f in p.failures {
            state.failureStreams.append(SimProcesses.stream(seed: seed, label: "failure/" + f.label))
            let u = failureUnits(f)
            state.units.append(u)
            state.failed.append(Array(repeating: false, count: u.count))
            state.stats.labels.append(f.label)
        }
        state.created = Array(repeating: 0, count: p.arrivals.count)
        state.stats.failures = Array(repeating: 0, count: p.failures.count)
        state.stats.repairs = state.stats.failures
        procs = state
        for i in p.arrivals.indices {
            let a = p.arrivals[i]
            if let life = a.lifetime {
                let g = procs.arrivalGroup[i]
                for v in offsets[g]..<(offsets[g] + spec.workload[g].count) {
                    schedule(.process(.retire(vm: v)), after: life.draw(using: &procs.arrivalStreams[i]))
                }
            }
            scheduleArrival(i)
        }
        for j in p.failures.indices { scheduleFailure(j) }
    }

    /// The units failure process `f` covers, in host order.
    func failureUnits(_ f: FailureProcess) -> [FailureUnit] {
        let hosts = world.hosts.indices.filter { h in
            f.cluster.map { world.clusters[world.hosts[h].cluster].name == $0 } ?? true
        }
        switch f.component {
        case .host, .link, .bmc:
            return hosts.map { FailureUnit(hosts: [$0], gpu: nil, name: world.hosts[$0].name) }
        case .rackPower:
            var racks: [String] = []
            var members: [[Int]] = []
            for h in hosts {
                let r = world.hosts[h].node.rack ?? ""
                if let i = racks.firstIndex(of: r) {
                    members[i].append(h)
                } else {
                    racks.append(r)
                    members.append([h])
                }
            }
            return zip(racks, members).map { FailureUnit(hosts: $1, gpu: nil, name: "rack " + $0) }
        case .gpu:
            return hosts.flatMap { h in
                world.hosts[h].gpus.indices.map {
                    FailureUnit(hosts: [h], gpu: $0, name: world.hosts[h].name + "/gpu\($0)")
                }
            }
        }
    }

    /// Schedules arrival process `i`'s next arrival (thinning of a Poisson process with the
    /// daily profile's peak rate).
    mutating func scheduleArrival(_ i: Int) {
        let a = spec.processes.arrivals[i]
        guard a.peakRate > 0 else { return }
        var t = kernel.now
        while true {
            let gap = Variates.exponential(mean: 1 / a.peakRate, using: &procs.arrivalStreams[i])
            guard gap < 1e18, t < UInt64.max - UInt64(gap) - 1 else { return }
            t += max(1, UInt64(gap))
            guard t < spec.duration else { return }
            if a.diurnal == 0 || procs.arrivalStreams[i].unitInterval() * a.peakRate < a.rate(at: t) { break }
        }
        kernel.schedule(at: t, kind: SimEventKind.process.rawValue, arg: UInt32(i))
    }

    /// Schedules failure process `j`'s next failure among all its units.
    mutating func scheduleFailure(_ j: Int) {
        let f = spec.processes.failures[j]
        let n = procs.units[j].count
        guard n > 0 else { return }
        let gap = Variates.exponential(mean: Double(f.mtbf) / Double(n), using: &procs.failureStreams[j])
        guard gap < 1e18 else { return }
        let t = kernel.now + max(1, UInt64(gap))
        guard t < spec.duration else { return }
        kernel.schedule(
            at: t, kind: SimEventKind.process.rawValue, arg: UInt32(spec.processes.arrivals.count + j))
    }

    /// A process event: an arrival or a failure.
    mutating func processEvent(_ index: Int) {
        let arrivals = spec.processes.arrivals.count
        if index < arrivals {
            arrive(index)
            scheduleArrival(index)
        } else {
            fail(index - arrivals)
            scheduleFailure(index - arrivals)
        }
    }
}
