import CloudModel
import CloudSim
import Testing

@testable import CloudScheduler

/// A deterministic request mix covering every mode, NUMA policy, hugepages and group rules.
struct RequestMix {
    var state: UInt64

    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state >> 33
    }

    mutating func request() -> ResourceRequest {
        let numa: NUMAAffinity = [.none, .prefer, .require][Int(next() % 3)]
        switch next() % 10 {
        case 0: return ResourceRequest(vcpus: 1 + Int(next() % 32), cpuPolicy: .dedicated, memoryMB: 4096, numa: numa)
        case 1:
            return ResourceRequest(vcpus: 4, memoryMB: 8192, hugepages: next() % 2 == 0 ? .size1G : .size2M, numa: numa)
        case 2: return mig(["1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"][Int(next() % 6)])
        case 3:
            let t = ["A100D-10C", "A100D-20C", "H100XM-40C", "L40S-12Q", "L40S-24Q"][Int(next() % 5)]
            return ResourceRequest(
                vcpus: 4, memoryMB: 8192, gpu: GPURequest(mode: .vgpu, profile: t, count: 1 + Int(next() % 2)))
        case 4:
            return ResourceRequest(vcpus: 2, memoryMB: 4096, gpu: GPURequest(mode: .sriov, count: 1 + Int(next() % 8)))
        case 5:
            let n = [1, 2, 4, 8][Int(next() % 4)]
            return ResourceRequest(
                vcpus: 8, memoryMB: 32768, numa: n > 4 ? .none : numa,
                gpu: GPURequest(mode: .passthrough, count: n, nvlink: [.none, .preferred, .required][Int(next() % 3)]))
        case 6:
            let kind: GroupRule.Kind = next() % 2 == 0 ? .affinity : .antiAffinity
            return ResourceRequest(
                vcpus: 2, memoryMB: 2048,
                groups: [GroupRule(group: "g\(next() % 4)", kind: kind, strength: next() % 2 == 0 ? .strict : .soft)])
        default:
            return ResourceRequest(vcpus: 1 + Int(next() % 16), memoryMB: 1024 * (1 + Int(next() % 64)), numa: numa)
        }
    }
}

@Suite struct RandomizedAccountingTests {
    @Test func accountingHoldsAfterEveryOneOf100kPlaceAndReleaseOperations() throws {
        var s = fleet([(.cpu2S, 2), (.h100SXM8, 2), (.a100PCIe8, 1), (.l40s4, 1)], maxCandidates: 4)
        var mix = RequestMix(state: 2024)
        var live: [ClaimID] = []
        var placed = 0
        var released = 0
        for op in 0..<100_000 {
            if !live.isEmpty && (mix.next() % 100 < 45 || live.count > 400) {
                let i = Int(mix.next() % UInt64(live.count))
                try s.release(live.remove(at: i))
                released += 1
            } else {
                let (_, id) = s.place(mix.request())
                if let id {
                    live.append(id)
                    placed += 1
                }
            }
            if op % 7 == 0 { s.setHost(Int(mix.next() % 6), cordoned: mix.next() % 5 == 0) }
            if op % 10 == 0 {
                // the packed prefilter must agree with the full fit on every host it rejects
                let c = CompiledRequest(mix.request(), policies: s.policies)
                for h in s.hosts.indices {
                    guard let quick = s.quickReject(h, c) else { continue }
                    let full = s.fit(h, c)
                    guard case .failure(let reason) = full, reason == quick else {
                        Issue.record("op \(op) host \(h): prefilter says \(quick), full fit says \(full) for \(c.r)")
                        return
                    }
                }
            }
            if let v = s.accountingViolation() {
                Issue.record("op \(op): \(v)")
                return
            }
        }
        #expect(placed > 20_000)
        #expect(released > 20_000)
        for id in live { try s.release(id) }
        #expect(s.claimCount == 0)
        #expect(s.hosts.allSatisfy { h in h.gpus.allSatisfy(\.use.isFree) && h.numa.allSatisfy { $0.sharedUsed == 0 } })
        #expect(s.accountingViolation() == nil)
    }
}
