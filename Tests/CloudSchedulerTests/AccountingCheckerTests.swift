import CloudModel
import CloudSim
import Testing

@testable import CloudScheduler

/// The accounting checker (`Scheduler.accountingViolation`, run after every simulator event)
/// catches each kind of drift between the claims and the per-host counters, and names the host.
@Suite struct AccountingCheckerTests {
    enum Drift: String, CaseIterable, CustomStringConvertible {
        case claimCount, numaMemory, numaShared, gpuUse, groupMembers, staleGroup
        var description: String { rawValue }
    }

    /// Two CPU hosts and one 8-GPU host with CPU claims (one in an anti-affinity group) and a GPU
    /// claim; returns the scheduler and the host each kind of drift is applied to.
    func placed() throws -> (Scheduler, cpu: Int, gpu: Int) {
        var s = fleet([(.cpu2S, 2), (.h100SXM8, 1)])
        var grouped = ResourceRequest(vcpus: 4, memoryMB: 8192)
        grouped.groups = [GroupRule(group: "db", kind: .antiAffinity, strength: .strict)]
        let cpu = try #require(s.place(grouped).0.placement?.claim.host)
        _ = try #require(s.place(ResourceRequest(vcpus: 2, memoryMB: 4096)).0.placement)
        let gpu = try #require(s.place(passthrough(2)).0.placement?.claim.host)
        #expect(s.accountingViolation() == nil)
        return (s, cpu, gpu)
    }

    @Test(arguments: Drift.allCases)
    func eachDriftIsCaughtAndNamesItsHost(_ drift: Drift) throws {
        var (s, cpu, gpu) = try placed()
        let host: Int
        switch drift {
        case .claimCount:
            host = cpu
            s.hosts[cpu].claimCount += 1
        case .numaMemory:
            host = cpu
            s.hosts[cpu].numa[0].memoryUsedMB += 1
        case .numaShared:
            host = cpu
            s.hosts[cpu].numa[1].sharedUsed += 3
        case .gpuUse:
            host = gpu
            let g = try #require(s.hosts[gpu].gpus.firstIndex { $0.use != .free })
            s.hosts[gpu].gpus[g].use = .free
        case .groupMembers:
            host = cpu
            s.hosts[cpu].groupMembers["db"] = 2
        case .staleGroup:
            host = 1 - cpu
            s.hosts[1 - cpu].groupMembers["web"] = 1
        }
        let found = try #require(s.accountingViolation(), "\(drift) went unnoticed")
        #expect(found.hasPrefix(s.hosts[host].name), "\(drift): \(found)")
    }
}
