import CloudControl
import CloudModel
import CloudScheduler
import CloudSim

/// The R24 reference run of `reference/simulation.md` §5.1 as a scenario, scaled to any fleet
/// size: per 1,000 hosts, 500 CPU hosts (`cpu-2s`), 300 H100×8 and 200 A100×8 hosts (half the
/// fleet with 8 GPUs), and 20,000 VMs in the mix of `Scenarios/fleet/fleet-1k-power-loss.yaml`;
/// churn keeps the population steady (web VMs live a week on average, cache three days,
/// inference two), and the Llama 3 failure rates plus host and rack-power failures run.
public enum R24Scenario {
    public static func spec(hosts: Int, duration: UInt64, seed: UInt64 = 24) -> ScenarioSpec {
        let k = Double(hosts) / 1_000
        func n(_ perThousand: Int) -> Int { max(1, Int((Double(perThousand) * k).rounded())) }
        let racksPerGroup = { (count: Int) in (0..<max(1, (count + 39) / 40)).map { "r\($0 + 1)" } }
        let cpu = n(500)
        let h100 = n(300)
        let a100 = max(1, hosts - cpu - h100)
        func racks(_ prefix: String, _ count: Int) -> [String] { racksPerGroup(count).map { prefix + $0 } }
        let general = ClusterSpec(
            name: "general", zone: "az-1",
            hostGroups: [HostGroupSpec(name: "cpu", template: "cpu-2s", count: cpu, racks: racks("c", cpu))],
            policy: ClusterPolicy(name: "general", zone: "az-1", cpuOvercommitPercent: 400, strategy: .spread))
        let gpuPolicy = ClusterPolicy(name: "gpu", zone: "az-1", strategy: .pack, priority: .gpuModel)
        let gpu = ClusterSpec(
            name: "gpu", zone: "az-1",
            hostGroups: [
                HostGroupSpec(name: "h100", template: "gpu-h100-sxm8", count: h100, racks: racks("h", h100)),
                HostGroupSpec(name: "a100", template: "gpu-a100-sxm8", count: a100, racks: racks("a", a100)),
            ], policy: gpuPolicy)
        func group(
            _ name: String, _ count: Int, _ flavor: String, _ tenant: String, _ ha: HAPriority, _ c: String
        )
            -> WorkloadSpec
        {
            WorkloadSpec(
                name: name, count: count,
                flavor: Flavor.named(flavor) ?? Flavor(name: flavor, vcpus: 2, memoryMB: 4096),
                tenant: tenant, haPriority: ha, cluster: c)
        }
        let workload = [
            group("web", n(11_000), "m1.medium", "acme", .high, "general"),
            group("app", n(4_000), "m1.large", "acme", .high, "general"),
            group("db", n(1_000), "db.large", "acme", .critical, "general"),
            group("cache", n(2_700), "m1.medium", "acme", .normal, "general"),
            group("train", n(300), "gpu.training8", "globex", .high, "gpu"),
            group("infer", n(1_000), "gpu.inference", "globex", .normal, "gpu"),
        ]
        var spec = ScenarioSpec(
            name: "r24-\(hosts)", description: "R24 reference run at \(hosts) hosts", seed: seed, duration: duration,
            datacenters: [DatacenterSpec(name: "dc1", clusters: [general, gpu])], workload: workload, timeline: [],
            expectations: [])
        func steady(_ w: WorkloadSpec, days: Double) -> ArrivalProcess {
            let life = UInt64(days * 24 * Double(SimTime.hour))
            return ArrivalProcess(
                workload: w.name, ratePerHour: Double(w.count) / (days * 24), diurnal: 0.3,
                lifetime: .exponential(mean: life))
        }
        spec.processes = ProcessSpec(
            arrivals: [steady(workload[0], days: 7), steady(workload[3], days: 3), steady(workload[5], days: 2)],
            failures: FailurePresets.llama3() + [
                FailureProcess(component: .rackPower, mtbf: 20_000 * SimTime.hour, repair: 2 * SimTime.hour),
                FailureProcess(component: .bmc, mtbf: 50_000 * SimTime.hour, repair: 24 * SimTime.hour),
            ])
        return spec
    }
}
