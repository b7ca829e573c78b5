import CloudModel
import CloudSim
import Yams

extension ScenarioParser {
    /// `processes: {arrivals: [...], failures: [...]}`: random arrivals with lifetimes, and
    /// component failures with repairs.
    static func parseProcesses(
        _ f: Field, workload: [WorkloadSpec], clusters: [String]
    ) throws(ScenarioError) -> ProcessSpec {
        let m = try f.mapping(allowed: ["arrivals", "failures"])
        var spec = ProcessSpec()
        for a in try m["arrivals"]?.sequence() ?? [] {
            let p = try parseArrival(a, workload: workload)
            if spec.arrivals.contains(where: { $0.workload == p.workload }) {
                throw a.fail("workload '\(p.workload)' already has an arrival process")
            }
            spec.arrivals.append(p)
        }
        for x in try m["failures"]?.sequence() ?? [] {
            for p in try parseFailure(x, clusters: clusters) {
                if spec.failures.contains(where: { $0.label == p.label }) {
                    throw x.fail("a failure process for '\(p.label)' is already listed")
                }
                spec.failures.append(p)
            }
        }
        return spec
    }

    /// `{workload: web, rate: 120/h | steady, diurnal: 0.5, peak_hour: 14, lifetime: {exponential: 6h}}`
    static func parseArrival(_ f: Field, workload: [WorkloadSpec]) throws(ScenarioError) -> ArrivalProcess {
        let m = try f.mapping(allowed: ["workload", "rate", "diurnal", "peak_hour", "lifetime"])
        guard let wf = m["workload"] else { throw f.fail("an arrival process needs 'workload'") }
        let name = try wf.string()
        guard let group = workload.first(where: { $0.name == name }) else {
            throw wf.fail("unknown workload group '\(name)' (known: \(workload.map(\.name).joined(separator: ", ")))")
        }
        let lifetime = try m["lifetime"].map { l throws(ScenarioError) in try parseLifetime(l) }
        guard let rf = m["rate"] else { throw f.fail("an arrival process needs 'rate' (e.g. 120/h, or steady)") }
        let rate: Double
        if (try? rf.string()) == "steady" {
            guard let lifetime else { throw rf.fail("'steady' needs a 'lifetime' (rate = count / mean lifetime)") }
            guard group.count > 0 else { throw rf.fail("'steady' needs the workload group's count above 0") }
            rate = Double(group.count) / (lifetime.meanNanoseconds / Double(SimTime.hour))
        } else {
            rate = try perHour(rf)
        }
        var p = ArrivalProcess(workload: name, ratePerHour: rate, lifetime: lifetime)
        if let d = m["diurnal"] { p.diurnal = try d.double(in: 0...1) }
        if let h = m["peak_hour"] { p.peakHour = try h.double(in: 0...23.999) }
        return p
    }

    /// A rate: `120/h`, `5/m`, `2/s`, `3000/d`, or a bare number (per hour).
    static func perHour(_ f: Field) throws(ScenarioError) -> Double {
        let text = try f.string()
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let scale: Double
        switch parts.count == 2 ? String(parts[1]) : "h" {
        case "s": scale = 3600
        case "m": scale = 60
        case "h": scale = 1
        case "d": scale = 1.0 / 24
        default: throw f.fail("bad rate '\(text)' (use a number per s, m, h or d, e.g. 120/h)")
        }
        guard parts.count <= 2, let n = Double(parts[0]), n.isFinite, n >= 0 else {
            throw f.fail("bad rate '\(text)' (use a non-negative number per s, m, h or d, e.g. 120/h)")
        }
        return n * scale
    }

    /// `{exponential: 6h}` or `{lognormal: {median: 6h, sigma: 1.2}}`
    static func parseLifetime(_ f: Field) throws(ScenarioError) -> Lifetime {
        let m = try f.mapping(allowed: ["exponential", "lognormal"])
        guard m.count == 1 else { throw f.fail("give one of 'exponential' or 'lognormal'") }
        if let e = m["exponential"] {
            let mean = try e.duration()
            guard mean > 0 else { throw e.fail("the mean lifetime must be positive") }
            return .exponential(mean: mean)
        }
        guard let l = m["lognormal"] else { throw f.fail("give one of 'exponential' or 'lognormal'") }
        let lm = try l.mapping(allowed: ["median", "sigma"])
        guard let md = lm["median"], let sg = lm["sigma"] else {
            throw l.fail("a lognormal needs 'median' and 'sigma'")
        }
        let median = try md.duration()
        guard median > 0 else { throw md.fail("the median lifetime must be positive") }
        return .logNormal(median: median, sigma: try sg.double(in: 0...5))
    }

    /// `{component: host, mtbf: 50000h, repair: 8h, cluster: gpu}` (plus `network` for a link,
    /// `xid` for a GPU), or `{preset: llama3, scale: 1}`.
    static func parseFailure(_ f: Field, clusters: [String]) throws(ScenarioError) -> [FailureProcess] {
        let m = try f.mapping(allowed: ["component", "mtbf", "repair", "cluster", "network", "xid", "preset", "scale"])
        var cluster: String?
        if let c = m["cluster"] {
            let name = try c.string()
            guard clusters.contains(name) else {
                throw c.fail("unknown cluster '\(name)' (known: \(clusters.joined(separator: ", ")))")
            }
            cluster = name
        }
        if let p = m["preset"] {
            guard try p.string() == "llama3" else { throw p.fail("unknown preset '\(try p.string())' (known: llama3)") }
            for k in ["component", "mtbf", "repair", "network", "xid"] where m[k] != nil {
                throw f.fail("'\(k)' does not go with 'preset' (use 'scale' and 'cluster')")
            }
            let scale = try m["scale"]?.double(in: 0...1_000) ?? 1
            guard scale > 0 else { throw m["scale"].map { $0.fail("the scale must be above 0") } ?? f.fail("") }
            return FailurePresets.llama3(scale: scale).map {
                var x = $0; x.cluster = cluster; return x
            }
        }
        guard let cf = m["component"] else { throw f.fail("a failure process needs 'component' or 'preset'") }
        let component = try parseComponent(cf, m)
        guard let mf = m["mtbf"], let rf = m["repair"] else {
            throw f.fail("a failure process needs 'mtbf' and 'repair'")
        }
        let mtbf = try mf.duration()
        guard mtbf > 0 else { throw mf.fail("the MTBF must be positive") }
        if m["scale"] != nil { throw f.fail("'scale' goes with 'preset' only") }
        return [FailureProcess(component: component, mtbf: mtbf, repair: max(1, try rf.duration()), cluster: cluster)]
    }

    static func parseComponent(_ cf: Field, _ m: [String: Field]) throws(ScenarioError) -> FailureComponent {
        let name = try cf.string()
        for (k, owner) in [("network", "link"), ("xid", "gpu")] where m[k] != nil && name != owner {
            throw cf.fail("'\(k)' goes with component '\(owner)' only")
        }
        switch name {
        case "host": return .host
        case "rack_power": return .rackPower
        case "bmc": return .bmc
        case "link":
            let text = try m["network"]?.string() ?? "management"
            guard let k = NetworkKind(rawValue: text) else {
                throw (m["network"] ?? cf).fail("unknown network '\(text)' (management, storage, vm)")
            }
            return .link(k)
        case "gpu":
            guard let x = m["xid"] else { throw cf.fail("a gpu failure process needs 'xid' (e.g. 79)") }
            return .gpu(xid: try x.int(in: 1...1_000))
        default:
            throw cf.fail("unknown component '\(name)' (host, rack_power, link, bmc, gpu)")
        }
    }
}

extension Field {
    /// A number within `range`.
    func double(in range: ClosedRange<Double>) throws(ScenarioError) -> Double {
        guard let text = node.scalar?.string, let v = Double(text), v.isFinite else {
            throw fail("expected a number")
        }
        guard range.contains(v) else { throw fail("\(text) is out of range \(range.lowerBound)…\(range.upperBound)") }
        return v
    }
}

extension ScenarioParser {
    /// A duration as the scenario language writes it (`90s`, `15m`, `30d`), in nanoseconds.
    public static func duration(_ text: String) -> UInt64? { Field.parseDuration(text) }

    /// Every rack of a topology, in host order.
    public static func racks(_ datacenters: [DatacenterSpec]) -> [String] {
        var out: [String] = []
        for dc in datacenters {
            for c in dc.clusters {
                for g in c.hostGroups { for r in g.hostRacks where !out.contains(r) { out.append(r) } }
            }
        }
        return out
    }
}
