import CloudControl
import CloudModel
import CloudScheduler
import CloudSim
import Foundation
import Testing

@testable import CloudScenario

#if canImport(FoundationXML)
    import FoundationXML
#endif

let base = """
    name: t
    duration: 5m
    topology:
      datacenters:
        - name: dc
          clusters:
            - name: c1
              hosts:
                - {name: cpu, template: cpu-2s, count: 3}
                - {name: gpu, template: gpu-l40s-4, count: 1}
    workload:
      - {name: web, count: 4, flavor: m1.large, tenant: acme, ha: high}

    """

func parse(_ tail: String) throws(ScenarioError) -> ScenarioSpec {
    try ScenarioParser.parse(base + tail, file: "x.yaml")
}

@Suite struct ScenarioParserTests {
    @Test func parsesTopologyWorkloadTimelineAndExpectations() throws {
        let spec = try parse(
            """
            seed: 9
            timeline:
              - {at: 90s, power_off: cpu-02}
              - {at: 2m, network_cut: {host: cpu-01, network: storage}}
              - {at: 150s, partition: {network: management, groups: [[cpu-01], [cpu-03, gpu-01]]}}
              - {at: 3m, bmc_fault: {host: cpu-03, mode: false_success}}
              - {at: 200s, gpu_fault: {host: gpu-01, gpu: 3, xid: 79}}
              - {at: 210s, bmc_command: {host: cpu-03, command: power_off}}
              - {at: 4m, heal: all}
            expect:
              - no_violations: true
              - instances: {status: running, min: 2}
            """)
        #expect(spec.seed == 9)
        #expect(spec.duration == 300 * SimTime.second)
        #expect(spec.hostNames == ["cpu-01", "cpu-02", "cpu-03", "gpu-01"])
        #expect(spec.timeline.count == 7)
        #expect(spec.timeline[0] == TimedAction(at: 90 * SimTime.second, action: .powerOff(hosts: ["cpu-02"])))
        #expect(
            spec.timeline[2].action == .partition(network: .management, groups: [["cpu-01"], ["cpu-03", "gpu-01"]]))
        #expect(spec.timeline[4].action == .gpuFault(host: "gpu-01", gpu: 3, xid: 79))
        #expect(spec.timeline[6].action == .heal(host: nil))
        #expect(spec.expectations == [.noViolations, .instances(status: .running, min: 2, max: nil)])
    }

    @Test(arguments: [
        ("timeline:\n  - at: 120s\n    explode: cpu-01\n", 15, "timeline[0].explode", "unknown fault kind 'explode'"),
        ("timeline:\n  - at: -5s\n    power_off: cpu-01\n", 14, "timeline[0].at", "negative time '-5s'"),
        ("timeline:\n  - at: 5s\n    power_off: cpu-99\n", 15, "timeline[0].power_off", "no host named 'cpu-99'"),
        ("timeline:\n  - at: 10m\n    power_off: cpu-01\n", 14, "timeline[0].at", "after the scenario's duration"),
        ("timeline:\n  - at: 5s\n    power_off: [cpu-01\n", 16, "", "malformed YAML"),
        ("timeline:\n  - at: soon\n    power_off: cpu-01\n", 14, "timeline[0].at", "bad duration 'soon'"),
        (
            "timeline:\n  - {at: 5s, gpu_fault: {host: gpu-01, gpu: 4, xid: 79}}\n", 14, "timeline[0].gpu_fault.gpu",
            "outside 0...3"
        ),
        (
            "timeline:\n  - {at: 5s, gpu_fault: {host: cpu-01, gpu: 0, xid: 79}}\n", 14, "timeline[0].gpu_fault.host",
            "has no GPUs"
        ),
        (
            "timeline:\n  - {at: 5s, bmc_fault: {host: cpu-01, mode: sulking}}\n", 14, "timeline[0].bmc_fault.mode",
            "unknown value 'sulking'"
        ),
        (
            "expect:\n  - host_state: {host: cpu-01, state: sleepy}\n", 14, "expect[0].host_state.state",
            "unknown state 'sleepy'"
        ),
        ("colour: blue\n", 13, "colour", "unknown key 'colour'"),
        (
            "settings:\n  ha:\n    fence_levels: [ipmi, storage]\n", 15, "settings.ha.fence_levels",
            "a flat list of methods is ambiguous"
        ),
        (
            "settings:\n  ha:\n    fence_levels: [[ipmi], storage]\n", 15, "settings.ha.fence_levels",
            "a flat list of methods is ambiguous"
        ),

    ])
    func rejectsBadInputNamingLineAndField(tail: String, line: Int, field: String, message: String) {
        do {
            _ = try parse(tail)
            Issue.record("accepted bad input: \(tail)")
        } catch {
            #expect(error.file == "x.yaml")
            #expect(error.line == line, "\(error)")
            #expect(error.field == field, "\(error)")
            #expect(error.description.contains(message), "\(error)")
        }
    }

    /// A duplicate key names the field path of its first occurrence and its line.
    @Test(arguments: [
        (
            "{name: gpu, template: gpu-l40s-4, count: 1}", "{name: gpu, template: gpu-l40s-4, count: 1, count: 2}",
            "topology.datacenters[0].clusters[0].hosts[1].count", 10
        ),
        ("  - {name: web, count: 4", "  - {name: web, tenant: x, count: 4", "workload[0].tenant", 12),
    ])
    func aDuplicateKeyNamesItsFieldPath(find: String, replace: String, field: String, line: Int) {
        let text = base.replacingOccurrences(of: find, with: replace)
        #expect {
            try ScenarioParser.parse(text, file: "d.yaml")
        } throws: { e in
            guard let e = e as? ScenarioError else { return false }
            return e.field == field && e.line == line && e.description.contains("duplicate key")
        }
    }

    @Test(arguments: [
        ("template: cpu-9000", "unknown template 'cpu-9000'"),
        ("flavor: m9.huge", "unknown flavor 'm9.huge'"),
    ])
    func rejectsUnknownCatalogueNames(replace: String, message: String) {
        let text = base.replacingOccurrences(
            of: replace.hasPrefix("template") ? "template: gpu-l40s-4" : "flavor: m1.large", with: replace)
        #expect {
            try ScenarioParser.parse(text, file: "y.yaml")
        } throws: { ($0 as? ScenarioError)?.description.contains(message) == true }
    }

    @Test(arguments: [
        (
            "{name: m, gpus: 1, gpu_mode: mig, vcpus: 2, memory_mb: 1024}", "workload[0].gpu_mode",
            "MIG needs gpu_profile"
        ),
        ("{name: m, vcpus: 2, memory_mb: 1024, nvlink: required}", "workload[0].nvlink", "GPU keys need 'gpus'"),
        ("{name: m, vcpus: 2, memory_mb: 1024, numa: diagonal}", "workload[0].numa", "unknown value 'diagonal'"),
    ])
    func rejectsBadWorkloadKeys(group: String, field: String, message: String) {
        let text = base.replacingOccurrences(
            of: "{name: web, count: 4, flavor: m1.large, tenant: acme, ha: high}", with: group)
        do {
            _ = try ScenarioParser.parse(text, file: "w.yaml")
            Issue.record("accepted \(group)")
        } catch {
            #expect(error.line == 12, "\(error)")
            #expect(error.field == field, "\(error)")
            #expect(error.description.contains(message), "\(error)")
        }
    }

    @Test func workloadKeysShapeTheSchedulerRequest() throws {
        let text = base.replacingOccurrences(
            of: "workload:\n  - {name: web, count: 4, flavor: m1.large, tenant: acme, ha: high}",
            with: """
                workload:
                  - {name: v, vcpus: 2, memory_mb: 4096, gpus: 2, gpu_mode: vgpu, gpu_profile: L40S-12Q, numa: prefer,
                     cpu_policy: dedicated, hugepages: 1G, anti_affinity: {group: g, strength: soft}}
                """)
        let spec = try ScenarioParser.parse(text, file: "w.yaml")
        let r = spec.workload[0].request
        #expect(r.gpu == GPURequest(mode: .vgpu, profile: "L40S-12Q", count: 2, nvlink: .preferred))
        #expect(r.numa == .prefer && r.cpuPolicy == .dedicated && r.hugepages == .size1G)
        #expect(r.groups == [GroupRule(group: "g", kind: .antiAffinity, strength: .soft)])
    }

    @Test func rejectsDuplicateHostNames() {
        let text = base.replacingOccurrences(of: "{name: gpu, template", with: "{name: cpu, template")
        #expect {
            try ScenarioParser.parse(text, file: "y.yaml")
        } throws: { ($0 as? ScenarioError)?.description.contains("generated twice") == true }
    }

    @Test(arguments: [
        ("120s", UInt64(120_000_000_000)), ("2m", 120_000_000_000), ("1.5h", 5_400_000_000_000),
        ("250ms", 250_000_000), ("90", 90_000_000_000), ("0.001s", 1_000_000), ("7ns", 7), ("3us", 3_000),
    ])
    func parsesDurations(text: String, ns: UInt64) {
        #expect(Field.parseDuration(text) == ns)
    }

    @Test(arguments: ["", "s", "1.s", "1..2s", "abc", "1e3s", "99999999999999999999s"])
    func rejectsBadDurations(text: String) {
        #expect(Field.parseDuration(text) == nil)
    }

    @Test func shippedScenariosParse() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../Scenarios")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yaml") }
        #expect(files.contains("demo.yaml"))
        for f in files {
            let text = try String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8)
            let spec = try ScenarioParser.parse(text, file: f)
            #expect(!spec.expectations.isEmpty, "\(f) has no expectations")
        }
    }
}

@Suite struct ScenarioReportTests {
    func demoRun() throws -> CloudScenario.ScenarioRun {
        let spec = try parse(
            "timeline:\n  - {at: 60s, power_off: cpu-02}\nexpect:\n  - no_violations: true\n"
                + "  - fences: {host: cpu-02, count: 2}\n")
        var sim = try Simulation(spec: spec)
        return CloudScenario.ScenarioRun(file: "x.yaml", result: sim.run(), wallSeconds: 0.01)
    }

    @Test func jsonHasTheContractFields() throws {
        let run = try demoRun()
        let text = ScenarioReport.json([run]).serialized()
        let obj = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect(obj?["passed"] as? Bool == false)
        let sc = (obj?["scenarios"] as? [[String: Any]])?.first
        for key in [
            "file", "name", "passed", "seed", "trace_hash", "events", "simulated_seconds", "wall_seconds",
            "rto_seconds", "expectations",
        ] {
            #expect(sc?[key] != nil, "missing \(key)")
        }
        let exps = sc?["expectations"] as? [[String: Any]]
        #expect(exps?.count == 3)  // the two given and the S12 liveness check
        #expect(exps?[2]["name"] as? String == "S12_liveness converged")
        #expect(exps?[1]["passed"] as? Bool == false)
        #expect((exps?[1]["detail"] as? String)?.hasSuffix(" fence(s)") == true)
    }

    @Test func junitHasOneTestcasePerExpectationAndParses() throws {
        let xml = ScenarioReport.junit([try demoRun()])
        let doc = try XMLDocument(xmlString: xml)
        let cases = try doc.nodes(forXPath: "//testcase")
        #expect(cases.count == 5)  // two expectations, S12 liveness, the invariants, the golden log
        #expect(try doc.nodes(forXPath: "//testcase/failure").count == 1)
        #expect(try doc.nodes(forXPath: "//testsuites/@failures").first?.stringValue == "1")
    }
}

@Suite struct OneHAConfigurationTests {
    static let base = """
        name: x
        duration: 1m
        settings:
          unreachable_after: 20s
          ha:
            fence_delay: 30s
        topology:
          datacenters:
            - name: dc1
              clusters:
                - name: c
                  zone: az-1
                  hosts:
                    - {name: cpu, template: cpu-2s, count: 3}
        """

    @Test func theDetectorsTimersAreTheHAConfigurations() throws {
        let yaml = Self.base.replacingOccurrences(of: "  unreachable_after: 20s\n", with: "  unreachable_after: 25s\n")
            .replacingOccurrences(of: "  ha:\n    fence_delay: 30s\n", with: "")
        let spec = try ScenarioParser.parse(yaml, file: "x.yaml")
        #expect(spec.settings.ha.fenceDelayNanoseconds == 25 * SimTime.second)
        #expect(spec.settings.unreachableAfter == spec.settings.ha.fenceDelayNanoseconds)
        #expect(spec.settings.ha.suspectAfterNanoseconds == spec.settings.suspectAfterNanoseconds)
    }

    @Test func fenceDelayAndUnreachableAfterAreOneSetting() {
        #expect(throws: ScenarioError.self) { try ScenarioParser.parse(Self.base, file: "x.yaml") }
        do {
            _ = try ScenarioParser.parse(Self.base, file: "x.yaml")
        } catch {
            #expect(error.description.contains("x.yaml:6"))
            #expect(error.description.contains("fence_delay is settings.unreachable_after"))
        }
    }

    @Test(arguments: ["[ipmi]", "[[ipmi]]"])
    func aSingleMethodIsOneLevel(text: String) throws {
        let spec = try parse("settings:\n  ha:\n    fence_levels: \(text)\n")
        #expect(spec.settings.ha.fenceLevels == [[.ipmi]])
    }

    @Test func seedsAboveTwoToTheSixtyThreePrintUnsignedInJSON() {
        #expect(JSON.object([("seed", .uint(UInt64.max))]).serialized() == #"{"seed":18446744073709551615}"#)
    }
}
