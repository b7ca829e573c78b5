import CloudModel
import CloudSim

@testable import CloudScheduler

struct Words: IDEntropySource {
    var state: UInt64 = 1
    mutating func nextWord() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state
    }
}

/// A fleet of `count` hosts per template, all in cluster 0 unless told otherwise.
func fleet(
    _ groups: [(HardwareTemplate, Int)], policy: ClusterPolicy = ClusterPolicy(name: "c0", zone: "z0"),
    extraPolicies: [ClusterPolicy] = [], clusterOf: (Int) -> Int = { _ in 0 }, maxCandidates: Int = 0
) -> Scheduler {
    var words = Words()
    var hosts: [HostState] = []
    for (template, count) in groups {
        for _ in 0..<count {
            let n = hosts.count
            let hw = template.instantiate(hostIndex: n, entropy: &words)
            hosts.append(HostState(name: "\(template.name)-\(n)", cluster: clusterOf(n), hardware: hw))
        }
    }
    return Scheduler(hosts: hosts, policies: [policy] + extraPolicies, maxCandidates: maxCandidates)
}

func mig(_ profile: String, count: Int = 1) -> ResourceRequest {
    ResourceRequest(vcpus: 2, memoryMB: 4096, gpu: GPURequest(mode: .mig, profile: profile, count: count))
}

func passthrough(_ n: Int, nvlink: NVLinkRequirement = .none, model: String? = nil) -> ResourceRequest {
    ResourceRequest(
        vcpus: 4, memoryMB: 8192, gpu: GPURequest(mode: .passthrough, count: n, model: model, nvlink: nvlink))
}
