import CloudControl
import CloudModel
import CloudRuntime
import CloudScheduler

/// What-if planning over a scenario's fleet and workload: each question is answered from runs
/// (or placements) of the same simulated runtime, one seed per run, deterministic per seed. The
/// caller runs seeds in parallel and hands the per-seed results to the aggregators here.
public enum Planner {}

/// Headroom of one cluster and GPU model (GPU model empty: the cluster's CPU and memory).
public struct HeadroomRow: Sendable, Equatable {
    public var cluster: String
    public var gpuModel: String
    public var vcpus: Int
    public var vcpuCapacity: Int
    public var memoryGB: Int
    public var memoryCapacityGB: Int
    public var freeGPUs: Int
    public var gpus: Int
}

/// Why an HA VM could not be restarted, in the planner's classes.
public enum RestartBlocker: String, Sendable, CaseIterable {
    case capacity
    case antiAffinity = "anti_affinity"
    case gpuModel = "gpu_model"
    case other

    /// The class of a scheduler or HA reason.
    public static func of(_ reason: String) -> RestartBlocker {
        let r = reason.lowercased()
        if r.contains("affinity") { return .antiAffinity }
        if r.contains("model") || r.contains("gpu") || r.contains("mig") || r.contains("nvlink") { return .gpuModel }
        if r.contains("capacity") || r.contains("not enough") || r.contains("no host") || r.contains("cordoned")
            || r.contains("excluded")
        {
            return .capacity
        }
        return .other
    }
}

/// An HA VM that did not run again by the end of a run, and why.
public struct UnrestoredVM: Sendable, Equatable {
    public var name: String
    public var tier: HAPriority
    public var reason: String
    public var blocker: RestartBlocker
}

extension Simulation {
    /// Headroom per cluster, and per cluster and GPU model, over the hosts that are powered on.
    public func headroom() -> [HeadroomRow] {
        var rows: [HeadroomRow] = []
        func add(_ cluster: String, _ model: String, _ h: HostHeadroom, gpusOnly: Bool) {
            let i =
                rows.firstIndex { $0.cluster == cluster && $0.gpuModel == model }
                ?? {
                    rows.append(
                        HeadroomRow(
                            cluster: cluster, gpuModel: model, vcpus: 0, vcpuCapacity: 0, memoryGB: 0,
                            memoryCapacityGB: 0, freeGPUs: 0, gpus: 0))
                    return rows.count - 1
                }()
            if !gpusOnly {
                rows[i].vcpus += h.vcpus
                rows[i].vcpuCapacity += h.vcpuCapacity
                rows[i].memoryGB += h.memoryMB / 1024
                rows[i].memoryCapacityGB += h.memoryCapacityMB / 1024
            }
            rows[i].freeGPUs += h.freeGPUs
            rows[i].gpus += h.gpus
        }
        for h in world.hosts.indices {
            var r = world.scheduler.headroom(h)
            if world.hosts[h].power != .on {
                r.vcpus = 0
                r.memoryMB = 0
                r.freeGPUs = 0
            }
            let cluster = world.clusters[world.hosts[h].cluster].name
            add(cluster, "", r, gpusOnly: false)
            if r.gpus > 0 { add(cluster, r.gpuModel, r, gpusOnly: true) }
        }
        return rows
    }

    /// The HA VMs among `vms` (instance indices) that do not run at the end, with their reasons.
    func unrestored(_ vms: [Int]) -> [UnrestoredVM] {
        vms.compactMap { v in
            let inst = world.instances[v].instance
            guard inst.haPriority != .none, ha.procs[v].isEmpty else { return nil }
            let record = control.store[vm: world.vmID(v)]
            let reason = record?.blocked ?? record.map { "HA state \($0.state.rawValue)" } ?? "not under HA"
            return UnrestoredVM(name: inst.name, tier: inst.haPriority, reason: reason, blocker: .of(reason))
        }
    }

    /// The instances running on `hosts` now.
    func instances(on hosts: [Int]) -> [Int] {
        Array(Set(hosts.flatMap { ha.procs.guests(on: $0) })).sorted()
    }

    /// Host indices by name, and the hosts of a rack, in host order.
    public func hostIndices(named names: [String]) -> [Int] { names.compactMap(world.host(named:)) }
    public func hosts(inRack rack: String) -> [String] {
        world.hosts.filter { $0.node.rack == rack }.map(\.name)
    }
    /// Every rack, in host order.
    public var racks: [String] {
        var out: [String] = []
        for h in world.hosts { if let r = h.node.rack, !out.contains(r) { out.append(r) } }
        return out
    }
}
