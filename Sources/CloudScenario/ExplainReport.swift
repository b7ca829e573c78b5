import CloudModel
import CloudScheduler

/// Renders a scheduling decision for `cloudplane scheduler explain`.
public enum ExplainReport {
    public static func describe(_ r: ResourceRequest) -> String {
        var parts = ["\(r.vcpus) \(r.cpuPolicy.rawValue) vCPUs", "\(grouped(r.memoryMB)) MB"]
        if r.hugepages != .none { parts.append("\(r.hugepages.rawValue) hugepages") }
        if r.numa != .none { parts.append("NUMA \(r.numa.rawValue)") }
        if let c = r.cluster { parts.append("cluster \(c)") }
        if let z = r.zone { parts.append("zone \(z)") }
        if let g = r.gpu {
            var gp = "GPU \(g.mode.rawValue)" + (g.profile.map { " \($0)" } ?? "") + " ×\(g.count)"
            if g.nvlink != .none { gp += " NVLink \(g.nvlink.rawValue)" }
            if let m = g.model { gp += " prefer \(m)" }
            parts.append(gp)
        }
        return parts.joined(separator: ", ")
    }

    static func numaLine(_ a: NUMAAllocation) -> String {
        var parts: [String] = []
        if a.dedicatedCPUs > 0 { parts.append("\(a.dedicatedCPUs) pinned CPUs") }
        if a.sharedVCPUs > 0 { parts.append("\(a.sharedVCPUs) shared vCPUs") }
        if a.memoryMB > 0 { parts.append("\(grouped(a.memoryMB)) MB memory") }
        if a.huge2M > 0 { parts.append("\(a.huge2M) × 2M hugepages") }
        if a.huge1G > 0 { parts.append("\(a.huge1G) × 1G hugepages") }
        return "NUMA node \(a.node): " + parts.joined(separator: ", ")
    }

    public static func text(_ d: Decision, request r: ResourceRequest, scheduler s: Scheduler) -> String {
        var out = "request: \(describe(r))\n"
        switch d {
        case .rejected(let why):
            out += "rejected: \(why)\n"
        case .placed(let p):
            let host = s.hosts[p.claim.host]
            let policy = s.policies[host.cluster]
            out +=
                "placed on \(p.hostName) (cluster \(policy.name), zone \(policy.zone), "
                + "\(p.candidatesEvaluated) feasible host(s) compared)\n"
            for a in p.claim.numa { out += "  \(numaLine(a))\n" }
            for g in p.claim.gpus {
                out += "  \(g) on \(host.gpus[g.gpu].model), NUMA node \(host.gpus[g.gpu].numaNode)\n"
            }
            if let modules = p.nvswitchPartition, let fabric = host.nvswitchFabric {
                let list = modules.map(String.init).joined(separator: ",")
                out += "  NVLink: NVSwitch partition {\(list)} of \(fabric.board) (\(policy.nvswitchModel.rawValue))\n"
            }
            let parts = p.score.map { "\($0.0) \($0.1 >= 0 ? "+" : "")\(grouped($0.1))" }
            out += "  score \(grouped(p.totalScore)) = " + parts.joined(separator: ", ") + "\n"
            if !p.gaveUp.isEmpty { out += "  gave up: " + p.gaveUp.joined(separator: ", ") + "\n" }
        }
        return out
    }

    public static func json(_ d: Decision, request r: ResourceRequest, scheduler s: Scheduler) -> JSON {
        switch d {
        case .rejected(let why):
            return .object([
                ("placed", .bool(false)), ("request", .string(describe(r))), ("hosts", .int(Int64(why.hosts))),
                (
                    "reasons",
                    .array(
                        why.reasons.map {
                            .object([("reason", .string($0.0.description)), ("hosts", .int(Int64($0.1)))])
                        })
                ),
                ("summary", .string(why.description)),
            ])
        case .placed(let p):
            let host = s.hosts[p.claim.host]
            return .object([
                ("placed", .bool(true)), ("request", .string(describe(r))), ("host", .string(p.hostName)),
                ("cluster", .string(s.policies[host.cluster].name)),
                (
                    "numa",
                    .array(
                        p.claim.numa.map { a in
                            .object([
                                ("node", .int(Int64(a.node))), ("dedicated_cpus", .int(Int64(a.dedicatedCPUs))),
                                ("shared_vcpus", .int(Int64(a.sharedVCPUs))), ("memory_mb", .int(Int64(a.memoryMB))),
                                ("hugepages_2m", .int(Int64(a.huge2M))), ("hugepages_1g", .int(Int64(a.huge1G))),
                            ])
                        })
                ),
                ("gpus", .array(p.claim.gpus.map { gpuJSON($0, host) })),
                (
                    "score",
                    .object([
                        ("total", .int(Int64(p.totalScore))),
                        (
                            "components",
                            .array(p.score.map { .object([("name", .string($0.0)), ("points", .int(Int64($0.1)))]) })
                        ),
                    ])
                ),
                ("gave_up", .array(p.gaveUp.map { .string($0) })),
                ("nvswitch_partition", p.nvswitchPartition.map { .array($0.map { .int(Int64($0)) }) } ?? .null),
                ("candidates_evaluated", .int(Int64(p.candidatesEvaluated))),
            ])
        }
    }

    static func gpuJSON(_ a: GPUAllocation, _ host: HostState) -> JSON {
        var fields: [(String, JSON)] = [
            ("gpu", .int(Int64(a.gpu))), ("model", .string(host.gpus[a.gpu].model)),
            ("numa_node", .int(Int64(host.gpus[a.gpu].numaNode))),
        ]
        switch a {
        case .passthrough: fields.append(("mode", .string("passthrough")))
        case .vfs(_, let n): fields += [("mode", .string("sriov")), ("vfs", .int(Int64(n)))]
        case .vgpu(_, let t, let n):
            fields += [("mode", .string("vgpu")), ("type", .string(t)), ("count", .int(Int64(n)))]
        case .vgpuMixed(_, let t, let n, _):
            fields += [("mode", .string("vgpu_mixed")), ("type", .string(t)), ("count", .int(Int64(n)))]
        case .mig(_, let p, let start):
            fields += [("mode", .string("mig")), ("profile", .string(p)), ("start_slice", .int(Int64(start)))]
        }
        return .object(fields)
    }
}
