import CloudModel
import CloudSim
import Testing

@testable import CloudScheduler

/// Hosts join and retire while the scheduler runs.
@Suite struct GrowingFleetTests {
    @Test(arguments: [1, 63, 64, 65, 130])
    func aHostAddedLaterIsIndexedAndUsed(initial: Int) throws {
        var s = fleet([(.cpu2S, initial)])
        for h in s.hosts.indices { s.setHost(h, cordoned: true) }
        let r = ResourceRequest(vcpus: 4, memoryMB: 8192)
        #expect(s.place(r).0.rejection != nil)
        var words = Words(state: 99)
        let hw = HardwareTemplate.cpu2S.instantiate(hostIndex: initial, entropy: &words)
        let h = s.addHost(HostState(name: "joined", cluster: 0, hardware: hw))
        #expect(h == initial)
        let placed = try #require(s.place(r).0.placement)
        #expect(placed.claim.host == h && placed.hostName == "joined")
        // no host has GPUs: every host says why, the joined one included
        let gpu = s.place(passthrough(1)).0
        #expect(reasons(gpu) == ["\(initial) cordoned", "1 no GPUs"].sorted())
        #expect(s.accountingViolation() == nil)
    }

    @Test func aRetiredHostTakesNoNewClaimAndOnlyAnEmptyHostRetires() throws {
        var s = fleet([(.cpu2S, 2)])
        let r = ResourceRequest(vcpus: 4, memoryMB: 8192)
        let (d, id) = s.place(r)
        let used = try #require(d.placement?.claim.host)
        let refused = s.retireHost(used)
        #expect(!refused, "a host with claims does not retire")
        let retired = s.retireHost(1 - used)
        #expect(retired)
        for _ in 0..<5 {
            let host = s.place(r).0.placement?.claim.host
            #expect(host == used)
        }
        try s.release(try #require(id))
        #expect(s.accountingViolation() == nil)
    }
}
