import CloudModel
import CloudScheduler
import CloudSim

/// A small seeded generator for workload synthesis (benchmarks and quality corpora).
public struct WorkloadRNG: IDEntropySource, Sendable {
    var mix: SplitMix64

    public init(seed: UInt64) { mix = SplitMix64(seed: seed) }

    public mutating func nextWord() -> UInt64 { mix.next() }

    /// Uniform in 0..<n (n > 0; the tiny modulo bias is irrelevant here).
    public mutating func below(_ n: Int) -> Int { Int(nextWord() % UInt64(n)) }
}

/// The reference fleet and request mix of `reference/simulation.md` §5, scaled to any size:
/// half CPU hosts, half 8-GPU hosts (H100 NVSwitch, A100 NVLink pairs), plus 4-GPU L40S hosts
/// in the GPU half; requests mix CPU VMs, MIG slices, vGPUs, SR-IOV VFs, passthrough GPUs and
/// 8-GPU NVLink gangs.
public enum ReferenceWorkload {
    /// A scheduler over `hosts` hosts in two clusters (`cpu` spread, `gpu` pack).
    public static func fleet(
        hosts: Int, seed: UInt64, maxCandidates: Int = 8, gangPlacement: ClusterPolicy.GangPlacement = .keepBoardsWhole
    ) -> Scheduler {
        var rng = WorkloadRNG(seed: seed)
        var policies = [
            ClusterPolicy(name: "cpu", zone: "az-1", strategy: .spread),
            ClusterPolicy(name: "gpu", zone: "az-1", strategy: .pack),
        ]
        for i in policies.indices { policies[i].gangPlacement = gangPlacement }
        var states: [HostState] = []
        states.reserveCapacity(hosts)
        for i in 0..<hosts {
            let template: HardwareTemplate
            if i % 2 == 0 {
                template = .cpu2S
            } else {
                switch (i / 2) % 20 {
                case 0..<8: template = .h100SXM8
                case 8..<15: template = .a100PCIe8
                default: template = .l40s4
                }
            }
            let hw = template.instantiate(hostIndex: i, entropy: &rng)
            states.append(
                HostState(name: "\(template.name)-\(i)", cluster: template.gpuCount == 0 ? 0 : 1, hardware: hw))
        }
        return Scheduler(hosts: states, policies: policies, maxCandidates: maxCandidates)
    }

    /// One request of the realistic mix.
    public static func request(_ rng: inout WorkloadRNG) -> ResourceRequest {
        let roll = rng.below(1000)
        switch roll {
        case 0..<500:
            let sizes = [(2, 4096), (4, 8192), (8, 32768), (16, 65536), (32, 131_072)]
            let (c, m) = sizes[rng.below(sizes.count)]
            let numa: NUMAAffinity = rng.below(4) == 0 ? .prefer : .none
            return ResourceRequest(
                vcpus: c, cpuPolicy: rng.below(10) == 0 ? .dedicated : .shared, memoryMB: m, numa: numa,
                cluster: "cpu")
        case 500..<680:
            let profiles = ["1g.10gb", "1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"]
            return gpuRequest(GPURequest(mode: .mig, profile: profiles[rng.below(profiles.count)]), vcpus: 8)
        case 680..<800:
            let types = ["A100D-20C", "A100D-40C", "H100XM-20C", "L40S-12Q", "L40S-24Q", "L40S-48Q"]
            return gpuRequest(GPURequest(mode: .vgpu, profile: types[rng.below(types.count)]), vcpus: 8)
        case 800..<830:
            return gpuRequest(GPURequest(mode: .sriov, count: 1 + rng.below(4)), vcpus: 4)
        case 830..<980:
            let n = [1, 1, 1, 2, 2, 4][rng.below(6)]
            return gpuRequest(
                GPURequest(mode: .passthrough, count: n, nvlink: n > 1 ? .preferred : .none), vcpus: 8 * n)
        default:
            return gang8()
        }
    }

    /// An 8-GPU NVLink training gang.
    public static func gang8() -> ResourceRequest {
        gpuRequest(GPURequest(mode: .passthrough, count: 8, nvlink: .required), vcpus: 96)
    }

    static func gpuRequest(_ g: GPURequest, vcpus: Int) -> ResourceRequest {
        ResourceRequest(
            vcpus: vcpus, memoryMB: vcpus * 8192, numa: g.count >= 8 ? .none : .prefer, cluster: "gpu", gpu: g)
    }

    /// A quality-corpus case: a small GPU fleet and an over-subscribed stream of GPU requests.
    public static func qualityCase(seed: UInt64, hosts: Int = 3, requests: Int = 12) -> (Scheduler, [ResourceRequest]) {
        var rng = WorkloadRNG(seed: seed)
        let templates: [HardwareTemplate] = [.h100SXM8, .a100PCIe8, .l40s4]
        var states: [HostState] = []
        for i in 0..<hosts {
            let t = templates[rng.below(templates.count)]
            states.append(
                HostState(name: "\(t.name)-\(i)", cluster: 0, hardware: t.instantiate(hostIndex: i, entropy: &rng)))
        }
        let s = Scheduler(hosts: states, policies: [ClusterPolicy(name: "gpu", zone: "az-1")], maxCandidates: 0)
        var reqs: [ResourceRequest] = []
        while reqs.count < requests {
            let r = request(&rng)
            if r.gpu != nil { reqs.append(r) }
        }
        return (s, reqs)
    }
}
