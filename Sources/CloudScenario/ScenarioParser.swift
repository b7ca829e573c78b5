import CloudControl
import CloudModel
import CloudSim
import Yams

/// Reads scenario YAML into a validated `ScenarioSpec`. Every error names file, line and field.
public enum ScenarioParser {
    static let topKeys = [
        "name", "description", "seed", "duration", "settings", "topology", "workload", "timeline",
        "expect", "tenants", "processes",
    ]

    /// Parses `text`; `file` is used in error messages.
    public static func parse(_ text: String, file: String) throws(ScenarioError) -> ScenarioSpec {
        let root: Yams.Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ScenarioError(file: file, line: nil, field: "", message: "the file is empty")
            }
            root = node
        } catch let e as ScenarioError {
            throw e
        } catch {
            throw yamlError(error, file: file, text: text)
        }
        let top = try Field(node: root, path: "", file: file).mapping(allowed: topKeys)
        func required(_ k: String) throws(ScenarioError) -> Field {
            guard let f = top[k] else {
                throw ScenarioError(file: file, line: root.mark?.line, field: k, message: "required key is missing")
            }
            return f
        }
        let name = try required("name").string()
        let duration = try required("duration").duration()
        guard duration > 0 else { throw try required("duration").fail("duration must be positive") }
        let seed = try top["seed"]?.uint64() ?? 1
        let settings = try top["settings"].map { f throws(ScenarioError) in try parseSettings(f) } ?? SimSettings()
        let datacenters = try parseTopology(try required("topology"))
        let hostNames = datacenters.hostNames
        let clusterNames = datacenters.flatMap { $0.clusters.map(\.name) }
        var workload: [WorkloadSpec] = []
        for f in try top["workload"]?.sequence() ?? [] {
            workload.append(try parseWorkload(f, clusters: clusterNames, hosts: Set(hostNames)))
        }
        let context = try Context(
            datacenters: datacenters, hostNames: hostNames, duration: duration,
            vmNames: workload.flatMap { w in (0..<w.count).map { HostGroupSpec.hostName(w.name, $0 + 1) } })
        var timeline: [TimedAction] = []
        for f in try top["timeline"]?.sequence() ?? [] { timeline.append(contentsOf: try parseTimed(f, context)) }
        timeline = timeline.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(
            \.element)
        var expectations: [ScenarioExpectation] = []
        for f in try top["expect"]?.sequence() ?? [] { expectations.append(try parseExpectation(f, context)) }
        var spec = ScenarioSpec(
            name: name, description: try top["description"]?.string() ?? "", seed: seed, duration: duration,
            settings: settings, datacenters: datacenters, workload: workload, timeline: timeline,
            expectations: expectations)
        spec.tenants = try top["tenants"].map { f throws(ScenarioError) in try parseTenants(f) } ?? []
        spec.processes =
            try top["processes"].map { f throws(ScenarioError) in
                try parseProcesses(f, workload: workload, clusters: clusterNames)
            } ?? ProcessSpec()
        return spec
    }

    /// `tenants: [{name: acme, quota: {vcpus: 256, memory_gb: 1024, gpus: 8, instances: 100}}]`
    static func parseTenants(_ f: Field) throws(ScenarioError) -> [TenantSpec] {
        var out: [TenantSpec] = []
        for item in try f.sequence() {
            let m = try item.mapping(allowed: ["name", "quota"])
            guard let nameField = m["name"] else { throw item.fail("required key 'name' is missing") }
            let name = try nameField.string()
            if out.contains(where: { $0.name == name }) { throw nameField.fail("tenant '\(name)' is listed twice") }
            var t = TenantSpec(name: name)
            if let q = m["quota"] {
                let qm = try q.mapping(allowed: ["vcpus", "memory_gb", "gpus", "instances"])
                func limit(_ k: String) throws(ScenarioError) -> Int? {
                    guard let v = qm[k] else { return nil }
                    let n = try v.int()
                    guard n >= 0 else { throw v.fail("a quota must not be negative, got \(n)") }
                    return n
                }
                t.vcpus = try limit("vcpus")
                t.memoryGB = try limit("memory_gb")
                t.gpus = try limit("gpus")
                t.instances = try limit("instances")
            }
            out.append(t)
        }
        return out
    }

    static func yamlError(_ error: any Error, file: String, text: String = "") -> ScenarioError {
        if let y = error as? YamlError {
            switch y {
            case .scanner(let ctx, let problem, let mark, _), .parser(let ctx, let problem, let mark, _),
                .composer(let ctx, let problem, let mark, _):
                let context = ctx.map { " (\($0.text))" } ?? ""
                return ScenarioError(
                    file: file, line: mark.line, field: "", message: "malformed YAML: \(problem)\(context)")
            case .duplicatedKeysInMapping(let duplicates, let ctx):
                let keys = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
                let key = duplicates.sorted().first ?? ""
                return ScenarioError(
                    file: file, line: ctx.mark.line,
                    field: duplicatePath(text, key: key, line: ctx.mark.line, column: ctx.mark.column) ?? key,
                    message: "duplicate key \(keys)")
            case .reader(let problem, _, _, _):
                return ScenarioError(file: file, line: nil, field: "", message: "malformed YAML: \(problem)")
            default:
                return ScenarioError(file: file, line: nil, field: "", message: "malformed YAML")
            }
        }
        return ScenarioError(file: file, line: nil, field: "", message: "malformed YAML: \(error)")
    }

    /// Names known to the topology, for checking references.
    struct Context {
        let hostNames: Set<String>
        let hostGPUs: [String: Int]
        let duration: UInt64
        let vmNames: Set<String>
        /// Host names by rack, in host order.
        let rackHosts: [String: [String]]

        init(
            datacenters: [DatacenterSpec], hostNames: [String], duration: UInt64, vmNames: [String]
        )
            throws(ScenarioError)
        {
            self.hostNames = Set(hostNames)
            self.vmNames = Set(vmNames)
            var gpus: [String: Int] = [:]
            var racks: [String: [String]] = [:]
            for dc in datacenters {
                for c in dc.clusters {
                    for g in c.hostGroups {
                        let n = HardwareTemplate.named(g.template)?.gpuCount ?? 0
                        for h in g.hostNames { gpus[h] = n }
                        for (h, r) in zip(g.hostNames, g.hostRacks) { racks[r, default: []].append(h) }
                    }
                }
            }
            hostGPUs = gpus
            rackHosts = racks
            self.duration = duration
        }

        func host(_ f: Field) throws(ScenarioError) -> String {
            let name = try f.string()
            guard hostNames.contains(name) else {
                throw f.fail("no host named '\(name)' (hosts are named like '\(hostNames.sorted().first ?? "?")')")
            }
            return name
        }

        func vm(_ f: Field) throws(ScenarioError) -> String {
            let name = try f.string()
            guard vmNames.contains(name) else {
                throw f.fail("no vm named '\(name)' (VMs are named like '\(vmNames.sorted().first ?? "?")')")
            }
            return name
        }
    }

    static func parseSettings(_ f: Field) throws(ScenarioError) -> SimSettings {
        let m = try f.mapping(allowed: [
            "heartbeat_interval", "suspect_after", "unreachable_after", "check_interval", "boot_time",
            "bmc_latency", "cpu_overcommit", "audit_every", "ha",
        ])
        var s = SimSettings()
        if let v = m["heartbeat_interval"] { s.heartbeatIntervalNanoseconds = try positive(v) }
        if let v = m["suspect_after"] { s.suspectAfterNanoseconds = try positive(v) }
        if let v = m["unreachable_after"] { s.unreachableAfter = try positive(v) }
        if let v = m["check_interval"] { s.checkInterval = try positive(v) }
        if let v = m["boot_time"] { s.bootMedian = try positive(v) }
        if let v = m["bmc_latency"] { s.bmcMedian = try positive(v) }
        if let v = m["cpu_overcommit"] { s.cpuOvercommit = try v.int(in: 1...16) }
        if let v = m["audit_every"] { s.auditEvery = UInt64(try v.int(in: 0...1_000_000_000)) }
        if let v = m["ha"] {
            try parseHA(v, settings: &s, parent: m)
        } else {
            try validate(s.ha, ha: [:], settings: m, fallback: f)
        }
        return s
    }

    static func positive(_ f: Field) throws(ScenarioError) -> UInt64 {
        let v = try f.duration()
        guard v > 0 else { throw f.fail("must be positive") }
        return v
    }
}

extension ScenarioParser {
    /// The field path of the duplicate key `key` whose first occurrence is at `line`:`column`
    /// (1-based, as Yams reports it): that occurrence is renamed to a marker, the text composed
    /// again, and the marker's path looked up. Nil when that does not work out.
    static func duplicatePath(_ text: String, key: String, line: Int, column: Int) -> String? {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard line >= 1, line <= lines.count else { return nil }
        let marker = "__duplicate_key__"
        let row = lines[line - 1]
        let start = row.index(row.startIndex, offsetBy: max(0, column - 1), limitedBy: row.endIndex) ?? row.endIndex
        guard row[start...].hasPrefix(key) else { return nil }
        lines[line - 1] = String(row[..<start]) + marker + String(row[start...].dropFirst(key.count))
        guard let root = try? Yams.compose(yaml: lines.joined(separator: "\n")) else { return nil }
        return path(of: marker, in: root, at: "").map { String($0.dropLast(marker.count)) + key }
    }

    /// The path (`a.b[2].c`) of the mapping key `marker` under `node`.
    static func path(of marker: String, in node: Yams.Node, at prefix: String) -> String? {
        if let m = node.mapping {
            for (k, v) in m {
                guard let name = k.string else { continue }
                let here = prefix.isEmpty ? name : prefix + "." + name
                if name == marker { return here }
                if let found = path(of: marker, in: v, at: here) { return found }
            }
        } else if let s = node.sequence {
            for (i, v) in s.enumerated() {
                if let found = path(of: marker, in: v, at: "\(prefix)[\(i)]") { return found }
            }
        }
        return nil
    }
}
