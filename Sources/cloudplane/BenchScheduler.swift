import ArgumentParser
import CloudBench
import CloudScenario
import CloudScheduler

struct BenchScheduler: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler",
        abstract: "Placement latency on the reference fleet kept about 80% full by departures.")

    @Option(help: "Hosts in the fleet (half CPU, half GPU).") var hosts: Int = 10_000
    @Option(help: "Measured placement decisions.") var requests: Int = 200_000
    @Option(help: "Feasible hosts evaluated per decision.") var maxCandidates: Int = 8
    @Option(help: "Target fleet utilization kept by departures, percent.") var targetPercent: Int = 80
    @Option(help: "Seed of the fleet and the request stream.") var seed: UInt64 = 1
    @Option(help: "Gang placement of the GPU cluster: partition_first or keep_boards_whole.")
    var gangPlacement: String = ClusterPolicy.GangPlacement.keepBoardsWhole.rawValue
    @Option(help: "text or json.") var format: OutputFormat = .text

    func validate() throws {
        guard ClusterPolicy.GangPlacement(rawValue: gangPlacement) != nil else {
            throw ValidationError(
                "--gang-placement must be partition_first or keep_boards_whole, got '\(gangPlacement)'")
        }
        guard (1...200_000).contains(hosts) else { throw ValidationError("--hosts must be 1...200000") }
        guard requests >= 1 else { throw ValidationError("--requests must be at least 1") }
        guard (1...99).contains(targetPercent) else { throw ValidationError("--target-percent must be 1...99") }
    }

    func run() throws {
        var s = ReferenceWorkload.fleet(
            hosts: hosts, seed: seed, maxCandidates: maxCandidates,
            gangPlacement: ClusterPolicy.GangPlacement(rawValue: gangPlacement) ?? .keepBoardsWhole)
        var rng = WorkloadRNG(seed: seed &+ 1)
        var load = FleetLoad(s)
        // warm-up: fill to the target without measuring
        var guardSteps = 0
        while load.utilization < Double(targetPercent) / 100 && guardSteps < hosts * 40 {
            guardSteps += 1
            let r = ReferenceWorkload.request(&rng)
            if case (.placed(let p), let id?) = s.place(r) { load.add(id, p.claim, s) }
        }
        let clock = ContinuousClock()
        var latencies: [Int64] = []
        var gang: [Int64] = []
        latencies.reserveCapacity(requests)
        var rejected = 0
        var total: Duration = .zero
        var slowest: (ns: Int64, index: Int, request: String, rejected: Bool)?
        for i in 0..<requests {
            while load.utilization > Double(targetPercent) / 100, let id = load.randomClaim(&rng) {
                if let c = s.claim(id) { load.remove(id, c, s) }
                try s.release(id)
            }
            let r = i % 50 == 49 ? ReferenceWorkload.gang8() : ReferenceWorkload.request(&rng)
            let start = clock.now
            let (d, id) = s.place(r)
            let took = clock.now - start
            total += took
            let ns = nanoseconds(took)
            latencies.append(ns)
            if ns > (slowest?.ns ?? 0) { slowest = (ns, i, describe(r), d.placement == nil) }
            if r.gpu?.count == 8 { gang.append(ns) }
            if case .placed(let p) = d, let id { load.add(id, p.claim, s) } else { rejected += 1 }
        }
        let probes = measureRejections(&s, clock)
        let sorted = latencies.sorted()
        let gangSorted = gang.sorted()
        let report = JSON.object([
            ("benchmark", .string("scheduler")),
            ("hosts", .int(Int64(hosts))), ("requests", .int(Int64(requests))),
            ("max_candidates", .int(Int64(maxCandidates))), ("gang_placement", .string(gangPlacement)),
            ("p50_us", JSON.rounded(pct(sorted, 50), 2)), ("p99_us", JSON.rounded(pct(sorted, 99), 2)),
            ("max_us", JSON.rounded(Double(sorted.last ?? 0) / 1000, 2)),
            ("decisions_per_second", .int(Int64(Double(requests) / seconds(total)))),
            ("gang8_p50_us", JSON.rounded(pct(gangSorted, 50), 2)),
            ("gang8_p99_us", JSON.rounded(pct(gangSorted, 99), 2)),
            ("gang8_requests", .int(Int64(gang.count))),
            ("rejected", .int(Int64(rejected))),
            ("explained_rejection_p50_us", JSON.rounded(pct(probes, 50), 2)),
            ("explained_rejection_max_us", JSON.rounded(Double(probes.last ?? 0) / 1000, 2)),
            ("fleet_utilization", JSON.rounded(load.utilization, 3)),
            ("cpu_utilization", JSON.rounded(load.cpuUtilization, 3)),
            ("gpu_utilization", JSON.rounded(load.gpuUtilization, 3)),
            ("live_claims", .int(Int64(s.claimCount))),
            (
                "slowest",
                .object([
                    ("us", JSON.rounded(Double(slowest?.ns ?? 0) / 1000, 2)),
                    ("decision", .int(Int64(slowest?.index ?? 0))),
                    ("request", .string(slowest?.request ?? "")), ("rejected", .bool(slowest?.rejected ?? false)),
                ])
            ),
        ])
        print(format == .json ? report.serialized() : report.pretty())
    }

    /// Rejections evaluate every host to explain themselves: times 20 of them on the full fleet.
    func measureRejections(_ s: inout Scheduler, _ clock: ContinuousClock) -> [Int64] {
        var probes: [Int64] = []
        let impossible = ResourceRequest(
            vcpus: 8, memoryMB: 8192, cluster: "gpu",
            gpu: GPURequest(mode: .vgpu, profile: "L40S-48Q", count: 64))
        for _ in 0..<20 {
            let start = clock.now
            let d = s.decide(impossible)
            let took = clock.now - start
            precondition(d.rejection != nil, "the probe request must be rejected")
            probes.append(nanoseconds(took))
        }
        return probes.sorted()
    }

    func describe(_ r: ResourceRequest) -> String {
        guard let g = r.gpu else { return "cpu \(r.vcpus) vCPU \(r.cpuPolicy.rawValue)" }
        return "\(g.mode.rawValue) \(g.profile ?? "") x\(g.count) nvlink \(g.nvlink.rawValue)"
    }

    func pct(_ sorted: [Int64], _ p: Int) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return Double(sorted[min(sorted.count - 1, sorted.count * p / 100)]) / 1000
    }
}

/// Fleet use tracked from claims: logical CPUs and GPU compute (a whole GPU counts 7 slices).
struct FleetLoad {
    let cpuCapacity: Double
    let gpuCapacity: Double
    var cpuUsed = 0.0
    var gpuUsed = 0.0
    var live: [ClaimID] = []
    var position: [ClaimID: Int] = [:]

    init(_ s: Scheduler) {
        cpuCapacity = Double(s.hosts.reduce(0) { $0 + $1.cpuCount })
        gpuCapacity = Double(s.hosts.reduce(0) { $0 + $1.gpus.count * 7 })
    }

    var cpuUtilization: Double { cpuUsed / max(cpuCapacity, 1) }
    var gpuUtilization: Double { gpuUsed / max(gpuCapacity, 1) }
    /// The busier of CPU and GPU: departures keep it at the target.
    var utilization: Double { max(cpuUtilization, gpuUtilization) }

    func cost(_ c: Claim, _ s: Scheduler) -> (Double, Double) {
        let ratio = Double(s.policies[s.hosts[c.host].cluster].cpuOvercommitPercent) / 100
        let cpu = c.numa.reduce(0.0) { $0 + Double($1.dedicatedCPUs) + Double($1.sharedVCPUs) / ratio }
        let gpu = c.gpus.reduce(0.0) { acc, a in
            let g = s.hosts[c.host].gpus[a.gpu]
            switch a {
            case .passthrough: return acc + 7
            case .mig(_, let p, _): return acc + Double(MIGProfile.named(p)?.computeSlices ?? 1)
            case .vgpu(_, let t, let n), .vgpuMixed(_, let t, let n, _):
                return acc + 7 * Double(n * (VGPUType(t)?.framebufferGB ?? 0)) / Double(max(g.nominalGB, 1))
            case .vfs(_, let n): return acc + 7 * Double(n) / Double(max(g.sriovVFs, 1))
            }
        }
        return (cpu, gpu)
    }

    mutating func add(_ id: ClaimID, _ c: Claim, _ s: Scheduler) {
        let (cpu, gpu) = cost(c, s)
        cpuUsed += cpu
        gpuUsed += gpu
        position[id] = live.count
        live.append(id)
    }

    mutating func remove(_ id: ClaimID, _ c: Claim, _ s: Scheduler) {
        let (cpu, gpu) = cost(c, s)
        cpuUsed -= cpu
        gpuUsed -= gpu
        guard let i = position[id] else { return }
        let last = live.removeLast()
        if i < live.count {
            live[i] = last
            position[last] = i
        }
        position[id] = nil
    }

    func randomClaim(_ rng: inout WorkloadRNG) -> ClaimID? {
        live.isEmpty ? nil : live[rng.below(live.count)]
    }
}

struct BenchSchedulerQuality: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scheduler-quality",
        abstract: "Packing quality of the heuristic against the exact mode on a seeded corpus.")

    @Option(help: "Corpus cases.") var cases: Int = 40
    @Option(help: "Hosts per case.") var hosts: Int = 3
    @Option(help: "Requests per case.") var requests: Int = 10
    @Option(help: "First seed.") var seed: UInt64 = 1
    @Option(help: "text or json.") var format: OutputFormat = .text
    @Flag(help: "Print each case's requests and totals to stderr.") var verbose = false

    func run() throws {
        var heuristic = 0
        var partitionFirst = 0
        var exact = 0
        var complete = true
        var nodes = 0
        var worst = 1.0
        for c in 0..<cases {
            let (base, reqs) = ReferenceWorkload.qualityCase(seed: seed &+ UInt64(c), hosts: hosts, requests: requests)
            var online = base
            var placed = 0
            var trail: [String] = []
            for r in reqs {
                let (d, id) = online.place(r)
                if id != nil { placed += r.gpuWeightedSize }
                if case .placed(let p) = d {
                    trail.append(p.hostName + ":" + p.claim.gpus.map(\.description).joined(separator: "+"))
                } else {
                    trail.append("rejected")
                }
            }
            let best = ExactPlacer.optimum(base, reqs)
            partitionFirst += Self.placedWeight(base, reqs, gangPlacement: .partitionFirst)
            heuristic += placed
            exact += best.weight
            nodes += best.nodes
            complete = complete && best.complete
            if best.weight > 0 { worst = min(worst, Double(placed) / Double(best.weight)) }
            if verbose {
                printError(
                    "case \(c): heuristic \(placed) exact \(best.weight) hosts "
                        + base.hosts.map(\.name).joined(separator: ",") + " requests "
                        + reqs.map { r in r.gpu.map { "\($0.mode.rawValue):\($0.profile ?? "")x\($0.count)" } ?? "cpu" }
                        .joined(separator: " ") + "\n  heuristic: " + trail.joined(separator: " | "))
            }
        }
        let report = JSON.object([
            ("benchmark", .string("scheduler-quality")), ("cases", .int(Int64(cases))),
            ("hosts", .int(Int64(hosts))), ("requests", .int(Int64(requests))),
            ("heuristic_weight", .int(Int64(heuristic))), ("exact_weight", .int(Int64(exact))),
            ("ratio", JSON.rounded(exact > 0 ? Double(heuristic) / Double(exact) : 1, 4)),
            ("partition_first_weight", .int(Int64(partitionFirst))),
            ("partition_first_ratio", JSON.rounded(exact > 0 ? Double(partitionFirst) / Double(exact) : 1, 4)),
            ("worst_case_ratio", JSON.rounded(worst, 4)),
            ("exact_complete", .bool(complete)), ("exact_nodes", .int(Int64(nodes))),
        ])
        print(format == .json ? report.serialized() : report.pretty())
    }

    /// The weight the heuristic places on `base` with the cluster's gang placement set to `mode`.
    static func placedWeight(
        _ base: Scheduler, _ reqs: [ResourceRequest], gangPlacement mode: ClusterPolicy.GangPlacement
    )
        -> Int
    {
        var policies = base.policies
        for i in policies.indices { policies[i].gangPlacement = mode }
        var s = Scheduler(hosts: base.hosts, policies: policies, maxCandidates: base.maxCandidates)
        var placed = 0
        for r in reqs where s.place(r).1 != nil { placed += r.gpuWeightedSize }
        return placed
    }
}
