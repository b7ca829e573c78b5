import CloudModel
import CloudSim
import Testing

@testable import CloudScheduler

/// vGPU counts per GPU (one vGPU per SR-IOV VF), mixed-size maxima, `+me` MIG profiles and
/// MIG-backed vGPU types.
@Suite struct VGPULimitTests {
    func vgpu(_ t: String, count: Int = 1) -> ResourceRequest {
        ResourceRequest(vcpus: 1, memoryMB: 1024, gpu: GPURequest(mode: .vgpu, profile: t, count: count))
    }

    func sriov(_ n: Int) -> ResourceRequest {
        ResourceRequest(vcpus: 1, memoryMB: 1024, gpu: GPURequest(mode: .sriov, count: n))
    }

    /// Places `r` until refused; returns how many fit.
    func fill(_ s: inout Scheduler, _ r: ResourceRequest, limit: Int = 400) -> Int {
        var n = 0
        while n < limit, s.place(r).0.placement != nil { n += 1 }
        #expect(s.accountingViolation() == nil)
        return n
    }

    @Test(arguments: [
        (HardwareTemplate.l40s4, "L40S-4C", 48 / 4), (.l40s4, "L40S-8C", 48 / 8), (.h100SXM8, "H100XM-4C", 80 / 4),
        (.a100PCIe8, "A100D-4C", 80 / 4),
    ])
    func equalSizeMaximumPerGPU(template: HardwareTemplate, type: String, perGPU: Int) {
        var s = fleet([(template, 1)])
        #expect(fill(&s, vgpu(type)) == perGPU * template.gpuCount)
    }

    @Test(arguments: [(HardwareTemplate.l40s4, 12), (.h100SXM8, 20), (.a100PCIe8, 20)])
    func sriovVFsAreBoundedByTheVGPUMaximum(template: HardwareTemplate, perGPU: Int) {
        var s = fleet([(template, 1)])
        #expect(fill(&s, sriov(1)) == perGPU * template.gpuCount)
    }

    /// Mixed-size mode: the largest power of two not above the equal-size maximum.
    @Test(arguments: [("L40S-8C", 4), ("L40S-12C", 4), ("L40S-24C", 2), ("L40S-4C", 8), ("L40S-48C", 1)])
    func mixedSizeMaximumPerGPU(type: String, perGPU: Int) {
        var s = fleet([(.l40s4, 1)], policy: ClusterPolicy(name: "c0", zone: "z0", vgpuMixed: true))
        #expect(fill(&s, vgpu(type)) == perGPU * 4)
    }

    @Test func mixedSizeSharesFramebufferUpToThePerTypeMaximum() throws {
        var s = fleet([(.l40s4, 1)], policy: ClusterPolicy(name: "c0", zone: "z0", vgpuMixed: true))
        for g in 1..<4 { s.setGPU(host: 0, gpu: g, healthy: false) }
        // 4 × 8C (the mixed maximum) + 1 × 12C = 44 GB of 48
        #expect(fill(&s, vgpu("L40S-8C")) == 4)
        #expect(fill(&s, vgpu("L40S-12C")) == 1)
        #expect(s.place(vgpu("L40S-4C")).0.placement != nil)
        #expect(s.place(vgpu("L40S-4C")).0.placement == nil)
    }

    @Test func plusMEProfilesAreOnePerGPU() throws {
        var s = fleet([(.h100SXM8, 1)])
        for g in 1..<8 { s.setGPU(host: 0, gpu: g, healthy: false) }
        let a = try #require(s.place(mig("1g.10gb+me")).0.placement)
        #expect(a.claim.gpus == [.mig(gpu: 0, profile: "1g.10gb+me", start: a.claim.gpus[0].startSlice ?? -1)])
        #expect(s.place(mig("1g.10gb+me")).0.rejection?.description == "0/1 hosts: 1 no free MIG 1g.10gb+me placement")
        // the other slices stay for profiles without media engines
        #expect(fill(&s, mig("1g.10gb")) == 6)
        let id = try #require(s.claimIDs.first)
        #expect(throws: Never.self) { try s.release(id) }
        #expect(s.place(mig("1g.10gb+me")).0.placement != nil)
    }

    @Test func migBackedTypesParseToTheirProfile() throws {
        let t = try #require(VGPUType("H100XM-3-40C"))
        #expect(t.migProfile == "3g.40gb")
        #expect(t.framebufferGB == 40)
        #expect(t.key != VGPUType("H100XM-40C")?.key)
        #expect(VGPUType("H100XM-40C")?.migProfile == nil)
        // a MIG-backed name whose geometry no MIG profile has is malformed, not time-sliced
        #expect(VGPUType("H100XM-5-50C") == nil)
        #expect(MIGProfile.named("A100D-7-80C")?.name == "7g.80gb")
    }

    @Test func migBackedAndTimeSlicedVGPUsNeverShareAGPU() throws {
        var s = fleet([(.h100SXM8, 1)])
        for g in 2..<8 { s.setGPU(host: 0, gpu: g, healthy: false) }
        let a = try #require(s.place(vgpu("H100XM-1-10C")).0.placement)
        let b = try #require(s.place(vgpu("H100XM-10C")).0.placement)
        #expect(a.claim.gpus[0].gpu != b.claim.gpus[0].gpu)
        if case .mig(_, let p, _) = a.claim.gpus[0] { #expect(p == "H100XM-1-10C") } else { Issue.record("not MIG") }
        // both GPUs taken, one per kind: more of each kind go beside their own
        #expect(fill(&s, vgpu("H100XM-1-10C")) == 6)
        #expect(fill(&s, vgpu("H100XM-10C")) == 7)
        #expect(s.hosts[0].gpus[a.claim.gpus[0].gpu].use == .mig(occupied: 0b0111_1111, media: false))
    }
}

extension GPUAllocation {
    var startSlice: Int? {
        if case .mig(_, _, let s) = self { return s }
        return nil
    }
}

extension Scheduler {
    /// Live claim IDs, lowest first.
    var claimIDs: [ClaimID] {
        claims.indices.compactMap { claims[$0] == nil ? nil : ClaimID(rawValue: UInt32($0)) }
    }
}
