import CloudControl
import CloudModel
import CloudScheduler
import Testing

@testable import CloudSim

/// The planner's answers against fleets whose answers follow from their shape: whole-host GPU
/// VMs give N+k from the spare hosts, a lost rack's VMs restart when the rest has room, failure
/// rates are units × time / MTBF.
@Suite struct PlanTests {
    /// `hosts` H100×8 hosts over `racks` racks, `vms` 8-GPU training VMs (one fills a host) in
    /// tier `tier`, packed.
    func gpuFleet(hosts: Int, racks: Int, vms: Int, tier: HAPriority = .high) -> ScenarioSpec {
        ScenarioSpec(
            name: "gpu-fleet", seed: 3, duration: 60 * SimTime.second,
            datacenters: [
                DatacenterSpec(
                    name: "dc",
                    clusters: [
                        ClusterSpec(
                            name: "gpu", zone: "z1",
                            hostGroups: [
                                HostGroupSpec(
                                    name: "h100", template: "gpu-h100-sxm8", count: hosts,
                                    racks: (1...racks).map { "r\($0)" })
                            ], policy: ClusterPolicy(name: "gpu", zone: "z1", strategy: .pack))
                    ])
            ],
            workload: [
                WorkloadSpec(
                    name: "train", count: vms, flavor: Flavor(name: "t8", vcpus: 32, memoryMB: 262_144, gpus: 8),
                    tenant: "t", haPriority: tier, cluster: "gpu")
            ], timeline: [], expectations: [])
    }

    @Test(arguments: [(5, 3), (6, 1), (4, 4)])
    func wholeHostGPUVMsAreNPlusTheSpareHosts(_ c: (hosts: Int, vms: Int)) throws {
        let a = try Planner.nPlusK(
            gpuFleet(hosts: c.hosts, racks: 2, vms: c.vms), seed: 1, over: .hosts, tiers: [.critical, .high],
            maxK: c.hosts)
        // k spare hosts absorb k losses; one more leaves a VM without 8 free GPUs
        let expected = c.hosts - c.vms + 1
        #expect(a.smallestK == expected)
        #expect(a.steps.count == expected)
        #expect(a.steps.dropLast().allSatisfy { $0.unplaced == 0 })
        #expect(a.steps.last?.unplaced == 1)
        #expect(a.steps.last?.firstUnplaced?.blocker != .other)
        // the worst order loses occupied hosts first
        #expect(a.steps.last?.lost.count == expected)
    }

    @Test func rackLossesCountWholeRacks() throws {
        // 6 hosts over 3 racks (2 each), 2 VMs: 2 racks lost leave 2 hosts, 3 leave none
        let a = try Planner.nPlusK(
            gpuFleet(hosts: 6, racks: 3, vms: 2), seed: 1, over: .racks, tiers: [.high], maxK: 3)
        #expect(a.smallestK == 3)
        #expect(a.steps.map(\.unplaced) == [0, 0, 2])
    }

    @Test func unprotectedTiersDoNotCount() throws {
        let a = try Planner.nPlusK(
            gpuFleet(hosts: 3, racks: 1, vms: 3, tier: .normal), seed: 1, over: .hosts, tiers: [.critical, .high],
            maxK: 3)
        #expect(a.smallestK == nil)
        #expect(a.steps.count == 3)
    }

    @Test func aLostRackRestartsOnTheRestAndLeavesItsHeadroom() throws {
        let spec = smallSpec()
        let probe = try Simulation(spec: spec, checkers: false)
        let perHost = probe.scheduler.headroom(0).vcpuCapacity
        let vcpus = spec.workload[0].flavor.vcpus * spec.workload[0].count
        let lost = probe.hosts(inRack: "r1")
        _ = consume probe
        let at = 60 * SimTime.second
        let window = 600 * SimTime.second
        let r = try Planner.rackLossRun(spec, hosts: lost, at: at, window: window, seed: 5)
        // the cluster packs: every VM is on cpu-01 (rack r1, with cpu-03); they all run again on
        // cpu-02, the one host left
        #expect(lost == ["cpu-01", "cpu-03"])
        #expect(r.affected == spec.workload[0].count)
        #expect(r.unrestored.isEmpty)
        #expect(r.recoveries.count == r.affected - r.unprotected)
        let cpu = try #require(r.headroom.first { $0.cluster == "cpu" && $0.gpuModel.isEmpty })
        #expect(cpu.vcpuCapacity == 3 * perHost)
        #expect(cpu.vcpus == perHost - vcpus)
        let again = try Planner.rackLossRun(spec, hosts: lost, at: at, window: window, seed: 5)
        #expect(again.traceHash == r.traceHash)
        let answer = Planner.rackLoss(hosts: lost, window: window, runs: [r, again])
        #expect(answer.rtoByTier.reduce(0) { $0 + $1.nanoseconds.count } == 2 * r.recoveries.count)
        #expect(answer.affectedPerSeed == Double(r.affected))
    }

    @Test func failureRatesAreUnitsOverMTBFAndSamplesMeasureTheIncident() throws {
        var spec = smallSpec()
        spec.processes.failures = [
            FailureProcess(component: .host, mtbf: 100 * SimTime.hour, repair: 2 * SimTime.hour),
            FailureProcess(component: .gpu(xid: 79), mtbf: 1_000 * SimTime.hour, repair: 10 * SimTime.hour),
            FailureProcess(component: .gpu(xid: 13), mtbf: 1_000 * SimTime.hour, repair: 10 * SimTime.hour),
        ]
        var scale = FailureRateScale()
        scale.gpu = 2
        let processes = Planner.failureProcesses(spec, scale: scale)
        let (units, gpus) = try Planner.failureUnits(spec, processes)
        #expect(units.map(\.count) == [4, 8, 8])
        #expect(gpus == 8)
        let window = 600 * SimTime.second
        var samples: [[IncidentSample]] = []
        for j in processes.indices {
            samples.append(
                try (1...2).map { s throws(SimulationError) in
                    try Planner.incidentRun(spec, processes[j], unitCount: units[j].count, seed: s, window: window)
                })
        }
        let a = Planner.failureRate(
            processes: processes, units: units, samples: samples, durationDays: 30, fleetGPUs: gpus)
        // 4 hosts × 24 h / 100 h; 8 GPUs × 24 h / (1,000 h / 2)
        #expect(abs(a.rows[0].failuresPerDay - 0.96) < 1e-6)
        #expect(abs(a.rows[1].failuresPerDay - 0.384) < 1e-6)
        // a fatal Xid takes one GPU out for the repair time; an application Xid takes none
        #expect(samples[1].allSatisfy { $0.gpuHoursLost == 10 })
        #expect(samples[2].allSatisfy { $0.gpuHoursLost == 0 && $0.recoveries == 0 })
        // a host failure: every HA VM on it recovers within the window (the others have room)
        for s in samples[0] { #expect(s.recoveries <= s.affected && s.vmHoursLost >= 0) }
        #expect(a.total(\.failuresPerDay) == a.rows.reduce(0) { $0 + $1.failuresPerDay })
    }
}
