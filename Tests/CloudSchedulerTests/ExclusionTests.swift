import CloudModel
import CloudSim
import Foundation
import Testing

@testable import CloudScheduler

/// The per-reason counts of a rejection, sorted.
func reasons(_ d: Decision) -> [String] {
    let text = d.rejection?.description ?? ""
    guard let colon = text.firstIndex(of: ":") else { return [] }
    return text[text.index(after: colon)...].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        .sorted()
}

/// Exclusion and a named target are filters of the request: they change no host's state.
@Suite struct ExclusionTests {
    @Test(arguments: [[0], [0, 1], [2, 0, 3], [0, 1, 2, 3]])
    func excludedHostsAreNeverChosenAndStayUncordoned(excluded: [Int]) {
        var s = fleet([(.cpu2S, 4)])
        var r = ResourceRequest(vcpus: 4, memoryMB: 8192)
        r.excludedHosts = excluded
        for _ in 0..<6 {
            let d = s.place(r).0
            if excluded.count == 4 {
                #expect(d.rejection?.description == "0/4 hosts: 4 cordoned")
            } else {
                let host = try? #require(d.placement?.claim.host)
                #expect(host.map { !excluded.contains($0) } == true)
            }
        }
        #expect(s.hosts.allSatisfy { !$0.cordoned })
        #expect(s.accountingViolation() == nil)
    }

    @Test func anExcludedHostInMaintenanceIsReportedAsInMaintenance() {
        var s = fleet([(.cpu2S, 2)])
        s.setHost(0, maintenance: true)
        var r = ResourceRequest(vcpus: 4, memoryMB: 8192)
        r.excludedHosts = [0, 1]
        #expect(reasons(s.place(r).0) == ["1 cordoned", "1 in maintenance"])
    }

    @Test(arguments: [0, 1, 2])
    func aNamedTargetIsTheOnlyHostUsed(target: Int) {
        var s = fleet([(.cpu2S, 3)])
        var r = ResourceRequest(vcpus: 4, memoryMB: 8192)
        r.onlyHost = s.hosts[target].name
        for _ in 0..<3 { #expect(s.place(r).0.placement?.claim.host == target) }
        s.setHost(target, cordoned: true)
        #expect(reasons(s.place(r).0) == ["1 cordoned", "2 not the target \(s.hosts[target].name)"])
    }
}
