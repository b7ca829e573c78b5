import Foundation
import Testing

/// Runs the built `cloudplane` binary as a subprocess: the command-line contract as users and CI
/// see it. The binary is `$CLOUDPLANE_BIN` (make test passes the release build) or the debug build.
struct CLI {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static var binary: String {
        if let b = ProcessInfo.processInfo.environment["CLOUDPLANE_BIN"], !b.isEmpty { return b }
        return packageRoot.appendingPathComponent(".build/debug/cloudplane").path
    }

    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String

        var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any]
        }
    }

    /// Runs with `args`; `env` entries set (value) or remove (nil) variables.
    static func run(_ args: [String], env: [String: String?] = [:]) throws -> Output {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw CLIError("cloudplane binary not found at \(binary): build it first (make test does)")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        p.currentDirectoryURL = packageRoot
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Output(
            status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
            stderr: String(decoding: e, as: UTF8.self))
    }
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

func scenario(_ o: CLI.Output) -> [String: Any]? { (o.json?["scenarios"] as? [[String: Any]])?.first }

@Suite(.serialized) struct DeterminismTests {
    @Test func sameSeedSameTraceHashWithAndWithoutDeterministicHashing() throws {
        let args = ["scenario", "run", "Scenarios/demo.yaml", "--format", "json"]
        let a = try CLI.run(args, env: ["SWIFT_DETERMINISTIC_HASHING": nil])
        let b = try CLI.run(args, env: ["SWIFT_DETERMINISTIC_HASHING": nil])
        let c = try CLI.run(args, env: ["SWIFT_DETERMINISTIC_HASHING": "1"])
        #expect(a.status == 0, "\(a.stderr)")
        let hash = scenario(a)?["trace_hash"] as? String
        #expect(hash?.count == 32)
        #expect(hash == scenario(b)?["trace_hash"] as? String)
        #expect(hash == scenario(c)?["trace_hash"] as? String)
        #expect(scenario(a)?["events"] as? Int == scenario(c)?["events"] as? Int)
    }

    @Test func differentSeedsGiveDifferentHashes() throws {
        var hashes = Set<String>()
        for seed in [1, 2, 3] {
            let o = try CLI.run(["scenario", "run", "Scenarios/demo.yaml", "--format", "json", "--seed", "\(seed)"])
            #expect(scenario(o)?["seed"] as? Int == seed)
            if let h = scenario(o)?["trace_hash"] as? String { hashes.insert(h) }
        }
        #expect(hashes.count == 3)
    }
}

@Suite struct ScenarioCommandTests {
    func tempFile(_ name: String, _ text: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cloudplane-cli-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func demoWithTimeline(_ timeline: String) throws -> String {
        let demo = try String(
            contentsOf: CLI.packageRoot.appendingPathComponent("Scenarios/demo.yaml"), encoding: .utf8)
        let head = demo.components(separatedBy: "\ntimeline:")[0]
        return head + "\n" + timeline
    }

    @Test(arguments: [
        ("unknown-kind", "timeline:\n  - at: 120s\n    explode: cpu-03\n", "timeline[0].explode"),
        ("negative-time", "timeline:\n  - at: -5s\n    power_off: cpu-03\n", "timeline[0].at"),
        ("missing-host", "timeline:\n  - at: 5s\n    power_off: cpu-99\n", "timeline[0].power_off"),
        ("malformed", "timeline:\n  - at: 5s\n    power_off: [cpu-01\n", "malformed YAML"),
    ])
    func badInputExitsTwoNamingFileLineAndField(name: String, timeline: String, field: String) throws {
        let path = try tempFile(name + ".yaml", try demoWithTimeline(timeline))
        for verb in ["check", "run"] {
            let o = try CLI.run(["scenario", verb, path])
            #expect(o.status == 2, "\(verb) \(name): \(o.stderr)")
            #expect(o.stderr.contains(path + ":"), "\(o.stderr)")
            #expect(o.stderr.range(of: #"\.yaml:\d+: "#, options: .regularExpression) != nil, "\(o.stderr)")
            #expect(o.stderr.contains(field), "\(o.stderr)")
            #expect(o.stdout.isEmpty)
        }
    }

    @Test func anUnreadableScenarioSaysWhy() throws {
        let o = try CLI.run(["scenario", "run", "/nonexistent/cloudplane.yaml", "Scenarios"])
        #expect(o.status == 2)
        #expect(o.stderr.contains("/nonexistent/cloudplane.yaml: cannot read the file: No such file or directory"))
        #expect(o.stderr.contains("Scenarios: cannot read the file: Is a directory"), "\(o.stderr)")
    }

    @Test func aPassthroughProfileIsRefusedNamingTheLine() throws {
        let text = try String(contentsOfFile: "Scenarios/gpu-sharing.yaml", encoding: .utf8)
        // the first MIG group becomes a passthrough group that still names a profile
        let bad = text.replacingOccurrences(of: "gpu_mode: mig", with: "gpu_mode: passthrough")
        #expect(bad != text)
        let path = try tempFile("passthrough-profile.yaml", bad)
        let o = try CLI.run(["scenario", "check", path])
        #expect(o.status == 2)
        #expect(o.stderr.contains("passthrough takes no gpu_profile"), "\(o.stderr)")
    }

    @Test func unknownOptionExitsTwo() throws {
        let o = try CLI.run(["scenario", "run", "Scenarios/demo.yaml", "--no-such-option"])
        #expect(o.status == 2)
        #expect(o.stderr.contains("--no-such-option"))
    }

    @Test func failedExpectationExitsOneAndWritesJUnit() throws {
        let text = try demoWithTimeline(
            """
            timeline:
              - at: 120s
                power_off: cpu-03
            expect:
              - fences: {host: cpu-03, count: 2}
              - no_violations: true
            """)
        let path = try tempFile("failing.yaml", text)
        let junit = path + ".junit.xml"
        let o = try CLI.run(["scenario", "run", path, "--format", "json", "--junit", junit])
        #expect(o.status == 1)
        #expect(o.json?["passed"] as? Bool == false)
        let exps = scenario(o)?["expectations"] as? [[String: Any]]
        // the two given, then the S12 liveness check every run ends with
        #expect(exps?.map { $0["passed"] as? Bool } == [false, true, true])
        #expect(exps?.last?["name"] as? String == "S12_liveness converged")
        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        #expect(xml.components(separatedBy: "<testcase ").count - 1 == 5)  // 3 expectations, invariants, golden log
        #expect(xml.contains("<failure message=\"1 fence(s)\""))
    }

    @Test func demoPassesAndReportsTheContractFields() throws {
        let o = try CLI.run(["scenario", "run", "Scenarios/demo.yaml", "--format", "json"])
        #expect(o.status == 0)
        let s = scenario(o)
        #expect(s?["passed"] as? Bool == true)
        #expect(s?["simulated_seconds"] as? Int == 600)
        #expect((s?["events"] as? Int ?? 0) > 600)
        let rto = s?["rto_seconds"] as? [String: Any]
        #expect((rto?["p99"] as? Double ?? 999) <= 60)
        #expect((s?["hosts"] as? [Any])?.count == 12)
        let text = try CLI.run(["scenario", "run", "Scenarios/demo.yaml"])
        #expect(text.stdout.contains("node 'cpu-03': power lost"))
        #expect(text.stdout.contains("1 passed, 0 failed"))
    }

    @Test func checkValidatesEveryShippedScenario() throws {
        let files = try FileManager.default.contentsOfDirectory(
            atPath: CLI.packageRoot.appendingPathComponent("Scenarios").path
        ).filter { $0.hasSuffix(".yaml") }.sorted().map { "Scenarios/" + $0 }
        let o = try CLI.run(["scenario", "check", "--format", "json"] + files)
        #expect(o.status == 0, "\(o.stderr)")
        #expect((o.json?["scenarios"] as? [Any])?.count == files.count)
        let run = try CLI.run(["scenario", "run", "--format", "json"] + files)
        #expect(run.status == 0, "\(run.stdout)")
    }
}

@Suite struct BenchCommandTests {
    @Test func benchSimPrintsOneJSONObjectWithTheBaseline() throws {
        let o = try CLI.run([
            "bench", "sim", "--pending", "2000", "--events", "200000", "--runs", "5", "--format",
            "json",
        ])
        #expect(o.status == 0, "\(o.stderr)")
        let j = o.json
        for key in [
            "events_per_second", "pending", "bytes_per_pending_event", "baseline_events_per_second",
            "ratio_to_baseline",
        ] {
            #expect(j?[key] != nil, "missing \(key)")
        }
        #expect(j?["pending"] as? Int == 2000)
        #expect(j?["orders_match"] as? Bool == true)
        #expect((j?["events_per_second_runs"] as? [Any])?.count == 5)
        #expect(j?["queue_growth_bytes_during_run"] as? Int == 0)
    }

    @Test func benchRejectsBadArguments() throws {
        let o = try CLI.run(["bench", "sim", "--pending", "0"])
        #expect(o.status == 2)
        #expect(o.stderr.contains("--pending"))
    }
}

@Suite struct SchedulerCommandTests {
    @Test func explainPlacesAndBreaksDownTheScore() throws {
        let o = try CLI.run([
            "scheduler", "explain", "--scenario", "Scenarios/demo.yaml", "--empty", "--format", "json",
            "--request",
            #"{"vcpus": 16, "memory_mb": 65536, "numa": "prefer", "gpu": {"mode": "mig", "profile": "3g.40gb", "model": "H100-SXM5-80GB"}}"#,
        ])
        #expect(o.status == 0, "\(o.stderr)")
        let j = o.json
        #expect(j?["placed"] as? Bool == true)
        #expect((j?["host"] as? String)?.hasPrefix("h100-") == true)
        let gpus = j?["gpus"] as? [[String: Any]]
        #expect(gpus?.first?["mode"] as? String == "mig")
        #expect([0, 4].contains(gpus?.first?["start_slice"] as? Int ?? -1))
        let score = j?["score"] as? [String: Any]
        let names = (score?["components"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
        #expect(names.contains("preferred_gpu_model"))
        #expect(names.contains("numa_locality"))
        #expect(j?["gave_up"] as? [String] == [])
    }

    @Test func explainRejectionAggregatesReasonsAndExitsOne() throws {
        let o = try CLI.run([
            "scheduler", "explain", "--scenario", "Scenarios/demo.yaml",
            "--request",
            #"{"vcpus": 96, "memory_mb": 65536, "gpu": {"mode": "passthrough", "count": 8, "nvlink": "required"}}"#,
        ])
        #expect(o.status == 1)
        #expect(o.stdout.contains("rejected: 0/12 hosts: 8 no GPUs, 4 fewer than 8 free GPUs"), "\(o.stdout)")
    }

    @Test(arguments: [
        (#"{"vcpus": 8, "memory_mb": 1024, "gpu": {"mode": "mig", "profile": "5g.50gb"}}"#, "field 'gpu.profile'"),
        (#"{"vcpus": 8, "memory_mb": 1024,"#, "malformed JSON"),
        (#"{"profile": "quantum"}"#, "field 'profile'"),
        (#"{"vcpus": 0, "memory_mb": 1024}"#, "field 'vcpus'"),
        (#"{"vcpus": 8, "memory_mb": 1024, "numa": "sideways"}"#, "field 'numa'"),
        (#"{"vcpus": 8, "memory_mb": 1024, "cluster": "moon"}"#, "field 'cluster'"),
        (#"{"vcpus": 8, "memory_mb": 1024, "gpu": {"mode": "passthrough", "count": 9}}"#, "field 'gpu.count'"),
        (
            #"{"vcpus": 8, "memory_mb": 1024, "gpu": {"mode": "vgpu", "profile": "X100-8Q"}}"#,
            "unknown vGPU type 'X100-8Q'"
        ),
        (#"{"vcpus": 8, "memory_mb": 1024, "gpu": {"mode": "mig", "profile": "H100XM-1-10C"}}"#, "field 'gpu.profile'"),
        (#"{"vcpus": 8, "memory_mb": 1024, "gpu": {"mode": "passthrough", "profile": "3g.40gb"}}"#, "takes no profile"),
        (
            #"{"vcpus": 8, "memory_mb": 1024, "gpu": {"mode": "passthrough", "model": "H200-NVL"}}"#,
            "unknown GPU model 'H200-NVL'"
        ),
        (#"{"vcpus": true, "memory_mb": 1024}"#, "expected an integer, found a boolean"),
        (#"{"vcpus": 8, "memory_mb": 1024, "gpu": {"mode": "sriov", "count": 65}}"#, "65 is outside 1...64"),
    ])
    func explainRejectsBadRequestsNamingTheField(request: String, field: String) throws {
        let o = try CLI.run(["scheduler", "explain", "--scenario", "Scenarios/demo.yaml", "--request", request])
        #expect(o.status == 2, "\(o.stdout)")
        #expect(o.stderr.contains(field), "\(o.stderr)")
    }

    @Test func onesAndZerosAreIntegersNotBooleans() throws {
        let o = try CLI.run([
            "scheduler", "explain", "--scenario", "Scenarios/demo.yaml", "--empty", "--format", "json", "--request",
            #"{"vcpus": 1, "memory_mb": 1024, "gpu": {"mode": "passthrough", "count": 1}}"#,
        ])
        #expect(o.status == 0, "\(o.stderr)")
        #expect((o.json?["gpus"] as? [Any])?.count == 1)
    }

    @Test func theNVSwitchScenarioReportsEachInstancesGPUs() throws {
        let o = try CLI.run(["scenario", "run", "Scenarios/gpu-nvswitch-partitions.yaml", "--format", "json"])
        #expect(o.status == 0, "\(o.stderr)")
        let run = (o.json?["scenarios"] as? [[String: Any]])?.first
        let placements = run?["gpu_placements"] as? [[String: Any]] ?? []
        func gpus(_ name: String) -> Set<Int> {
            let p = placements.first { $0["instance"] as? String == name }
            return Set((p?["gpus"] as? [[String: Any]] ?? []).compactMap { $0["gpu"] as? Int })
        }
        // the two halves of the H100 board are the partitions {1-4} and {5-8} (indices 0-3, 4-7)
        #expect(Set([gpus("half-01"), gpus("half-02")]) == Set([Set(0...3), Set(4...7)]))
        #expect(gpus("board-01") == Set(0...7))
        // every 2-GPU gang on the A100 PCIe host got a bridged pair
        for i in 1...4 {
            let g = gpus("pair-0\(i)")
            #expect(g.count == 2 && Set(g.map { $0 / 2 }).count == 1, "pair-0\(i): \(g)")
        }
        let log = (run?["log"] as? [String] ?? []).joined(separator: "\n")
        #expect(log.contains("full-passthrough NVSwitch model has no 2-GPU VMs"))
    }

    @Test func explainNamesTheNVSwitchPartitionItChose() throws {
        let o = try CLI.run([
            "scheduler", "explain", "--scenario", "Scenarios/demo.yaml", "--empty", "--request",
            #"{"vcpus": 8, "memory_mb": 1024, "gpu": {"mode": "passthrough", "count": 4, "nvlink": "required"}}"#,
        ])
        #expect(o.status == 0, "\(o.stderr)")
        #expect(
            o.stdout.contains("NVLink: NVSwitch partition {1,2,3,4} of HGX H100 8-GPU (shared_nvswitch)"), "\(o.stdout)"
        )
    }

    @Test func benchSchedulerReportsTheContractFields() throws {
        let o = try CLI.run(["bench", "scheduler", "--hosts", "200", "--requests", "2000", "--format", "json"])
        #expect(o.status == 0, "\(o.stderr)")
        for key in ["p50_us", "p99_us", "max_us", "decisions_per_second", "gang8_p99_us", "fleet_utilization"] {
            #expect(o.json?[key] != nil, "missing \(key)")
        }
        let u = o.json?["fleet_utilization"] as? Double ?? 0
        #expect(u > 0.7 && u < 0.9)
    }

    @Test func heuristicPacksAtLeast98PercentOfTheExactMode() throws {
        let o = try CLI.run(["bench", "scheduler-quality", "--format", "json"])
        #expect(o.status == 0, "\(o.stderr)")
        #expect(o.json?["exact_complete"] as? Bool == true)
        // the default (keep_boards_whole) packs like the exact mode; partition_first gives
        // NVLink-preferring gangs a partition even when a later whole-board gang then finds no
        // board, so it packs no better
        let ratio = o.json?["ratio"] as? Double ?? 0
        let partitionFirst = o.json?["partition_first_ratio"] as? Double ?? 0
        #expect(ratio >= 0.98, "heuristic/exact = \(ratio)")
        #expect(partitionFirst <= ratio && partitionFirst > 0, "partition_first \(partitionFirst), default \(ratio)")
        #expect((o.json?["cases"] as? Int ?? 0) >= 40)
    }
}

@Suite struct MetricsExportTests {
    /// `promtool check metrics` must accept the simulator's export (lint included). promtool is
    /// installed by `make test`; without it this test fails rather than skips.
    @Test func scenarioMetricsPassPromtool() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cloudplane-\(getpid()).prom").path
        let o = try CLI.run(["scenario", "run", "Scenarios/gpu-sharing.yaml", "--metrics", path, "--format", "json"])
        #expect(o.status == 0, "\(o.stderr)")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("cloudplane_instances{status=\"error\"} 0\n"))
        #expect(text.contains("cloudplane_instances{status=\"running\"} 15\n"))
        // GPUs carry DCGM's labels: gpu (the index), UUID, Hostname, and host as our other families
        let lines = text.split(separator: "\n")
        let info = lines.first { $0.hasPrefix("cloudplane_gpu_info{") && $0.contains("gpu=\"0\",host=\"h100-01\"") }
        let uuid = try #require(
            info.flatMap { $0.firstRange(of: "UUID=\"") }.map { r in
                String(info?[r.upperBound...].prefix { $0 != "\"" } ?? "")
            })
        let l = "Hostname=\"h100-01\",UUID=\"\(uuid)\",gpu=\"0\",host=\"h100-01\""
        #expect(text.contains("cloudplane_gpu_healthy{\(l)} 0\n"), "\(l)")
        // Xid 79 is fatal: one in that class, none in the others
        // labels render sorted: class between UUID and gpu
        let xid = { (c: String) in "Hostname=\"h100-01\",UUID=\"\(uuid)\",class=\"\(c)\",gpu=\"0\",host=\"h100-01\"" }
        #expect(text.contains("cloudplane_gpu_xid_errors_total{\(xid("fatal"))} 1\n"))
        #expect(text.contains("cloudplane_gpu_xid_errors_total{\(xid("application"))} 0\n"))
        #expect(lines.filter { $0.hasPrefix("cloudplane_gpu_xid_errors_total{") && $0.hasSuffix(" 1") }.count == 1)
        let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
        let tool = try #require(promtool, "promtool not found: make test installs Debian's prometheus package")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = ["check", "metrics"]
        let input = Pipe()
        let err = Pipe()
        p.standardInput = input
        p.standardError = err
        p.standardOutput = err
        try p.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let lint = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        // the only lint finding allowed: DCGM's camelCase label names (UUID, Hostname,
        // modelName) on the GPU info family; promtool exits 3 for lint findings
        let findings = lint.split(separator: "\n").filter {
            !$0.hasSuffix("label names should be written in 'snake_case' not 'camelCase'")
                || !$0.hasPrefix("cloudplane_gpu")
        }
        #expect(findings.isEmpty, "promtool: \(lint)")
        #expect([0, 3].contains(p.terminationStatus), "promtool: \(lint)")
    }

    @Test func metricsNeedExactlyOneScenario() throws {
        let o = try CLI.run([
            "scenario", "run", "Scenarios/demo.yaml", "Scenarios/network-blip.yaml", "--metrics", "/tmp/x.prom",
        ])
        #expect(o.status == 2)
        #expect(o.stderr.contains("--metrics takes exactly one scenario file"))
    }
}

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

@Suite struct ServeCommandTests {
    /// Starts `cloudplane serve` on a free loopback port, scrapes it like Prometheus would, and
    /// stops it with SIGTERM.
    @Test func serveAnswersHealthzAndMetricsThenStopsOnSigterm() async throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binary)
        let data = FileManager.default.temporaryDirectory.appendingPathComponent(
            "cloudplane-serve-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        p.arguments = ["serve", "--listen", "127.0.0.1:0", "--speed", "100", "--data-dir", data.path]
        p.currentDirectoryURL = CLI.packageRoot
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { p.terminate() } }
        var seen = ""
        var port: Int?
        let deadline = Date().addingTimeInterval(60)
        while port == nil && Date() < deadline {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
            if let r = seen.range(of: #"listening on http://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                port = Int(seen[r].split(separator: ":").last ?? "")
            }
        }
        let bound = try #require(port, "no 'listening on' line: \(seen)")
        let session = URLSession(configuration: .ephemeral)
        let (hbody, hresp) = try await session.data(from: URL(string: "http://127.0.0.1:\(bound)/healthz")!)
        #expect((hresp as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: hbody, as: UTF8.self) == "ok\n")
        var req = URLRequest(url: URL(string: "http://127.0.0.1:\(bound)/metrics")!)
        req.setValue(
            "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5", forHTTPHeaderField: "Accept")
        let (mbody, mresp) = try await session.data(for: req)
        let http = try #require(mresp as? HTTPURLResponse)
        #expect(
            http.value(forHTTPHeaderField: "Content-Type")
                == "application/openmetrics-text; version=1.0.0; charset=utf-8")
        let text = String(decoding: mbody, as: UTF8.self)
        #expect(text.hasSuffix("# EOF\n"))
        #expect(text.contains("cloudplane_host_up{host=\"cpu-03\"}"))
        let (tbody, tresp) = try await session.data(from: URL(string: "http://127.0.0.1:\(bound)/metrics")!)
        #expect(
            (tresp as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Type")
                == "text/plain; version=0.0.4; charset=utf-8")
        #expect(String(decoding: tbody, as: UTF8.self).contains("# TYPE cloudplane_sim_events_total counter"))
        var zipped = URLRequest(url: URL(string: "http://127.0.0.1:\(bound)/metrics")!)
        zipped.setValue("gzip", forHTTPHeaderField: "Accept-Encoding")
        let (zbody, zresp) = try await session.data(for: zipped)
        #expect((zresp as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Encoding") == "gzip")
        #expect(String(decoding: zbody, as: UTF8.self).contains("cloudplane_host_up"))  // decoded by the client
        p.terminate()  // SIGTERM: a graceful shutdown
        p.waitUntilExit()
        #expect(p.terminationReason == .exit)
        #expect(p.terminationStatus == 0)
    }
}
