import CloudModel
import CloudSim
import Testing

@testable import CloudScheduler

@Suite struct MIGGeometryTests {
    @Test(arguments: [
        (UInt8(0b0000_0000), "7g.80gb", Optional(0)),
        (0b0000_0001, "7g.80gb", nil),
        (0b0000_0001, "3g.40gb", 4),
        (0b0001_0001, "3g.40gb", nil),  // 6 of 8 slices free, but no aligned 4-slice block
        (0b0000_1111, "4g.40gb", nil),  // 4g.40gb may only start at 0
        (0b1111_0000, "4g.40gb", 0),
        (0b0111_1111, "1g.10gb", nil),  // slice 7 is no 1g start: 7 instances at most
        (0b0011_1111, "1g.10gb", 6),
        (0b0011_1111, "1g.20gb", 6),
        (0b0011_1111, "2g.20gb", nil),  // 2g.20gb starts at 0, 2 or 4 only
        (0b1111_0011, "2g.20gb", 2),
    ])
    func bestStartFollowsNvidiaPlacementTable(occupied: UInt8, profile: String, start: Int?) throws {
        let p = try #require(MIGProfile.named(profile))
        #expect(p.bestStart(in: occupied) == start)
    }

    @Test(arguments: MIGProfile.a100h100)
    func everyChosenStartIsAllowedAndFree(profile: MIGProfile) {
        for m in 0..<256 {
            guard let s = profile.bestStart(in: UInt8(m)) else {
                #expect(profile.starts.allSatisfy { UInt8(m) & profile.mask(at: $0) != 0 })
                continue
            }
            #expect(profile.starts.contains(s))
            #expect(UInt8(m) & profile.mask(at: s) == 0)
        }
    }

    @Test(arguments: [("1g.10gb", 7), ("1g.20gb", 4), ("2g.20gb", 3), ("3g.40gb", 2), ("4g.40gb", 1), ("7g.80gb", 1)])
    func oneGPUHoldsNvidiasMaximumInstances(profile: String, max: Int) {
        var s = fleet([(.h100SXM8, 1)])
        for g in 0..<8 where g > 0 { s.setGPU(host: 0, gpu: g, healthy: false) }
        for i in 0..<max {
            #expect(s.place(mig(profile)).0.placement != nil, "instance \(i + 1) of \(max)")
        }
        let r = s.place(mig(profile)).0.rejection
        #expect(r?.description == "0/1 hosts: 1 no free MIG \(profile) placement")
        #expect(s.accountingViolation() == nil)
    }

    @Test func fragmentedGPUsRefuseA3gEvenWithSixFreeSlices() {
        var s = fleet([(.a100PCIe8, 1)])
        for g in 0..<8 {
            _ = s.apply(Claim(host: 0, numa: [], gpus: [.mig(gpu: g, profile: "1g.10gb", start: 0)], groups: []))
            _ = s.apply(Claim(host: 0, numa: [], gpus: [.mig(gpu: g, profile: "1g.10gb", start: 4)], groups: []))
        }
        #expect(s.place(mig("3g.40gb")).0.rejection?.description == "0/1 hosts: 1 no free MIG 3g.40gb placement")
        #expect(s.place(mig("2g.20gb")).0.placement != nil)
    }

    @Test func migPrefersPartlyUsedGPUsAndKeepsWholeGPUsFree() {
        var s = fleet([(.h100SXM8, 1)])
        for _ in 0..<7 { _ = s.place(mig("1g.10gb")) }
        let used = s.hosts[0].gpus.filter { !$0.use.isFree }.count
        #expect(used == 1)
    }
}

@Suite struct VGPUAndSRIOVTests {
    @Test func homogeneousVGPUServesOneTypePerGPU() throws {
        var s = fleet([(.a100PCIe8, 1)])
        var gpusOf20C = Set<Int>()
        for _ in 0..<4 {
            let p = try #require(s.place(vgpuRequest("A100D-20C")).0.placement)
            gpusOf20C.formUnion(p.claim.gpus.map(\.gpu))
        }
        #expect(gpusOf20C.count == 1)  // 4 × 20C fill one 80 GB GPU
        let ten = try #require(s.place(vgpuRequest("A100D-10C")).0.placement)
        #expect(!gpusOf20C.contains(ten.claim.gpus[0].gpu))  // another type needs another GPU
        let fifth = try #require(s.place(vgpuRequest("A100D-20C")).0.placement)
        #expect(!gpusOf20C.contains(fifth.claim.gpus[0].gpu))
        #expect(s.accountingViolation() == nil)
    }

    @Test(arguments: [("A100D-80C", 8), ("A100D-40C", 16), ("A100D-20C", 32), ("A100D-10C", 64)])
    func vgpuCapacityPerTypeOnEightA100s(type: String, capacity: Int) {
        var s = fleet([(.a100PCIe8, 1)])
        for _ in 0..<capacity { #expect(s.place(vgpuRequest(type)).0.placement != nil) }
        #expect(s.place(vgpuRequest(type)).0.rejection?.description == "0/1 hosts: 1 no vGPU \(type) capacity")
    }

    @Test func mixedModeSharesOneL40SAcrossSizes() throws {
        var policy = ClusterPolicy(name: "c0", zone: "z0")
        policy.vgpuMixed = true
        var s = fleet([(.l40s4, 1)], policy: policy)
        let a = try #require(s.place(vgpuRequest("L40S-24Q")).0.placement)
        let b = try #require(s.place(vgpuRequest("L40S-12Q")).0.placement)
        let c = try #require(s.place(vgpuRequest("L40S-12Q")).0.placement)
        #expect(Set([a, b, c].map { $0.claim.gpus[0].gpu }).count == 1)
        let k24 = try #require(VGPUType("L40S-24Q")).key
        let k12 = try #require(VGPUType("L40S-12Q")).key
        let counts = VGPUCounts().adding(k24, 1).adding(k12, 2)
        #expect(s.hosts[0].gpus[a.claim.gpus[0].gpu].use == .vgpuMixed(usedGB: 48, counts: counts))
    }

    @Test func unsupportedVGPUTypeSaysSo() {
        var s = fleet([(.cpu2S, 1), (.h100SXM8, 1)])
        let r = s.place(vgpuRequest("L40S-24Q")).0.rejection
        #expect(r?.description == "0/2 hosts: 1 no GPU supports vGPU L40S-24Q, 1 no GPUs")
    }

    @Test func sriovPoolExhaustion() {
        // 4 GPUs × 12 usable VFs: 32 are exposed, but each VF carries one vGPU and the smallest
        // L40S type (4C) fits 12 times into 48 GB
        var s = fleet([(.l40s4, 1)])
        #expect(s.hosts[0].gpus.allSatisfy { $0.sriovVFs == 48 / 4 })
        for _ in 0..<2 { #expect(s.place(sriovRequest(2 * 48 / 4)).0.placement != nil) }
        #expect(s.place(sriovRequest(1)).0.rejection?.description == "0/1 hosts: 1 SR-IOV VF pool exhausted")
        #expect(s.accountingViolation() == nil)
    }

    @Test func aGPUIsInExactlyOneMode() throws {
        var s = fleet([(.h100SXM8, 1)])
        for g in 1..<8 { s.setGPU(host: 0, gpu: g, healthy: false) }
        _ = try #require(s.place(mig("3g.40gb")).0.placement)
        #expect(s.place(sriovRequest(1)).0.rejection?.description == "0/1 hosts: 1 SR-IOV VF pool exhausted")
        #expect(s.place(passthrough(1)).0.rejection?.description == "0/1 hosts: 1 fewer than 1 free GPUs")
    }

    func vgpuRequest(_ t: String) -> ResourceRequest {
        ResourceRequest(vcpus: 2, memoryMB: 4096, gpu: GPURequest(mode: .vgpu, profile: t))
    }

    func sriovRequest(_ n: Int) -> ResourceRequest {
        ResourceRequest(vcpus: 2, memoryMB: 4096, gpu: GPURequest(mode: .sriov, count: n))
    }
}

@Suite struct PassthroughAndNVLinkTests {
    @Test(arguments: [
        (2, NVLinkRequirement.required, true),
        (4, .required, false),
        (4, .preferred, true),
        (8, .none, true),
    ])
    func a100PairsAreTheOnlyNVLinkSets(count: Int, nvlink: NVLinkRequirement, placed: Bool) {
        var s = fleet([(.a100PCIe8, 1)])
        let d = s.place(passthrough(count, nvlink: nvlink)).0
        #expect((d.placement != nil) == placed)
        if !placed { #expect(d.rejection?.description == "0/1 hosts: 1 no NVLink-connected set of \(count) free GPUs") }
        if count == 2, let p = d.placement {
            #expect(
                Set(p.claim.gpus.map(\.gpu)).isSubset(of: [0, 1]) || Set(p.claim.gpus.map(\.gpu)) == [2, 3]
                    || Set(p.claim.gpus.map(\.gpu)) == [4, 5] || Set(p.claim.gpus.map(\.gpu)) == [6, 7])
        }
        if count == 4 && nvlink == .preferred { #expect(d.placement?.gaveUp == ["nvlink"]) }
    }

    @Test func eightGPUGangNeedsAWholeNVSwitchHost() throws {
        var s = fleet([(.a100PCIe8, 1), (.h100SXM8, 2)])
        let p = try #require(s.place(passthrough(8, nvlink: .required)).0.placement)
        #expect(p.hostName.hasPrefix("gpu-h100-sxm8"))
        #expect(p.claim.gpus.count == 8)
        _ = try #require(s.place(passthrough(8, nvlink: .required)).0.placement)
        let r = try #require(s.place(passthrough(8, nvlink: .required)).0.rejection)
        #expect(r.description == "0/3 hosts: 2 fewer than 8 free GPUs, 1 no NVLink-connected set of 8 free GPUs")
    }

    @Test func singleGPUTakenFromABrokenPairKeepsWholePairsFree() throws {
        var s = fleet([(.a100PCIe8, 1)])
        _ = try #require(s.place(passthrough(1)).0.placement)
        let second = try #require(s.place(passthrough(1)).0.placement)
        let first = s.hosts[0].gpus.indices.filter { s.hosts[0].gpus[$0].use == .passthrough }
        #expect(first.count == 2)
        #expect(first[0] / 2 == first[1] / 2, "second GPU \(second.claim.gpus) should complete the broken pair")
    }

    @Test func preferredModelIsGivenUpOnlyWhenNoHostHasIt() throws {
        var s = fleet([(.a100PCIe8, 1), (.h100SXM8, 1)])
        let p = try #require(s.place(passthrough(1, model: "H100-SXM5-80GB")).0.placement)
        #expect(p.hostName.hasPrefix("gpu-h100"))
        #expect(p.gaveUp.isEmpty)
        #expect(p.score.contains { $0.0 == "preferred_gpu_model" })
        var t = fleet([(.a100PCIe8, 1)])
        let q = try #require(t.place(passthrough(1, model: "H100-SXM5-80GB")).0.placement)
        #expect(q.gaveUp == ["gpu_model H100-SXM5-80GB"])
    }
}
