import CloudModel
import CloudSim
import Testing

@testable import CloudScheduler

/// NVSwitch Fabric Manager partitions, gang placement by topology, and single GPUs taken from
/// broken NVLink pairs.
@Suite struct FabricPartitionTests {
    static let h100 = "H100-SXM5-80GB"

    func modules(_ p: Placement, _ s: Scheduler) -> [Int] {
        s.hosts[p.claim.host].modules(Scheduler.mask(of: p.claim.gpus))
    }

    @Test func withModuleOneBusyFourGPUsTakeTheOtherHalf() throws {
        var s = fleet([(.h100SXM8, 1)])
        _ = try #require(s.place(passthrough(1)).0.placement)
        let p = try #require(s.place(passthrough(4, nvlink: .required)).0.placement)
        #expect(modules(p, s) == [5, 6, 7, 8])
        #expect(p.nvswitchPartition == [5, 6, 7, 8])
        #expect(Set(p.claim.gpus.map { s.hosts[0].gpus[$0.gpu].numaNode }).count == 1)
    }

    @Test(arguments: [(2, true), (3, false), (4, true), (5, false), (6, false), (7, false), (8, true)])
    func sharedModelNVLinkOnlyInPartitions(count: Int, placed: Bool) {
        var s = fleet([(.h100SXM8, 1)])
        let d = s.decide(passthrough(count, nvlink: .required))
        #expect((d.placement != nil) == placed)
        if !placed { #expect(d.rejection?.description == "0/1 hosts: 1 no free NVSwitch partition of \(count) GPUs") }
        if let p = d.placement {
            let partitions = NVSwitchFabric.hgxH100.sharedPartitions
            #expect(partitions.contains(modules(p, s)))
        }
    }

    @Test func pairsAreModulesOneThreeAndTwoFour() throws {
        var s = fleet([(.h100SXM8, 1)])
        let a = try #require(s.place(passthrough(2, nvlink: .required)).0.placement)
        let b = try #require(s.place(passthrough(2, nvlink: .required)).0.placement)
        #expect(Set([modules(a, s), modules(b, s)]) == Set([[1, 3], [2, 4]]))
        // the rest of the board is the partition {5–8}
        let c = try #require(s.place(passthrough(4, nvlink: .required)).0.placement)
        #expect(modules(c, s) == [5, 6, 7, 8])
    }

    @Test(arguments: [(1, true), (2, false), (4, false), (7, false), (8, true)])
    func fullPassthroughServesOnlyWholeBoardsAndSingleGPUs(count: Int, placed: Bool) {
        let policy = ClusterPolicy(name: "c0", zone: "z0", nvswitchModel: .fullPassthrough)
        var s = fleet([(.h100SXM8, 1)], policy: policy)
        let d = s.decide(passthrough(count))
        #expect((d.placement != nil) == placed)
        if !placed {
            #expect(
                d.rejection?.description
                    == "0/1 hosts: 1 full-passthrough NVSwitch model has no \(count)-GPU VMs (only 1 or all GPUs)")
        }
    }

    @Test func a100HGXHasItsOwnTable() throws {
        var s = fleet([(.a100SXM8, 1)])
        let a = try #require(s.place(passthrough(2, nvlink: .required)).0.placement)
        #expect(NVSwitchFabric.hgxA100.sharedPartitions.contains(modules(a, s)))
        #expect([[1, 2], [3, 4], [5, 6], [7, 8]].contains(modules(a, s)))
    }

    /// (request, fleet) → the template that must win, in each gang placement mode.
    @Test(arguments: [
        (8, NVLinkRequirement.preferred, Optional(h100), "gpu-h100-sxm8", "gpu-h100-sxm8"),
        (8, .preferred, nil, "gpu-h100-sxm8", "gpu-h100-sxm8"),
        (4, .preferred, Optional(h100), "gpu-h100-sxm8", "gpu-h100-sxm8"),
        // no model preference: a free board is halved only with partition_first (a weaker
        // host takes it otherwise: either PCIe host)
        (4, .preferred, nil, "gpu-h100-sxm8", "!gpu-h100-sxm8"),
        // an NVLink set outranks a preferred model (both are soft)
        (8, .preferred, Optional("A100-PCIE-80GB"), "gpu-h100-sxm8", "gpu-h100-sxm8"),
        (2, .preferred, nil, "gpu-a100-pcie8", "gpu-a100-pcie8"),
        (8, .none, nil, "gpu-a100-pcie8", "gpu-a100-pcie8"),
    ])
    func gangsGoToTheStrongestTopology(
        count: Int, nvlink: NVLinkRequirement, model: String?, partitionFirst: String, keepWhole: String
    ) throws {
        for mode in ClusterPolicy.GangPlacement.allCases {
            let winner = mode == .partitionFirst ? partitionFirst : keepWhole
            // the weaker hosts come first, so the cursor meets them first
            for maxCandidates in [0, 1, 8] {
                var policy = ClusterPolicy(name: "c0", zone: "z0")
                policy.gangPlacement = mode
                var s = fleet(
                    [(.a100PCIe8, 6), (.l40s4, 2), (.h100SXM8, 1)], policy: policy, maxCandidates: maxCandidates)
                let p = try #require(s.place(passthrough(count, nvlink: nvlink, model: model)).0.placement)
                let won =
                    winner.hasPrefix("!") ? !p.hostName.hasPrefix(winner.dropFirst()) : p.hostName.hasPrefix(winner)
                #expect(won, "\(mode) \(count) GPUs \(nvlink) → \(p.hostName) (\(p.score))")
            }
        }
    }

    @Test func aGangTakesAPartitionOfABoardInUseBeforeAWeakerTopology() throws {
        var s = fleet([(.a100PCIe8, 2), (.h100SXM8, 1)])
        _ = try #require(s.place(passthrough(4, nvlink: .required)).0.placement)
        let p = try #require(s.place(passthrough(4, nvlink: .preferred)).0.placement)
        #expect(p.hostName.hasPrefix("gpu-h100") && p.nvswitchPartition == [5, 6, 7, 8], "\(p.score)")
    }

    @Test(arguments: ClusterPolicy.GangPlacement.allCases)
    func gangPlacementDecidesWhetherAFreeBoardIsHalved(mode: ClusterPolicy.GangPlacement) throws {
        var policy = ClusterPolicy(name: "c0", zone: "z0")
        policy.gangPlacement = mode
        var s = fleet([(.a100PCIe8, 2), (.h100SXM8, 1)], policy: policy)
        let p = try #require(s.place(passthrough(4, nvlink: .preferred)).0.placement)
        #expect(p.hostName.hasPrefix(mode == .partitionFirst ? "gpu-h100" : "gpu-a100"), "\(p.score)")
        // the whole board goes to a whole-board gang in both modes
        let g = try #require(s.place(passthrough(8, nvlink: .preferred)).0.placement)
        #expect(g.hostName.hasPrefix(mode == .partitionFirst ? "gpu-a100" : "gpu-h100"), "\(g.score)")
    }

    @Test func singleGPUsAndGangsWithoutNVLinkLeaveNVSwitchBoardsAlone() throws {
        var s = fleet([(.a100PCIe8, 2), (.h100SXM8, 1)])
        for _ in 0..<3 {
            let p = try #require(s.place(passthrough(1)).0.placement)
            #expect(!p.hostName.hasPrefix("gpu-h100"))
        }
    }

    @Test func aSingleGPUComesFromABrokenPairOnTheCPUsNode() throws {
        var s = fleet([(.a100PCIe8, 1)])
        // GPUs 4, 6 and 7 busy: free {0,1,2,3,5}
        for g in [4, 6, 7] {
            let id = s.place(passthrough(1), onlyGPUs: UInt8(1 << g))
            #expect(id != nil)
        }
        #expect(s.hosts[0].freeGPUMask == 0b0010_1111)
        let p = try #require(s.place(passthrough(1)).0.placement)
        #expect(p.claim.gpus.map(\.gpu) == [5])
        // both whole pairs stay for NVLink requests
        for _ in 0..<2 { #expect(s.place(passthrough(2, nvlink: .required)).0.placement != nil) }
    }

    @Test func explanationNamesTheConstraintThatFailed() {
        var r = passthrough(8, nvlink: .required)
        r.numa = .require
        var s = fleet([(.a100PCIe8, 1)])
        #expect(s.decide(r).rejection?.description == "0/1 hosts: 1 no NVLink-connected set of 8 free GPUs")
        var t = fleet([(.h100SXM8, 1)])
        #expect(t.decide(r).rejection?.description == "0/1 hosts: 1 GPUs not on one NUMA node with the CPUs")
    }
}

extension Scheduler {
    /// Places `r` with its GPUs limited to `onlyGPUs` on host 0 (a test fixture).
    mutating func place(_ r: ResourceRequest, onlyGPUs: UInt8) -> ClaimID? {
        guard case .success(let fit) = fit(0, r, onlyGPUs: onlyGPUs) else { return nil }
        return apply(Claim(host: 0, numa: fit.numa, gpus: fit.gpus, groups: []))
    }
}
