import CloudModel
import CloudScheduler
import CloudSim

extension ScenarioParser {
    static func parseTopology(_ f: Field) throws(ScenarioError) -> [DatacenterSpec] {
        let m = try f.mapping(allowed: ["datacenters"])
        guard let dcs = m["datacenters"] else { throw f.fail("required key 'datacenters' is missing") }
        var out: [DatacenterSpec] = []
        var seenHosts: [String: Int] = [:]
        var seenClusters: Set<String> = []
        for d in try dcs.sequence() {
            let dm = try d.mapping(allowed: ["name", "clusters"])
            guard let name = dm["name"], let clusters = dm["clusters"] else {
                throw d.fail("a datacenter needs 'name' and 'clusters'")
            }
            var cs: [ClusterSpec] = []
            for c in try clusters.sequence() {
                let cluster = try parseCluster(c)
                guard seenClusters.insert(cluster.name).inserted else {
                    throw c.fail("duplicate cluster name '\(cluster.name)'")
                }
                for g in cluster.hostGroups {
                    for h in g.hostNames {
                        if let line = seenHosts[h] {
                            throw c.fail("host name '\(h)' is generated twice (first at line \(line))")
                        }
                        seenHosts[h] = c.line ?? 0
                    }
                }
                cs.append(cluster)
            }
            out.append(DatacenterSpec(name: try name.string(), clusters: cs))
        }
        guard !out.isEmpty else { throw dcs.fail("at least one datacenter is required") }
        return out
    }

    static func parseCluster(_ c: Field) throws(ScenarioError) -> ClusterSpec {
        let cm = try c.mapping(allowed: ["name", "zone", "hosts", "policy"])
        guard let cname = cm["name"], let hosts = cm["hosts"] else {
            throw c.fail("a cluster needs 'name' and 'hosts'")
        }
        var groups: [HostGroupSpec] = []
        for g in try hosts.sequence() {
            let gm = try g.mapping(allowed: ["name", "template", "count", "rack", "racks"])
            guard let gname = gm["name"], let tmpl = gm["template"] else {
                throw g.fail("a host group needs 'name' and 'template'")
            }
            let template = try tmpl.string()
            guard HardwareTemplate.named(template) != nil else {
                let known = HardwareTemplate.builtIn.map(\.name).joined(separator: ", ")
                throw tmpl.fail("unknown template '\(template)' (known: \(known))")
            }
            let count = try gm["count"]?.int(in: 1...100_000) ?? 1
            var racks = try gm["racks"]?.strings() ?? []
            if let r = gm["rack"] { racks.append(try r.string()) }
            let prefix = try gname.string()
            guard prefix.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw gname.fail("host group names use letters, digits, '-' and '_' only")
            }
            groups.append(
                HostGroupSpec(
                    name: prefix, template: template, count: count,
                    racks: racks.isEmpty
                        ? ["rack-1"] : racks))
        }
        let name = try cname.string()
        let zone = try cm["zone"]?.string() ?? "zone-1"
        let policy = try cm["policy"].map { f throws(ScenarioError) in try parsePolicy(f, cluster: name, zone: zone) }
        return ClusterSpec(name: name, zone: zone, hostGroups: groups, policy: policy)
    }

    static func parsePolicy(_ f: Field, cluster: String, zone: String) throws(ScenarioError) -> ClusterPolicy {
        let m = try f.mapping(allowed: [
            "strategy", "cpu_overcommit", "ram_overcommit", "prefer_first", "vgpu_mixed", "nvswitch_model",
            "gang_placement",
        ])
        var p = ClusterPolicy(name: cluster, zone: zone)
        if let v = m["strategy"] { p.strategy = try enumValue(v, ClusterPolicy.Strategy.self) }
        if let v = m["prefer_first"] { p.priority = try enumValue(v, ClusterPolicy.Priority.self) }
        if let v = m["cpu_overcommit"] { p.cpuOvercommitPercent = try v.percent(in: 100...1600) }
        if let v = m["ram_overcommit"] { p.ramOvercommitPercent = try v.percent(in: 100...400) }
        if let v = m["vgpu_mixed"] { p.vgpuMixed = try v.bool() }
        if let v = m["nvswitch_model"] { p.nvswitchModel = try enumValue(v, NVSwitchModel.self) }
        if let v = m["gang_placement"] { p.gangPlacement = try enumValue(v, ClusterPolicy.GangPlacement.self) }
        return p
    }

    static func parseWorkload(_ f: Field, clusters: [String], hosts: Set<String>) throws(ScenarioError) -> WorkloadSpec
    {
        let m = try f.mapping(allowed: [
            "name", "count", "flavor", "vcpus", "memory_mb", "gpus", "tenant", "ha", "cluster", "numa", "cpu_policy",
            "hugepages", "gpu_mode", "gpu_profile", "gpu_model", "nvlink", "anti_affinity", "affinity", "node",
            "dirty_rate_mb",
        ])
        guard let name = m["name"] else { throw f.fail("a workload group needs 'name'") }
        var flavor: Flavor
        if let fl = m["flavor"] {
            let fname = try fl.string()
            guard let known = Flavor.named(fname) else {
                let all = Flavor.builtIn.map(\.name).joined(separator: ", ")
                throw fl.fail("unknown flavor '\(fname)' (known: \(all))")
            }
            flavor = known
        } else {
            guard let v = m["vcpus"], let mem = m["memory_mb"] else {
                throw f.fail("give either 'flavor' or 'vcpus' and 'memory_mb'")
            }
            flavor = Flavor(name: "custom", vcpus: try v.int(in: 1...1024), memoryMB: try mem.int(in: 64...16_777_216))
        }
        if let g = m["gpus"] { flavor.gpus = try g.int(in: 0...Scheduler.maxGPUCount) }
        let ha: HAPriority
        if let h = m["ha"] {
            let text = try h.string()
            guard let p = HAPriority(rawValue: text) else {
                throw h.fail("unknown HA priority '\(text)' (critical, high, normal, none)")
            }
            ha = p
        } else {
            ha = .normal
        }
        var cluster: String?
        if let c = m["cluster"] {
            let cname = try c.string()
            guard clusters.contains(cname) else {
                throw c.fail("no cluster named '\(cname)' (clusters: \(clusters.joined(separator: ", ")))")
            }
            cluster = cname
        }
        if m["gpu_mode"] != nil && flavor.gpus == 0 { flavor.gpus = 1 }
        var w = WorkloadSpec(
            name: try name.string(), count: try m["count"]?.int(in: 0...1_000_000) ?? 1, flavor: flavor,
            tenant: try m["tenant"]?.string() ?? "default", haPriority: ha, cluster: cluster)
        try applyRequestKeys(m, to: &w.request)
        if let n = m["node"] {
            let host = try n.string()
            guard hosts.contains(host) else { throw n.fail("no host named '\(host)'") }
            w.request.labels = (w.request.labels + ["node=" + host]).sorted()
        }
        if let d = m["dirty_rate_mb"] { w.dirtyRateMB = try d.int(in: 0...1_000_000) }
        return w
    }

    /// The placement keys of a workload group: NUMA, CPU policy, hugepages, GPU mode and
    /// profile, preferred model, NVLink and (anti-)affinity groups.
    static func applyRequestKeys(_ m: [String: Field], to r: inout ResourceRequest) throws(ScenarioError) {
        if let v = m["numa"] { r.numa = try enumValue(v, NUMAAffinity.self) }
        if let v = m["cpu_policy"] { r.cpuPolicy = try enumValue(v, CPUPolicy.self) }
        if let v = m["hugepages"] { r.hugepages = try enumValue(v, HugepageSize.self) }
        if var g = r.gpu {
            if let v = m["gpu_mode"] { g.mode = try enumValue(v, GPUMode.self) }
            if let v = m["gpu_profile"] { g.profile = try v.string() }
            if let v = m["gpu_model"] { g.model = try v.string() }
            if let v = m["nvlink"] { g.nvlink = try enumValue(v, NVLinkRequirement.self) }
            let field = m["gpu_profile"] ?? m["gpu_mode"]
            if let p = g.profile, let v = m["gpu_profile"], g.mode == .passthrough || g.mode == .sriov {
                throw v.fail("'\(p)' given, but \(g.mode.rawValue) takes no gpu_profile (only mig and vgpu do)")
            }
            switch g.mode {
            case .mig where !MIGProfile.a100h100.contains(where: { $0.name == g.profile }):
                let known = MIGProfile.a100h100.map(\.name).joined(separator: ", ")
                throw (field ?? m["name"])?.fail("MIG needs gpu_profile, one of \(known)")
                    ?? ScenarioError(file: "", line: nil, field: "gpu_profile", message: "missing")
            case .vgpu where g.profile.flatMap(VGPUType.init) == nil:
                throw (field ?? m["name"])?.fail("vGPU needs gpu_profile naming a type such as A100D-20C")
                    ?? ScenarioError(file: "", line: nil, field: "gpu_profile", message: "missing")
            default: break
            }
            r.gpu = g
        } else if let v = m["gpu_mode"] ?? m["gpu_profile"] ?? m["gpu_model"] ?? m["nvlink"] {
            throw v.fail("GPU keys need 'gpus' or a GPU flavor")
        }
        for (key, kind) in [("anti_affinity", GroupRule.Kind.antiAffinity), ("affinity", .affinity)] {
            guard let v = m[key] else { continue }
            let mm = try v.mapping(allowed: ["group", "strength"])
            guard let g = mm["group"] else { throw v.fail("needs 'group' (and optionally 'strength')") }
            let strength =
                try mm["strength"].map { s throws(ScenarioError) in try enumValue(s, RuleStrength.self) } ?? .strict
            r.groups.append(GroupRule(group: try g.string(), kind: kind, strength: strength))
        }
    }
}
