import CloudModel
import Testing

@testable import CloudControl
@testable import CloudSim

/// A small fleet built in code: 3 CPU hosts and one H100 host.
func smallSpec(timeline: [TimedAction] = [], expect: [ScenarioExpectation] = [], seed: UInt64 = 11) -> ScenarioSpec {
    let s = SimTime.second
    return ScenarioSpec(
        name: "small", seed: seed, duration: 300 * s,
        datacenters: [
            DatacenterSpec(
                name: "dc",
                clusters: [
                    ClusterSpec(
                        name: "cpu", zone: "z1",
                        hostGroups: [
                            HostGroupSpec(name: "cpu", template: "cpu-2s", count: 3, racks: ["r1", "r2"])
                        ]),
                    ClusterSpec(
                        name: "gpu", zone: "z1",
                        hostGroups: [
                            HostGroupSpec(name: "gpu", template: "gpu-h100-sxm8", count: 1, racks: ["r3"])
                        ]),
                ])
        ],
        workload: [
            WorkloadSpec(
                name: "vm", count: 9,
                flavor: Flavor.named("m1.large")
                    ?? Flavor(
                        name: "x", vcpus: 1,
                        memoryMB: 64), tenant: "t", haPriority: .high, cluster: "cpu"),
            WorkloadSpec(
                name: "gpuvm", count: 3, flavor: Flavor(name: "g", vcpus: 8, memoryMB: 65536, gpus: 2),
                tenant: "t", haPriority: .normal, cluster: "gpu"),
        ],
        timeline: timeline, expectations: expect)
}

func run(_ spec: ScenarioSpec, seed: UInt64? = nil) throws -> SimulationResult {
    var sim = try Simulation(spec: spec, seed: seed)
    return sim.run()
}

@Suite struct SimulationTests {
    let s = SimTime.second

    @Test func sameSeedSameHashDifferentSeedDifferentHash() throws {
        let spec = smallSpec(timeline: [TimedAction(at: 60 * s, action: .powerOff(hosts: ["cpu-02"]))])
        let a = try run(spec)
        let b = try run(spec)
        let c = try run(spec, seed: 12)
        #expect(a.traceHash == b.traceHash)
        #expect(a.log == b.log)
        #expect(a.traceHash != c.traceHash)
    }

    @Test func powerLossIsDetectedAfterTheUnreachableTimeoutNotBefore() throws {
        let spec = smallSpec(
            timeline: [TimedAction(at: 60 * s, action: .powerOff(hosts: ["cpu-01"]))],
            expect: [.detectedWithin(host: "cpu-01", seconds: 23), .fences(host: "cpu-01", count: 1), .noViolations])
        let r = try run(spec)
        #expect(r.passed, "\(r.expectations)")
        let suspect = r.log.first { $0.contains("'cpu-01'") && $0.contains("=> 'suspect'") }
        let down = r.log.first { $0.contains("'cpu-01'") && $0.contains("=> 'unreachable'") }
        #expect(suspect != nil && down != nil)
        // the dead host is fenced and its instances run again elsewhere
        #expect(r.summary.instanceCounts.first { $0.0 == "running" }?.1 == 12)
        #expect(r.summary.hosts.first { $0.name == "cpu-01" }?.instances == 0)
        #expect(!r.rtoNanoseconds.isEmpty)
    }

    @Test func networkBlipShorterThanSuspectTimeoutChangesNothing() throws {
        let spec = smallSpec(timeline: [
            TimedAction(at: 60 * s, action: .networkCut(host: "cpu-01", network: .management)),
            TimedAction(at: 63 * s, action: .heal(host: "cpu-01")),
        ])
        let r = try run(spec)
        #expect(!r.log.contains { $0.contains("monitor: node 'cpu-01'") })
        #expect(r.summary.hosts.first { $0.name == "cpu-01" }?.health == "online")
    }

    @Test func storageCutDoesNotStopHeartbeatsButPartitionDoes() throws {
        let spec = smallSpec(timeline: [
            TimedAction(at: 30 * s, action: .networkCut(host: "cpu-01", network: .storage)),
            TimedAction(at: 30 * s, action: .partition(network: .management, groups: [["cpu-03"]])),
        ])
        let r = try run(spec)
        let byName = Dictionary(uniqueKeysWithValues: r.summary.hosts.map { ($0.name, $0) })
        #expect(byName["cpu-01"]?.health == "online")
        #expect(byName["cpu-03"]?.health == "unreachable")
        #expect(byName["cpu-03"]?.power == "on")
    }

    @Test func powerOnBootsAndHeartbeatsResume() throws {
        let spec = smallSpec(timeline: [
            TimedAction(at: 10 * s, action: .powerOff(hosts: ["cpu-01"])),
            TimedAction(at: 60 * s, action: .powerOn(hosts: ["cpu-01"])),
        ])
        let r = try run(spec)
        #expect(r.log.contains { $0.contains("'cpu-01': booted") })
        #expect(r.log.contains { $0.contains("'cpu-01': state changed from 'unreachable' => 'online'") })
        #expect(r.summary.hosts.first { $0.name == "cpu-01" }?.health == "online")
    }

    @Test(arguments: [
        (BMCMode.healthy, "BMC power_off success", "off"),  // read back at 40 s, before HA fences it
        (.falseSuccess, "BMC power_off success", "on"),
        (.error, "BMC power_off error", "on"),
        (.timeout, "BMC power_off timeout", "on"),
    ])
    func bmcFaultModes(mode: BMCMode, logLine: String, power: String) throws {
        let spec = smallSpec(timeline: [
            TimedAction(at: 10 * s, action: .bmcFault(host: "cpu-01", mode: mode)),
            TimedAction(at: 20 * s, action: .bmcCommand(host: "cpu-01", command: .powerOff)),
            TimedAction(at: 40 * s, action: .bmcCommand(host: "cpu-01", command: .powerStatus)),
        ])
        let r = try run(spec)
        #expect(r.log.contains { $0.contains(logLine) }, "\(r.log)")
        // the status read-back tells the truth (a lying BMC's host is still on)
        if mode == .healthy || mode == .falseSuccess {
            #expect(r.log.contains { $0.contains("power_status success: \(power)") })
        }
    }

    @Test func sharedPowerBMCIsUnreachableWhileTheHostIsOff() throws {
        let spec = smallSpec(timeline: [
            TimedAction(at: 5 * s, action: .bmcFault(host: "cpu-01", mode: .sharedPower)),
            TimedAction(at: 10 * s, action: .powerOff(hosts: ["cpu-01"])),
            TimedAction(at: 20 * s, action: .bmcCommand(host: "cpu-01", command: .powerStatus)),
        ])
        let r = try run(spec)
        #expect(r.log.contains { $0.contains("BMC power_status timeout") })
    }

    @Test(arguments: [(79, "failed", true), (63, "degraded", false), (13, "healthy", false)])
    func gpuXidFaults(xid: Int, health: String, instanceErrors: Bool) throws {
        let spec = smallSpec(
            timeline: [TimedAction(at: 30 * s, action: .gpuFault(host: "gpu-01", gpu: 0, xid: xid))],
            expect: [
                .gpuHealth(host: "gpu-01", gpu: 0, state: GPUHealth(rawValue: health) ?? .healthy),
                .noViolations,
            ])
        let r = try run(spec)
        #expect(r.passed, "\(r.expectations)")
        // a fatal Xid kills the instance on the GPU; HA restarts it on a healthy GPU
        #expect(r.log.contains { $0.contains("error (lost gpu0)") } == instanceErrors)
        #expect(r.log.contains { $0.contains("state changed from 'started' to 'recovery'") } == instanceErrors)
        #expect(r.summary.instanceCounts.first { $0.0 == "running" }?.1 == 12)
    }

    @Test func everyInstanceIsPlacedWithinCapacity() throws {
        let r = try run(smallSpec(expect: [.instances(status: .running, min: 12, max: 12), .noViolations]))
        #expect(r.passed)
        #expect(r.log.first?.contains("12 of 12 instance(s) placed") == true)
    }

    @Test func unplaceableInstancesArePendingNotDropped() throws {
        var spec = smallSpec()
        spec.workload.append(
            WorkloadSpec(
                name: "huge", count: 2, flavor: Flavor(name: "h", vcpus: 8, memoryMB: 4_000_000),
                tenant: "t", haPriority: .normal, cluster: nil))
        let r = try run(spec)
        #expect(r.summary.instanceCounts.first { $0.0 == "pending" }?.1 == 2)
        #expect(r.log.contains { $0.contains("instance 'huge-01' not placed") })
    }
}

@Suite struct HeartbeatModelTests {
    /// Brute force: enumerate every tick and keep those inside an open interval.
    func bruteForce(phase: UInt64, interval: UInt64, open: [(UInt64, UInt64)], now: UInt64) -> (UInt64?, UInt64) {
        var last: UInt64?
        var count: UInt64 = 0
        var t = phase
        while t <= now {
            if open.contains(where: { t >= $0.0 && t < $0.1 }) {
                last = t
                count += 1
            }
            t += interval
        }
        return (last, count)
    }

    @Test(arguments: [UInt64(0), 1, 999, 1_500])
    func lazyHeartbeatsMatchEnumeratedTicks(phase: UInt64) {
        let interval: UInt64 = 2_000
        let changes: [(UInt64, Bool)] = [(0, true), (7_100, false), (7_500, true), (9_000, false), (20_001, true)]
        var hb = HeartbeatState(phase: phase)
        var open: [(UInt64, UInt64)] = []
        var openSince: UInt64?
        for (t, isOpen) in changes {
            hb.setFlowing(isOpen, now: t, interval: interval)
            if isOpen {
                openSince = t
            } else if let s = openSince {
                open.append((s, t))
                openSince = nil
            }
        }
        for now in stride(from: UInt64(20_001), through: 40_000, by: 777) {
            let intervals = open + [(openSince ?? now, now + 1)]
            let (last, count) = bruteForce(phase: phase, interval: interval, open: intervals, now: now)
            #expect(hb.lastHeartbeat(now: now, interval: interval) == last)
            #expect(hb.count(now: now, interval: interval) == count)
        }
    }
}

@Suite struct HostHealthMonitorTests {
    static func config(heartbeat: UInt64, suspect: UInt64, unreachable: UInt64) -> HAConfig {
        var c = HAConfig()
        c.heartbeatIntervalNanoseconds = heartbeat
        c.suspectAfterNanoseconds = suspect
        c.fenceDelayNanoseconds = unreachable
        c.roundIntervalNanoseconds = 1
        return c
    }

    @Test func hysteresisThenUnreachableThenRecovery() throws {
        var m = HostHealthMonitor(hostCount: 2, config: Self.config(heartbeat: 2, suspect: 6, unreachable: 20))
        #expect(m.evaluate(now: 5, lastHeartbeats: [4, 4]).isEmpty)
        #expect(m.evaluate(now: 10, lastHeartbeats: [4, 10]).isEmpty)  // 6 is not more than 6
        #expect(m.evaluate(now: 11, lastHeartbeats: [4, 10]).map(\.to) == [.suspect])
        #expect(m.evaluate(now: 25, lastHeartbeats: [4, 24]).map(\.to) == [.unreachable])
        #expect(m.unreachableSince[0] == 25)
        let back = m.evaluate(now: 26, lastHeartbeats: [26, 26])
        #expect(back == [HealthTransition(host: 0, from: .unreachable, to: .online, lastHeartbeat: 26)])
    }

    @Test(arguments: [
        (UInt64(2), UInt64(3), UInt64(20), "suspect_after"), (2, 6, 6, "unreachable_after"),
        (0, 6, 20, "heartbeat_interval"),
    ])
    func rejectsTimeoutsThatWouldFlap(hb: UInt64, suspect: UInt64, unreachable: UInt64, field: String) {
        #expect(throws: HAConfigError.self) {
            try Self.config(heartbeat: hb, suspect: suspect, unreachable: unreachable).validate()
        }
        do {
            try Self.config(heartbeat: hb, suspect: suspect, unreachable: unreachable).validate()
        } catch {
            #expect(error.field == field)
        }
    }

    /// The monitor and the HA manager read one detector: the same silence means the same thing.
    @Test(arguments: [UInt64(0), 6, 7, 20, 21, 1000])
    func oneDetectorForTheMonitorAndTheManager(silence: UInt64) {
        let c = Self.config(heartbeat: 2, suspect: 6, unreachable: 20)
        let m = HostHealthMonitor(hostCount: 1, config: c)
        let expected: HostHealth = silence > 20 ? .unreachable : (silence > 6 ? .suspect : .online)
        #expect(m.classify(now: 100 + silence, lastHeartbeat: 100, monitoringSince: 0) == expected)
        #expect(c.health(silenceNanoseconds: silence) == expected)
    }
}
