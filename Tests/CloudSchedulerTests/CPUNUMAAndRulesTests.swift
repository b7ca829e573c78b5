import CloudModel
import CloudSim
import Testing

@testable import CloudScheduler

@Suite struct CPUAndNUMATests {
    // cpu-2s: 2 NUMA nodes × 112 logical CPUs, 4:1 shared overcommit → 448 shared vCPUs per node
    @Test(arguments: [
        (500, NUMAAffinity.require, CPUPolicy.shared, "0/1 hosts: 1 NUMA node too small"),
        (500, .prefer, .shared, "numa_locality"),
        (500, .none, .shared, ""),
        (400, .require, .shared, ""),
        (150, .require, .dedicated, "0/1 hosts: 1 NUMA node too small"),
        (150, .none, .dedicated, ""),
        (225, .none, .dedicated, "0/1 hosts: 1 not enough free CPUs to pin"),
        (900, .none, .shared, "0/1 hosts: 1 not enough shared vCPUs"),
    ])
    func numaRequireVersusPrefer(vcpus: Int, numa: NUMAAffinity, policy: CPUPolicy, outcome: String) {
        var s = fleet([(.cpu2S, 1)])
        let d = s.place(ResourceRequest(vcpus: vcpus, cpuPolicy: policy, memoryMB: 8192, numa: numa)).0
        if outcome.hasPrefix("0/") {
            #expect(d.rejection?.description == outcome)
        } else {
            #expect(d.placement?.gaveUp == (outcome.isEmpty ? [] : [outcome]))
            if numa == .require { #expect(d.placement?.claim.numa.count == 1) }
        }
        #expect(s.accountingViolation() == nil)
    }

    @Test func dedicatedCPUsNeverOvercommitAndSqueezeShared() {
        var s = fleet([(.cpu2S, 1)])
        #expect(s.place(ResourceRequest(vcpus: 224, cpuPolicy: .dedicated, memoryMB: 1024)).0.placement != nil)
        #expect(
            s.place(ResourceRequest(vcpus: 1, cpuPolicy: .dedicated, memoryMB: 1024)).0.rejection?.description
                == "0/1 hosts: 1 not enough free CPUs to pin")
        #expect(
            s.place(ResourceRequest(vcpus: 1, memoryMB: 1024)).0.rejection?.description
                == "0/1 hosts: 1 not enough shared vCPUs")
    }

    @Test func sharedVCPUsLimitWhatCanStillBePinned() {
        var s = fleet([(.cpu2S, 1)])
        // 800 shared vCPUs at 4:1 occupy 200 logical CPUs, leaving 24 to pin
        #expect(s.place(ResourceRequest(vcpus: 800, memoryMB: 1024)).0.placement != nil)
        #expect(s.place(ResourceRequest(vcpus: 25, cpuPolicy: .dedicated, memoryMB: 1024)).0.placement == nil)
        #expect(s.place(ResourceRequest(vcpus: 24, cpuPolicy: .dedicated, memoryMB: 1024)).0.placement != nil)
    }

    @Test(arguments: [(HugepageSize.size1G, 32 * 1024, true), (.size1G, 33 * 1024, false), (.size2M, 4096, true)])
    func hugepagesComeFromTheirOwnPool(size: HugepageSize, memoryMB: Int, fits: Bool) {
        var s = fleet([(.cpu2S, 1)])  // 32 × 1G and 2048 × 2M pages per node
        let d = s.place(ResourceRequest(vcpus: 2, memoryMB: memoryMB, hugepages: size, numa: .require)).0
        #expect((d.placement != nil) == fits, "\(d)")
        if !fits { #expect(d.rejection?.description == "0/1 hosts: 1 NUMA node too small") }
    }

    @Test func numaRequireKeepsGPUsWithTheCPUs() throws {
        var s = fleet([(.h100SXM8, 1)])
        let r = ResourceRequest(
            vcpus: 16, memoryMB: 65536, numa: .require,
            gpu: GPURequest(mode: .passthrough, count: 4, nvlink: .required))
        let p = try #require(s.place(r).0.placement)
        let node = p.claim.numa[0].node
        #expect(p.claim.gpus.allSatisfy { s.hosts[0].gpus[$0.gpu].numaNode == node })
        _ = try #require(s.place(r).0.placement)
        let third = ResourceRequest(
            vcpus: 16, memoryMB: 65536, numa: .require,
            gpu: GPURequest(mode: .passthrough, count: 1))
        #expect(s.place(third).0.rejection?.description == "0/1 hosts: 1 fewer than 1 free GPUs")
    }

    @Test func packAndSpreadStrategies() throws {
        var pack = fleet([(.cpu2S, 3)])
        var spread = fleet([(.cpu2S, 3)], policy: ClusterPolicy(name: "c0", zone: "z0", strategy: .spread))
        var packed = Set<String>()
        var spreadHosts = Set<String>()
        for _ in 0..<3 {
            packed.insert(try #require(pack.place(ResourceRequest(vcpus: 8, memoryMB: 16384)).0.placement).hostName)
            spreadHosts.insert(
                try #require(spread.place(ResourceRequest(vcpus: 8, memoryMB: 16384)).0.placement).hostName)
        }
        #expect(packed.count == 1)
        #expect(spreadHosts.count == 3)
    }

    @Test func cpuOnlyRequestsAvoidGPUHosts() throws {
        var s = fleet([(.h100SXM8, 2), (.cpu2S, 1)])
        let p = try #require(s.place(ResourceRequest(vcpus: 8, memoryMB: 8192)).0.placement)
        #expect(p.hostName.hasPrefix("cpu-2s"))
    }
}

@Suite struct RulesAndExplanationTests {
    @Test(arguments: [(RuleStrength.strict, false), (.soft, true)])
    func antiAffinity(strength: RuleStrength, thirdPlaced: Bool) {
        var s = fleet([(.cpu2S, 2)])
        let r = ResourceRequest(
            vcpus: 2, memoryMB: 2048,
            groups: [GroupRule(group: "db", kind: .antiAffinity, strength: strength)])
        let a = s.place(r).0.placement
        let b = s.place(r).0.placement
        #expect(a?.hostName != b?.hostName)
        let c = s.place(r).0
        #expect((c.placement != nil) == thirdPlaced)
        if !thirdPlaced { #expect(c.rejection?.description == "0/2 hosts: 2 anti-affinity group db already there") }
        if thirdPlaced { #expect(c.placement?.score.contains { $0.0 == "soft_anti_affinity" } == true) }
    }

    @Test func strictAffinityFollowsTheFirstMember() throws {
        var s = fleet([(.cpu2S, 3)], policy: ClusterPolicy(name: "c0", zone: "z0", strategy: .spread))
        let r = ResourceRequest(
            vcpus: 2, memoryMB: 2048, groups: [GroupRule(group: "web", kind: .affinity, strength: .strict)])
        let first = try #require(s.place(r).0.placement)
        for _ in 0..<3 { #expect(s.place(r).0.placement?.hostName == first.hostName) }
    }

    @Test func maintenanceCordonAndCapacityAreExplainedPerHost() {
        var s = fleet([(.cpu2S, 3)])
        s.setHost(0, maintenance: true)
        s.setHost(1, cordoned: true)
        let r = s.place(ResourceRequest(vcpus: 2, memoryMB: 4_000_000)).0.rejection
        #expect(r?.description == "0/3 hosts: 1 cordoned, 1 in maintenance, 1 not enough memory")
    }

    @Test func zonesAndClustersAndLabels() throws {
        var s = fleet(
            [(.cpu2S, 4)], policy: ClusterPolicy(name: "a", zone: "z1"),
            extraPolicies: [ClusterPolicy(name: "b", zone: "z2")], clusterOf: { $0 < 2 ? 0 : 1 })
        let p = try #require(s.place(ResourceRequest(vcpus: 2, memoryMB: 2048, zone: "z2")).0.placement)
        #expect(s.hosts[p.claim.host].cluster == 1)
        let r = s.place(ResourceRequest(vcpus: 2, memoryMB: 2048, cluster: "a", labels: ["ssd=true"])).0.rejection
        #expect(r?.description == "0/4 hosts: 2 missing label ssd=true, 2 not in cluster a")
        #expect(throws: SchedulerError.self) { try s.validate(ResourceRequest(vcpus: 2, memoryMB: 2048, zone: "mars")) }
    }

    @Test(arguments: [(0, "0"), (7, "7"), (999, "999"), (1000, "1,000"), (10000, "10,000"), (1_234_567, "1,234,567")])
    func numbersAreGroupedLikeKubectl(n: Int, text: String) {
        #expect(grouped(n) == text)
    }

    @Test func releaseIsExactlyOnce() throws {
        var s = fleet([(.cpu2S, 1)])
        let (d, id) = s.place(ResourceRequest(vcpus: 2, memoryMB: 2048))
        let claimID = try #require(id)
        #expect(d.placement != nil)
        try s.release(claimID)
        #expect(throws: ClaimError.self) { try s.release(claimID) }
        #expect(s.hosts[0].numa.allSatisfy { $0.sharedUsed == 0 && $0.memoryUsedMB == 0 })
        #expect(s.accountingViolation() == nil)
    }
}
