/// Interconnect facts of one host topology (hosts of the same template share one), with the
/// best-set table for multi-GPU passthrough filled in lazily: (free mask, k, NVLink rule) → set.
struct GPUTopology: Sendable {
    let gpuCount: Int
    let bandwidth: [[Int]]
    let peers: [UInt8]
    /// Largest NVLink clique within each mask.
    let maxClique: [UInt8]
    /// Memo of `bestSet`: -2 unknown, -1 none, else the chosen mask.
    var memo: [Int16]

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
        memo = [Int16](repeating: -2, count: 256 * 9 * 3)
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
    mutating func bestSet(free: UInt8, k: Int, nvlink: NVLinkRequirement) -> UInt8? {
        guard k >= 1, k <= 8 else { return nil }
        let rule = nvlink == .required ? 0 : (nvlink == .preferred ? 1 : 2)
        let key = (Int(free) * 9 + k) * 3 + rule
        let cached = memo[key]
        if cached != -2 { return cached < 0 ? nil : UInt8(cached) }
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
        memo[key] = best.map { Int16($0.mask) } ?? -1
        return best?.mask
    }
}
