import CloudMetrics
import CloudTelemetry
import Testing

/// The fleet families come from a plain snapshot, so a live runtime exports the same names and
/// labels as the simulator without running it.
@Suite struct FleetMetricsTests {
    static func host(_ name: String, up: Bool, age: Double?) -> HostSample {
        HostSample(
            name: name, id: "node-\(name)", template: "cpu-2s", cluster: "c1", rack: "r1", bmc: "10.0.0.1", up: up,
            powered: up, heartbeatAgeSeconds: age, cpus: 64, cpusAllocated: 8, memoryBytes: 1024,
            memoryAllocatedBytes: 512,
            cpuUtilizationRatio: 0.25, powerWatts: 260, instances: 2, schedulable: up,
            numa: [
                NUMASample(cpus: 32, cpusAllocated: 8, memoryBytes: 512, memoryAllocatedBytes: 512),
                NUMASample(cpus: 32, cpusAllocated: 0, memoryBytes: 512, memoryAllocatedBytes: 0),
            ])
    }

    static func value(_ families: [MetricFamily], _ name: String, _ labels: [(String, String)]) -> Double? {
        let want = labels.map { "\($0.0)=\($0.1)" }.sorted()
        for f in families where f.name == name {
            for s in f.samples where s.labels.map({ "\($0.0)=\($0.1)" }).sorted() == want {
                if case .scalar(let v) = s.value { return v }
            }
        }
        return nil
    }

    @Test func hostAndNUMAFamiliesFollowTheSnapshot() {
        var s = FleetSnapshot()
        s.hosts = [Self.host("a", up: true, age: 1.5), Self.host("b", up: false, age: nil)]
        let f = FleetMetrics.entityFamilies(s)
        #expect(Self.value(f, "cloudplane_host_up", [("host", "a")]) == 1)
        #expect(Self.value(f, "cloudplane_host_up", [("host", "b")]) == 0)
        #expect(Self.value(f, "cloudplane_host_heartbeat_age_seconds", [("host", "a")]) == 1.5)
        #expect(Self.value(f, "cloudplane_host_heartbeat_age_seconds", [("host", "b")]) == nil, "no heartbeat yet")
        #expect(Self.value(f, "cloudplane_host_numa_cpus_allocated", [("host", "a"), ("numa", "1")]) == 0)
        #expect(Self.value(f, "cloudplane_host_schedulable", [("host", "b")]) == 0)
    }

    @Test func aRunningVMHasUsageCountersAndAStoppedOneHasNone() {
        var s = FleetSnapshot()
        let usage = VMUsage(
            memoryUsedBytes: 10, cpuSeconds: 2.5, diskReadBytes: 1, diskWrittenBytes: 2, receiveBytes: 3,
            transmitBytes: 4)
        s.vms = [
            VMSample(
                id: "inst-1", name: "web", tenant: "t", flavor: "m1", haPriority: "high", host: "a", state: "running",
                vcpus: 2, memoryBytes: 100, usage: usage),
            VMSample(
                id: "inst-2", name: "db", tenant: "t", flavor: "m1", haPriority: "none", host: "", state: "down",
                vcpus: 2, memoryBytes: 100, usage: nil),
        ]
        s.instancesByStatus = [LabeledValue("running", 1), LabeledValue("down", 1)]
        let f = FleetMetrics.entityFamilies(s)
        #expect(Self.value(f, "cloudplane_vm_cpu_seconds", [("vm", "inst-1")]) == 2.5)
        #expect(Self.value(f, "cloudplane_vm_cpu_seconds", [("vm", "inst-2")]) == nil)
        #expect(Self.value(f, "cloudplane_vm_state", [("vm", "inst-2"), ("state", "down")]) == 1)
        #expect(Self.value(f, "cloudplane_instances", [("status", "down")]) == 1)
    }

    @Test func theLatencyHistogramIsCumulativeWithTheOverflowBucketInTheCount() {
        var s = SchedulerSample()
        s.latencyBounds = [0.001, 0.01]
        s.latencyCounts = [2, 3, 4]
        s.placed = 9
        let f = FleetMetrics.schedulerFamilies(s)
        let latency = f.first { $0.name == "cloudplane_scheduler_decision_duration_seconds" }
        guard case .histogram(let buckets, _, let count)? = latency?.samples.first?.value else {
            Issue.record("no histogram sample")
            return
        }
        #expect(buckets.map(\.1) == [2, 5])
        #expect(count == 9)
        #expect(Self.value(f, "cloudplane_scheduler_decisions", [("outcome", "placed")]) == 9)
    }
}
