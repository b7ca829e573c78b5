import CloudModel

/// What identifies a host's GPU interconnect for the scheduler: hosts with equal keys share one
/// `GPUTopology` and its precomputed tables.
struct GPUTopologyKey: Equatable, Sendable {
    let bandwidth: [[Int]]
    let peers: [UInt8]
    let numaOf: [Int]
    /// Fabric Manager partitions (GPU-index masks, two GPUs or more); nil without an NVSwitch fabric.
    let partitions: [UInt8]?
    /// Full-passthrough model: multi-GPU VMs only as partitions.
    let partitionsOnly: Bool
}

/// Interconnect facts of one host topology, with the best-set table for multi-GPU passthrough
/// precomputed: (free mask, k, NVLink rule) → set, so a gang's GPU choice is one table lookup.
///
/// An *NVLink set* is a set of GPUs a VM can use with NVLink among all of them: on an NVSwitch
/// board exactly one of its Fabric Manager partitions; on bridged or directly linked GPUs a
/// clique of NVLink peers. The *room* of a free mask is Σ |S|² over the NVLink sets it still holds
/// whole: what a choice leaves for later gangs.
///
/// A class, so a fit passes one reference instead of copying its tables; immutable once `init`
/// has filled the table (hence `@unchecked Sendable`).
final class GPUTopology: @unchecked Sendable {
    let key: GPUTopologyKey
    var gpuCount: Int { key.peers.count }
    /// Per mask: it is an NVLink set.
    let isSet: [Bool]
    /// Per mask: the size of the largest NVLink set inside it.
    let largestSet: [UInt8]
    /// Per mask: bit k set when an NVLink set of exactly k GPUs lies inside it.
    let setSizes: [UInt16]
    /// Per mask: Σ |S|² over the NVLink sets inside it.
    let room: [Int32]
    /// `bestSet` for every (free mask, k, rule): -1 none, else the chosen mask.
    private(set) var table: [Int16] = []

    init(_ key: GPUTopologyKey) {
        self.key = key
        let n = key.peers.count
        let all = Self.nvlinkSets(key)
        var isSet = [Bool](repeating: false, count: 256)
        for s in all { isSet[Int(s)] = true }
        var largest = [UInt8](repeating: 0, count: 256)
        var sizes = [UInt16](repeating: 0, count: 256)
        var room = [Int32](repeating: 0, count: 256)
        for m in 0..<(1 << n) {
            for s in all where UInt8(m) & s == s {
                let k = s.nonzeroBitCount
                largest[m] = max(largest[m], UInt8(k))
                sizes[m] |= UInt16(1 << k)
                room[m] += Int32(k * k)
            }
        }
        self.isSet = isSet
        largestSet = largest
        setSizes = sizes
        self.room = room
        var t = [Int16](repeating: -1, count: 256 * 9 * 3)
        for free in 0..<(1 << n) {
            for k in 1...max(1, n) {
                for rule in 0..<3 {
                    t[(free * 9 + k) * 3 + rule] =
                        computeBestSet(free: UInt8(free), k: k, rule: rule).map { Int16($0) } ?? -1
                }
            }
        }
        table = t
    }

    /// The NVLink sets of two GPUs or more: the fabric's partitions, or every clique of peers.
    static func nvlinkSets(_ key: GPUTopologyKey) -> [UInt8] {
        if let p = key.partitions { return p }
        var out: [UInt8] = []
        for m in 1..<(1 << key.peers.count) where m.nonzeroBitCount >= 2 && isClique(UInt8(m), key.peers) {
            out.append(UInt8(m))
        }
        return out
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

    /// True when `s` has the NVLink of one partition or clique (two GPUs or more).
    func isNVLinkSet(_ s: UInt8) -> Bool { isSet[Int(s)] }

    /// A VM of `k` GPUs is possible at all (the full-passthrough model allows only partitions
    /// and single GPUs).
    func sizeAllowed(_ k: Int) -> Bool {
        !key.partitionsOnly || k == 1 || key.partitions?.contains { $0.nonzeroBitCount == k } == true
    }

    /// The weakest link inside `s` in GB/s (0 for one GPU): NVLink inside an NVLink set, PCIe
    /// otherwise (on an NVSwitch board GPUs outside one partition talk over PCIe).
    func bandwidth(_ s: UInt8) -> Int {
        let nvlink = isSet[Int(s)]
        var minBW = Int.max
        for i in 0..<gpuCount where s & UInt8(1 << i) != 0 {
            for j in (i + 1)..<max(gpuCount, i + 1) where s & UInt8(1 << j) != 0 {
                let bw: Int
                if nvlink || key.partitions == nil {
                    bw = key.bandwidth[i][j]
                } else {
                    bw =
                        key.numaOf[i] == key.numaOf[j]
                        ? GPULink.pcieHostBridge.bandwidthGBps : GPULink.crossSocket.bandwidthGBps
                }
                minBW = min(minBW, bw)
            }
        }
        return minBW == .max ? 0 : minBW
    }

    /// The best `k` GPUs out of `free` for `nvlink`, preferring GPUs in `local` (the NUMA node of
    /// the CPUs) when that loses nothing else. Nil when no set qualifies.
    func bestSet(free: UInt8, k: Int, nvlink: NVLinkRequirement, local: UInt8 = 0xFF) -> UInt8? {
        guard k >= 1, k <= 8 else { return nil }
        let rule = nvlink == .required ? 0 : (nvlink == .preferred ? 1 : 2)
        let v = table[(Int(free) * 9 + k) * 3 + rule]
        guard v >= 0 else { return nil }
        let best = UInt8(v)
        guard free & local != free, free & local != 0, best & local != best else { return best }
        let l = table[(Int(free & local) * 9 + k) * 3 + rule]
        guard l >= 0, !(score(free, UInt8(l), rule) < score(free, best, rule)) else { return best }
        return UInt8(l)
    }

    /// Lexicographic merit of taking `s` out of `free`: NVLink (when wanted), its bandwidth (when
    /// wanted), the room left for later gangs, NVLink anyway.
    func score(_ free: UInt8, _ s: UInt8, _ rule: Int) -> (Int, Int, Int32, Int) {
        let nv = isSet[Int(s)] ? 1 : 0
        return (rule == 2 ? 0 : nv, rule == 2 ? 0 : bandwidth(s), room[Int(free & ~s)], nv)
    }

    func computeBestSet(free: UInt8, k: Int, rule: Int) -> UInt8? {
        guard sizeAllowed(k) else { return nil }
        var best: (mask: UInt8, score: (Int, Int, Int32, Int))?
        var sub = Int(free)
        while sub > 0 {
            let s = UInt8(sub)
            sub = (sub - 1) & Int(free)
            guard s.nonzeroBitCount == k else { continue }
            if k >= 2 && (rule == 0 || key.partitionsOnly) && !isSet[Int(s)] { continue }
            let sc = score(free, s, rule)
            // ties go to the lowest mask (visited last)
            if let b = best, b.score > sc { continue }
            best = (s, sc)
        }
        return best?.mask
    }
}
