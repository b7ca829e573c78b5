import CloudControl
import CloudModel
import CloudScheduler

/// What k simultaneous losses leave: for one k, the worst over the loss orders tried.
public struct NPlusKStep: Sendable, Equatable {
    public var k: Int
    /// The lost units (host or rack names) of the worst order.
    public var lost: [String]
    /// Protected VMs that found no host.
    public var unplaced: Int
    /// The first of them, with the scheduler's reason.
    public var firstUnplaced: UnrestoredVM?
    /// Free vCPUs and GPUs left on the remaining hosts, as a share of the fleet's (0…1).
    public var vcpuHeadroom: Double
    public var gpuHeadroom: Double
}

/// The answer: the smallest k at which some protected VM can no longer be restarted.
public struct NPlusKAnswer: Sendable {
    public var over: NPlusKUnit
    public var tiers: [HAPriority]
    /// Nil: every protected VM was restarted up to `maxK`.
    public var smallestK: Int?
    public var steps: [NPlusKStep]
    public var maxK: Int
}

/// What is lost at once: hosts or whole racks.
public enum NPlusKUnit: String, Sendable, CaseIterable {
    case hosts, racks
}

extension Planner {
    /// Loses units one after another (cumulatively: a VM restarted on a unit lost later moves
    /// again) in several adversarial orders: most protected GPUs first, most protected vCPUs,
    /// most protected memory, and declaration order; each protected VM of a lost unit is placed
    /// again through the scheduler (higher tiers first, never on a lost host). Step k reports the
    /// worst order. Stops at the first k where a protected VM finds no host, or at `maxK`.
    public static func nPlusK(
        _ spec: ScenarioSpec, seed: UInt64, over: NPlusKUnit, tiers: [HAPriority], maxK: Int
    ) throws(SimulationError) -> NPlusKAnswer {
        var s = spec
        s.processes = ProcessSpec()
        s.timeline = []
        let sim = try Simulation(spec: s, seed: seed, checkers: false)
        let base = sim.world
        let racks = sim.racks
        var units: [[Int]] = []
        if over == .hosts {
            units = base.hosts.indices.map { [$0] }
        } else {
            for r in racks { units.append(base.hosts.indices.filter { base.hosts[$0].node.rack == r }) }
        }
        let names = over == .hosts ? base.hosts.map(\.name) : racks
        let orders = lossOrders(base, units: units, tiers: tiers)
        var walks = orders.map { _ in base }
        var lostSoFar = orders.map { _ in [Int]() }
        var steps: [NPlusKStep] = []
        var smallest: Int?
        for k in 1...max(1, min(maxK, units.count)) {
            var worst: NPlusKStep?
            for o in orders.indices {
                let u = orders[o][k - 1]
                lostSoFar[o].append(u)
                let failed = loseUnit(&walks[o], units[u], allLost: lostSoFar[o].flatMap { units[$0] }, tiers: tiers)
                let (cpu, gpu) = shareLeft(walks[o])
                let step = NPlusKStep(
                    k: k, lost: lostSoFar[o].map { names[$0] }, unplaced: failed.count, firstUnplaced: failed.first,
                    vcpuHeadroom: cpu, gpuHeadroom: gpu)
                // the order leaving the most protected VMs unplaced is the worst; ties: least headroom
                if let w = worst, (w.unplaced, -w.vcpuHeadroom - w.gpuHeadroom) >= (step.unplaced, -cpu - gpu) {
                    continue
                }
                worst = step
            }
            guard let w = worst else { break }
            steps.append(w)
            if w.unplaced > 0 {
                smallest = k
                break
            }
        }
        return NPlusKAnswer(over: over, tiers: tiers, smallestK: smallest, steps: steps, maxK: maxK)
    }

    /// Unit orders, worst first by protected GPUs, vCPUs and memory, then declaration order.
    static func lossOrders(_ w: SimWorld, units: [[Int]], tiers: [HAPriority]) -> [[Int]] {
        func load(_ u: [Int]) -> (gpus: Int, vcpus: Int, memory: Int) {
            var l = (gpus: 0, vcpus: 0, memory: 0)
            for h in u {
                for v in w.hostInstances[h] where tiers.contains(w.instances[v].instance.haPriority) {
                    let r = w.instances[v].request
                    l.gpus += r.gpu?.count ?? 0
                    l.vcpus += r.vcpus
                    l.memory += r.memoryMB
                }
            }
            return l
        }
        let loads = units.map(load)
        let idx = Array(units.indices)
        return [
            idx.sorted { (loads[$0].gpus, loads[$0].vcpus, -$0) > (loads[$1].gpus, loads[$1].vcpus, -$1) },
            idx.sorted { (loads[$0].vcpus, loads[$0].memory, -$0) > (loads[$1].vcpus, loads[$1].memory, -$1) },
            idx.sorted { (loads[$0].memory, loads[$0].vcpus, -$0) > (loads[$1].memory, loads[$1].vcpus, -$1) },
            idx,
        ]
    }

    /// Takes `unit`'s hosts out and places their protected VMs elsewhere; returns those that
    /// found no host.
    static func loseUnit(_ w: inout SimWorld, _ unit: [Int], allLost: [Int], tiers: [HAPriority]) -> [UnrestoredVM] {
        var displaced: [Int] = []
        for h in unit {
            w.setSchedulable(h, false)
            for v in w.hostInstances[h] {
                if tiers.contains(w.instances[v].instance.haPriority) { displaced.append(v) }
            }
            for v in w.hostInstances[h] { w.release(v) }
        }
        let rank = { (p: HAPriority) in HAPriority.allCases.firstIndex(of: p) ?? 0 }
        displaced.sort {
            (rank(w.instances[$0].instance.haPriority), $0) < (rank(w.instances[$1].instance.haPriority), $1)
        }
        var failed: [UnrestoredVM] = []
        for v in displaced {
            switch w.claimFor(v, target: nil, excluding: allLost) {
            case .success(let (id, claim)): w.attach(v, id, claim)
            case .failure(let f):
                let inst = w.instances[v].instance
                failed.append(
                    UnrestoredVM(name: inst.name, tier: inst.haPriority, reason: f.reason, blocker: .of(f.reason)))
            }
        }
        return failed
    }

    /// Free vCPUs and GPUs on schedulable hosts, as shares of the fleet's capacity.
    static func shareLeft(_ w: SimWorld) -> (Double, Double) {
        var free = (cpu: 0, gpu: 0)
        var cap = (cpu: 0, gpu: 0)
        for h in w.hosts.indices {
            let r = w.scheduler.headroom(h)
            free.cpu += r.vcpus
            free.gpu += r.freeGPUs
            cap.cpu += r.vcpuCapacity
            cap.gpu += r.gpus
        }
        return (Double(free.cpu) / Double(max(1, cap.cpu)), Double(free.gpu) / Double(max(1, cap.gpu)))
    }
}
