/// Interconnect facts of one host topology (hosts of the same template share one), with the
/// best-set table for multi-GPU passthrough precomputed: (free mask, k, NVLink rule) → set, so a
/// gang's GPU choice is one table lookup.
struct GPUTopology: Sendable {
    let gpuCount: Int
    let bandwidth: [[Int]]
    let peers: [UInt8]
    /// Largest NVLink clique within each mask.
    let maxClique: [UInt8]
    /// `bestSet` for every (free mask, k, rule): -1 none, else the chosen mask.
    private(set) var table: [Int16] = []

    init(bandwidth: [[Int]], peers: [UInt8]) {
        gpuCount = peers.count
        self.bandwidth = bandwidth
        self.peers = peers
        var cliques = [UInt8](repeating: 0, count: 256)
        let full = (1 << peers.count) - 1
        for m0 in 0..<256 {
            let m = m0 & full
            var best = 0
            var sub = m
            while sub > 0 {
                if sub.nonzeroBitCount > best && Self.isClique(UInt8(sub), peers) { best = sub.nonzeroBitCount }
                sub = (sub - 1) & m
            }
            cliques[m0] = UInt8(best)
        }
        maxClique = cliques
        var t = [Int16](repeating: -1, count: 256 * 9 * 3)
        for free in 0..<(1 << peers.count) {
            for k in 1...max(1, peers.count) {
                for rule in 0..<3 {
                    t[(free * 9 + k) * 3 + rule] =
                        computeBestSet(free: UInt8(free), k: k, rule: rule).map { Int16($0) } ?? -1
                }
            }
        }
        table = t
    }

    static func isClique(_ s: UInt8, _ peers: [UInt8]) -> Bool {
        var rest = s
        while rest != 0 {
            let i = rest.trailingZeroBitCount
            rest &= rest - 1
            let others = s & ~UInt8(1 << i)
            if peers[i] & others != others { return false }
        }
        return true
    }

    func minBandwidth(_ s: UInt8) -> Int {
        var minBW = Int.max
        for i in 0..<gpuCount where s & UInt8(1 << i) != 0 {
            for j in (i + 1)..<max(gpuCount, i + 1) where s & UInt8(1 << j) != 0 {
                minBW = min(minBW, bandwidth[i][j])
            }
        }
        return minBW == .max ? 0 : minBW
    }

    /// The best `k` GPUs out of `free`: a clique when NVLink is required; otherwise the set with
    /// the highest minimum bandwidth (when NVLink is wanted) that leaves the largest NVLink
    /// clique free for later requests. Nil when no set qualifies.
    func bestSet(free: UInt8, k: Int, nvlink: NVLinkRequirement) -> UInt8? {
        guard k >= 1, k <= 8 else { return nil }
        let rule = nvlink == .required ? 0 : (nvlink == .preferred ? 1 : 2)
        let v = table[(Int(free) * 9 + k) * 3 + rule]
        return v < 0 ? nil : UInt8(v)
    }

    func computeBestSet(free: UInt8, k: Int, rule: Int) -> UInt8? {
        var best: (mask: UInt8, score: Int)?
        var sub = Int(free)
        while sub > 0 {
            let s = UInt8(sub)
            sub = (sub - 1) & Int(free)
            guard s.nonzeroBitCount == k else { continue }
            let clique = k == 1 || Self.isClique(s, peers)
            if rule == 0 && !clique { continue }
            let keep = Int(maxClique[Int(free & ~s)])
            let score = (rule == 2 ? 0 : minBandwidth(s) * 100) + keep * 10 + (clique ? 1 : 0)
            if let b = best, b.score > score || (b.score == score && b.mask < s) { continue }
            best = (s, score)
        }
        return best?.mask
    }
}
