import CloudModel
import CloudSim
import Testing

@testable import CloudScheduler

/// A brute-force oracle for multi-GPU passthrough, built from the hardware description alone
/// (Fabric Manager partitions by module ID, the link matrix, the GPUs' NUMA nodes): every subset
/// of the free GPUs is tried, and the scheduler's answer must be feasible exactly when the
/// oracle's is, valid, and as good as the oracle's best on the chosen host.
struct PassthroughOracle {
    let hardware: HostTopology
    let model: NVSwitchModel

    /// The sets a VM can use with NVLink among all its GPUs, as GPU-index masks.
    var nvlinkSets: [Int] {
        let n = hardware.gpus.count
        if let fabric = hardware.nvswitchFabric {
            return fabric.partitions(model).map { modules in
                modules.reduce(0) { acc, m in
                    acc | (1 << (hardware.gpus.firstIndex { ($0.moduleID ?? $0.index + 1) == m } ?? 0))
                }
            }
        }
        return (1..<(1 << n)).filter { s in
            s.nonzeroBitCount >= 2
                && (0..<n).allSatisfy { i in
                    s & (1 << i) == 0
                        || (0..<n).allSatisfy { j in j == i || s & (1 << j) == 0 || hardware.gpuLinks[i][j].isNVLink }
                }
        }
    }

    func valid(_ s: Int, _ k: Int, _ rule: NVLinkRequirement, _ sets: [Int]) -> Bool {
        guard s.nonzeroBitCount == k else { return false }
        if k >= 2 && hardware.nvswitchFabric != nil && model == .fullPassthrough && !sets.contains(s) { return false }
        if k >= 2 && rule == .required && !sets.contains(s) { return false }
        return true
    }

    func bandwidth(_ s: Int, _ sets: [Int]) -> Int {
        let n = hardware.gpus.count
        var bw = Int.max
        for i in 0..<n where s & (1 << i) != 0 {
            for j in 0..<n where j > i && s & (1 << j) != 0 {
                let link = hardware.gpuLinks[i][j]
                let b: Int
                if hardware.nvswitchFabric != nil && !sets.contains(s) {
                    b = hardware.gpus[i].numaNode == hardware.gpus[j].numaNode ? 24 : 16
                } else {
                    b = link.bandwidthGBps
                }
                bw = min(bw, b)
            }
        }
        return bw == .max ? 0 : bw
    }

    func room(_ m: Int, _ sets: [Int]) -> Int {
        sets.filter { m & $0 == $0 }.reduce(0) { $0 + $1.nonzeroBitCount * $1.nonzeroBitCount }
    }

    func objective(_ free: Int, _ s: Int, _ rule: NVLinkRequirement, _ sets: [Int]) -> [Int] {
        let nv = sets.contains(s) ? 1 : 0
        return [rule == .none ? 0 : nv, rule == .none ? 0 : bandwidth(s, sets), room(free & ~s, sets)]
    }

    /// The best objective over every valid choice, or nil when none is valid.
    func best(free: Int, k: Int, rule: NVLinkRequirement) -> [Int]? {
        let sets = nvlinkSets
        var best: [Int]?
        for s in 1..<(1 << hardware.gpus.count) where s & free == s && valid(s, k, rule, sets) {
            let o = objective(free, s, rule, sets)
            if best.map({ o.lexicographicallyPrecedes($0) }) != true, best != o { best = o }
        }
        return best
    }

    /// An NVSwitch board with every GPU free.
    func wholeFreeBoard(_ free: Int) -> Bool {
        hardware.nvswitchFabric != nil && free == (1 << hardware.gpus.count) - 1
    }

    func canGiveNVLink(free: Int, k: Int) -> Bool {
        k >= 2 && nvlinkSets.contains { $0 & free == $0 && $0.nonzeroBitCount == k }
    }
}

@Suite struct FabricOracleTests {
    static let kinds: [(HardwareTemplate, NVSwitchModel)] = [
        (.h100SXM8, .shared), (.h100SXM8, .fullPassthrough), (.a100SXM8, .shared), (.a100PCIe8, .shared),
        (.l40s4, .shared),
    ]

    @Test func schedulerAgreesWithTheBruteForceOracle() {
        var rng = SplitMix64(seed: 0x5EED)
        var decisions = 0
        for _ in 0..<160 {
            decisions += runFleet(&rng)
        }
        // 160 fleets × 50 requests, each one checked
        #expect(decisions == 160 * 50)
        print("fabric oracle: \(decisions) decisions agreed")
    }

    func runFleet(_ rng: inout SplitMix64) -> Int {
        var words = Words(state: rng.next())
        var hosts: [HostState] = []
        var oracles: [PassthroughOracle] = []
        for n in 0..<(2 + Int(rng.next() % 5)) {
            let (template, model) = Self.kinds[Int(rng.next() % UInt64(Self.kinds.count))]
            let hw = template.instantiate(hostIndex: n, entropy: &words)
            hosts.append(HostState(name: "\(template.name)-\(n)", cluster: model == .shared ? 0 : 1, hardware: hw))
            oracles.append(PassthroughOracle(hardware: hw, model: model))
        }
        var policies = [
            ClusterPolicy(name: "c0", zone: "z0"),
            ClusterPolicy(name: "c1", zone: "z0", nvswitchModel: .fullPassthrough),
        ]
        let mode = ClusterPolicy.GangPlacement.allCases[Int(rng.next() % 2)]
        for i in policies.indices { policies[i].gangPlacement = mode }
        var s = Scheduler(hosts: hosts, policies: policies, maxCandidates: rng.next() % 2 == 0 ? 0 : 8)
        var live: [ClaimID] = []
        var checked = 0
        while checked < 50 {
            if !live.isEmpty && rng.next() % 10 < 3 {
                #expect(throws: Never.self) { try s.release(live.remove(at: Int(rng.next() % UInt64(live.count)))) }
                continue
            }
            let k = 1 + Int(rng.next() % 8)
            let rule = NVLinkRequirement.allCases[Int(rng.next() % 3)]
            let r = passthrough(k, nvlink: rule)
            let frees = s.hosts.map { Int($0.freeGPUMask) }
            let bests = oracles.indices.map { oracles[$0].best(free: frees[$0], k: k, rule: rule) }
            let (d, id) = s.place(r)
            checked += 1
            guard let p = d.placement, let id else {
                #expect(bests.allSatisfy { $0 == nil }, "rejected \(k) GPUs \(rule) though the oracle finds a set")
                continue
            }
            live.append(id)
            let h = p.claim.host
            let chosen = Int(Scheduler.mask(of: p.claim.gpus))
            let o = oracles[h]
            let sets = o.nvlinkSets
            #expect(o.valid(chosen, k, rule, sets), "\(p.hostName): \(p.claim.gpus) invalid for \(k) \(rule)")
            #expect(
                o.objective(frees[h], chosen, rule, sets) == bests[h],
                "\(p.hostName) free \(String(frees[h], radix: 2)): \(p.claim.gpus) not the best for \(k) \(rule)")
            // partition_first: NVLink whenever some host can give it; keep_boards_whole: whenever
            // some host can without halving a whole free NVSwitch board
            let could = oracles.indices.contains { i in
                oracles[i].canGiveNVLink(free: frees[i], k: k)
                    && (mode == .partitionFirst || !oracles[i].wholeFreeBoard(frees[i])
                        || k == oracles[i].hardware.gpus.count)
            }
            if rule != .none && k >= 2 && could {
                #expect(
                    sets.contains(chosen), "\(mode) \(k) \(rule): \(p.hostName) gave no NVLink set though a host could")
            }
        }
        #expect(s.accountingViolation() == nil)
        return checked
    }
}
