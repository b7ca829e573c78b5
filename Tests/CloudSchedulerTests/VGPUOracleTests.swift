import CloudModel
import CloudSim
import Testing

@testable import CloudScheduler

/// A brute-force oracle for vGPU and SR-IOV VF limits, kept apart from the scheduler's state:
/// per GPU it tracks what was placed there and knows NVIDIA's rules (one vGPU per VF, the type's
/// equal-size maximum, the mixed-size maximum, one type per GPU in equal-size mode, VFs bounded
/// by the most vGPUs a type fits). Every placement must be allowed by it, and every rejection
/// must be one it agrees with.
struct VGPUOracleGPU {
    let nominalGB: Int
    let types: [String]
    let mixedCapable: Bool
    let totalVFs: Int
    /// (type, count) placed, or ("sriov", VFs).
    var held: [(String, Int)] = []

    static func gb(_ type: String) -> Int {
        let tail = type.split(separator: "-").last ?? ""
        return Int(tail.dropLast()) ?? 0
    }

    /// vGPUs of any time-sliced type the board fits at most (the usable VF count).
    var vfLimit: Int {
        let most = types.filter { $0.split(separator: "-").count == 2 }.map { nominalGB / Self.gb($0) }.max() ?? 0
        return most > 0 ? min(totalVFs, most) : totalVFs
    }

    func canTake(_ type: String, mixed: Bool) -> Bool {
        if type == "sriov" {
            return held.isEmpty || (held.count == 1 && held[0].0 == "sriov" && held[0].1 < vfLimit)
        }
        guard types.contains(type), !held.contains(where: { $0.0 == "sriov" }) else { return false }
        let size = Self.gb(type)
        let equal = nominalGB / size
        if mixed && mixedCapable {
            var pow2 = 1
            while pow2 * 2 <= equal { pow2 *= 2 }
            let used = held.reduce(0) { $0 + Self.gb($1.0) * $1.1 }
            let mine = held.first { $0.0 == type }?.1 ?? 0
            return used + size <= nominalGB && mine < pow2
        }
        if held.isEmpty { return true }
        return held.count == 1 && held[0].0 == type && held[0].1 < equal
    }

    mutating func add(_ type: String, _ n: Int) {
        if let i = held.firstIndex(where: { $0.0 == type }) { held[i].1 += n } else { held.append((type, n)) }
    }

    mutating func remove(_ type: String, _ n: Int) {
        guard let i = held.firstIndex(where: { $0.0 == type }) else { return }
        held[i].1 -= n
        if held[i].1 <= 0 { held.remove(at: i) }
    }
}

@Suite struct VGPUOracleTests {
    static let types = [
        "L40S-4C", "L40S-8C", "L40S-12C", "L40S-24Q", "L40S-48C", "H100XM-4C", "H100XM-20C", "A100D-10C",
    ]

    @Test func vgpuAndVFLimitsAgreeWithTheBruteForceOracle() {
        var rng = SplitMix64(seed: 0xF00D)
        var decisions = 0
        for _ in 0..<60 { decisions += runFleet(&rng) }
        #expect(decisions == 60 * 80)
        print("vGPU oracle: \(decisions) decisions agreed")
    }

    func runFleet(_ rng: inout SplitMix64) -> Int {
        let mixed = rng.next() % 2 == 0
        let templates: [HardwareTemplate] = [.l40s4, .h100SXM8, .a100PCIe8]
        var words = Words(state: rng.next())
        var hosts: [HostState] = []
        var gpus: [[VGPUOracleGPU]] = []
        for n in 0..<(1 + Int(rng.next() % 3)) {
            let t = templates[Int(rng.next() % 3)]
            let hw = t.instantiate(hostIndex: n, entropy: &words)
            hosts.append(HostState(name: "\(t.name)-\(n)", cluster: 0, hardware: hw))
            gpus.append(
                hw.gpus.map {
                    VGPUOracleGPU(
                        nominalGB: nominalGigabytes(ofModel: $0.model) ?? 0, types: $0.capabilities.vgpuTypes,
                        mixedCapable: $0.capabilities.vgpuMixedSizes, totalVFs: $0.capabilities.sriovVFs)
                })
        }
        var s = Scheduler(hosts: hosts, policies: [ClusterPolicy(name: "c0", zone: "z0", vgpuMixed: mixed)])
        var live: [(ClaimID, Claim, String)] = []
        var checked = 0
        while checked < 80 {
            if !live.isEmpty && rng.next() % 10 < 3 {
                let (id, claim, type) = live.remove(at: Int(rng.next() % UInt64(live.count)))
                #expect(throws: Never.self) { try s.release(id) }
                for a in claim.gpus { gpus[claim.host][a.gpu].remove(type, Self.count(a)) }
                continue
            }
            let sriov = rng.next() % 4 == 0
            let type = sriov ? "sriov" : Self.types[Int(rng.next() % UInt64(Self.types.count))]
            let r = ResourceRequest(
                vcpus: 1, memoryMB: 1024,
                gpu: sriov ? GPURequest(mode: .sriov) : GPURequest(mode: .vgpu, profile: type))
            let feasible = gpus.indices.contains { h in gpus[h].contains { $0.canTake(type, mixed: mixed) } }
            let (d, id) = s.place(r)
            checked += 1
            guard let p = d.placement, let id else {
                #expect(
                    !feasible,
                    "\(type) rejected (mixed \(mixed)) though a GPU can take it: \(d.rejection?.description ?? "")")
                continue
            }
            for a in p.claim.gpus {
                #expect(
                    gpus[p.claim.host][a.gpu].canTake(type, mixed: mixed),
                    "\(type) placed on \(p.hostName) gpu\(a.gpu) holding \(gpus[p.claim.host][a.gpu].held)")
                gpus[p.claim.host][a.gpu].add(type, Self.count(a))
            }
            live.append((id, p.claim, type))
        }
        #expect(s.accountingViolation() == nil)
        return checked
    }

    static func count(_ a: GPUAllocation) -> Int {
        switch a {
        case .vfs(_, let n), .vgpu(_, _, let n), .vgpuMixed(_, _, let n, _): n
        default: 1
        }
    }
}
