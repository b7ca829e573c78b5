import CloudModel
import CloudScheduler

/// Exact reference mode for small fleets (tests and quality measurement, not production).
///
/// It plays the same stream under the same admission rule as the scheduler: requests arrive in
/// order, and one that fits anywhere is placed. What it chooses freely is *where*: every host and
/// every single-GPU choice, found by branch and bound (identical hosts and GPUs are tried once,
/// repeated fleet states are cut by a transposition table). The result is the largest
/// GPU-weighted total any placement policy can reach on that stream, the yardstick for the
/// heuristic's packing quality.
public enum ExactPlacer {
    /// The result of a search.
    public struct Result: Sendable {
        /// Best GPU-weighted total found.
        public let weight: Int
        /// Search nodes visited.
        public let nodes: Int
        /// False when `nodeLimit` stopped the search early (the weight is then a lower bound).
        public let complete: Bool
    }

    /// Searches the placements of `requests` on `scheduler`'s current state (which is left
    /// unchanged). At most 200 hosts.
    public static func optimum(
        _ scheduler: Scheduler, _ requests: [ResourceRequest], nodeLimit: Int = 5_000_000
    )
        -> Result
    {
        precondition(scheduler.hosts.count <= 200, "the exact mode is for fleets of at most 200 hosts")
        var s = scheduler
        s.maxCandidates = 0
        let order = requests
        var suffix = [Int](repeating: 0, count: order.count + 1)
        for i in stride(from: order.count - 1, through: 0, by: -1) {
            suffix[i] = suffix[i + 1] + order[i].gpuWeightedSize
        }
        var search = Search(order: order, suffix: suffix, nodeLimit: nodeLimit)
        search.visit(&s, 0, 0)
        return Result(weight: search.best, nodes: search.nodes, complete: search.nodes < nodeLimit)
    }

    struct Search {
        let order: [ResourceRequest]
        let suffix: [Int]
        let nodeLimit: Int
        var best = 0
        var nodes = 0
        /// (request index, fleet signature) → best weight seen on arrival there
        var seen: [FleetSignature: Int] = [:]

        mutating func visit(_ s: inout Scheduler, _ i: Int, _ weight: Int) {
            nodes += 1
            best = max(best, weight)
            guard i < order.count, weight + suffix[i] > best, nodes < nodeLimit else { return }
            let key = FleetSignature(index: i, hosts: s.hosts.indices.map { s.stateSignature($0) }.sorted())
            if let w = seen[key], w >= weight { return }
            seen[key] = weight
            let r = order[i]
            let options = alternatives(&s, r)
            if options.isEmpty {
                visit(&s, i + 1, weight)
                return
            }
            for claim in options {
                let id = s.apply(claim)
                visit(&s, i + 1, weight + r.gpuWeightedSize)
                do { try s.release(id) } catch { preconditionFailure("\(error)") }
                if nodes >= nodeLimit { return }
            }
        }

        /// Distinct claims for `r`: per host class, the default fit and every single-GPU choice,
        /// keeping one claim per resulting host state.
        func alternatives(_ s: inout Scheduler, _ r: ResourceRequest) -> [Claim] {
            var out: [Claim] = []
            var outcomes: [HostSignature] = []
            var seenHosts: [Int] = []
            for h in s.hosts.indices {
                if seenHosts.contains(where: { s.sameState($0, h) }) { continue }
                seenHosts.append(h)
                let masks: [UInt8] =
                    r.gpu.map { g in
                        g.mode == .passthrough && g.count > 1
                            ? [0xFF] : [0xFF] + s.hosts[h].gpus.indices.map { UInt8(1 << $0) }
                    } ?? [0xFF]
                for m in masks {
                    guard case .success(let fit) = s.fit(h, r, onlyGPUs: m) else { continue }
                    let c = Claim(host: h, numa: fit.numa, gpus: fit.gpus, groups: r.groups.map(\.group))
                    let id = s.apply(c)
                    let outcome = s.stateSignature(h)
                    do { try s.release(id) } catch { preconditionFailure("\(error)") }
                    if outcomes.contains(outcome) { continue }
                    outcomes.append(outcome)
                    out.append(c)
                }
            }
            return out
        }
    }
}

/// A host's state up to the symmetries of its GPUs: per GPU its use, NUMA node and the uses of
/// its NVLink peers, sorted, plus its CPU and memory use.
struct HostSignature: Hashable, Comparable {
    let words: [Int]

    static func < (a: HostSignature, b: HostSignature) -> Bool { a.words.lexicographicallyPrecedes(b.words) }
}

struct FleetSignature: Hashable {
    let index: Int
    let hosts: [HostSignature]
}

extension GPUUse {
    /// A small integer naming the state (a GPU serves one board's vGPU types, so the size names
    /// the type).
    var code: Int {
        switch self {
        case .free: 0
        case .passthrough: 1
        case .sriov(let u): 1000 + u
        case .vgpu(let t, let u): 2000 + (t.gigabytes * 64 + Int(t.series) - 64) * 32 + u
        case .vgpuMixed(let gb, _): 5000 + gb
        case .mig(let m, _): 6000 + Int(m)
        }
    }
}

extension Scheduler {
    func stateSignature(_ h: Int) -> HostSignature {
        let host = hosts[h]
        var words = [topologyOf[h], host.cluster]
        for n in host.numa { words += [n.dedicatedUsed, n.sharedUsed, n.memoryUsedMB, n.huge2MUsed, n.huge1GUsed] }
        let gpus = host.gpus.indices.map { g -> [Int] in
            let peers = host.gpus.indices.filter { host.nvlinkPeers[g] & UInt8(1 << $0) != 0 }
                .map { host.gpus[$0].use.code }.sorted()
            return [host.gpus[g].use.code, host.gpus[g].numaNode, host.gpus[g].healthy ? 1 : 0] + peers
        }.sorted { $0.lexicographicallyPrecedes($1) }
        for g in gpus { words += g + [-1] }
        return HostSignature(words: words)
    }

    /// True when two hosts are interchangeable: same cluster, hardware topology and use.
    func sameState(_ a: Int, _ b: Int) -> Bool {
        let x = hosts[a]
        let y = hosts[b]
        return x.cluster == y.cluster && topologyOf[a] == topologyOf[b] && x.numa == y.numa && x.gpus == y.gpus
            && x.labels == y.labels && x.maintenance == y.maintenance && x.cordoned == y.cordoned
            && x.groupMembers == y.groupMembers
    }
}
