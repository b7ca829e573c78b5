/// A MIG GPU-instance profile with NVIDIA's placement geometry: the memory slices (of 8) it
/// occupies and the start slices it may use (`nvidia-smi mig -lgipp` on A100/H100 80 GB).
public struct MIGProfile: Sendable, Equatable {
    public let name: String
    /// Compute slices (of 7).
    public let computeSlices: Int
    /// Memory slices (of 8) occupied.
    public let size: Int
    /// Allowed start slices.
    public let starts: [Int]
    /// A `+me` profile: it takes the GPU's media engines, so one per GPU.
    public var mediaEngines = false

    /// The 8-bit occupancy mask of this profile placed at `start`.
    public func mask(at start: Int) -> UInt8 { UInt8(truncatingIfNeeded: ((1 << size) - 1) << start) }

    /// The A100-80GB / H100-80GB table (profile IDs 19, 15, 14, 9, 5, 0).
    public static let a100h100: [MIGProfile] = [
        MIGProfile(name: "1g.10gb", computeSlices: 1, size: 1, starts: [0, 1, 2, 3, 4, 5, 6]),
        MIGProfile(
            name: "1g.10gb+me", computeSlices: 1, size: 1, starts: [0, 1, 2, 3, 4, 5, 6], mediaEngines: true),
        MIGProfile(name: "1g.20gb", computeSlices: 1, size: 2, starts: [0, 2, 4, 6]),
        MIGProfile(name: "2g.20gb", computeSlices: 2, size: 2, starts: [0, 2, 4]),
        MIGProfile(name: "3g.40gb", computeSlices: 3, size: 4, starts: [0, 4]),
        MIGProfile(name: "4g.40gb", computeSlices: 4, size: 4, starts: [0]),
        MIGProfile(name: "7g.80gb", computeSlices: 7, size: 8, starts: [0]),
    ]

    /// Looks a profile up by name, or the profile behind a MIG-backed vGPU type
    /// (`H100XM-3-40C` → `3g.40gb`).
    public static func named(_ name: String) -> MIGProfile? {
        if let p = a100h100.first(where: { $0.name == name }) { return p }
        return VGPUType(name)?.mig
    }

    /// True when some allowed start is free in `occupied` (and, for a `+me` profile, the media
    /// engines are not taken).
    @inline(__always)
    public func canPlace(in occupied: UInt8, media: Bool = false) -> Bool {
        if mediaEngines && media { return false }
        for s in starts where occupied & mask(at: s) == 0 { return true }
        return false
    }

    /// The first allowed start at which the profile fits into `occupied`, preferring the start that
    /// leaves the most placement value for other profiles (fragmentation awareness).
    public func bestStart(in occupied: UInt8) -> Int? {
        var best: (start: Int, value: Int)?
        for s in starts where occupied & mask(at: s) == 0 {
            let v = MIGProfile.placementValue(occupied | mask(at: s))
            if let b = best, b.value >= v { continue }
            best = (s, v)
        }
        return best?.start
    }

    /// How much placement freedom a slice map leaves: for every profile, the feasible starts
    /// weighted by the profile's size squared, so contiguous room for large profiles counts most.
    public static func placementValue(_ occupied: UInt8) -> Int { placementValues[Int(occupied)] }

    static let placementValues: [Int] = (0..<256).map { m in
        a100h100.filter { !$0.mediaEngines }.reduce(0) { acc, p in
            acc + p.starts.count(where: { UInt8(m) & p.mask(at: $0) == 0 }) * p.size * p.size
        }
    }
}

/// A vGPU type as a plain value, cheap to copy and compare: a digest of the board name (`A100D`),
/// the framebuffer size and the series letter (`20C`).
public struct VGPUKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let board: UInt32
    public let gigabytes: Int
    public let series: UInt8

    public var description: String { "\(gigabytes)\(Character(Unicode.Scalar(series)))" }

    /// Orders keys by board digest, size and series (for sorted per-type counts).
    public static func < (a: VGPUKey, b: VGPUKey) -> Bool {
        (a.board, a.gigabytes, a.series) < (b.board, b.gigabytes, b.series)
    }
}

/// vGPUs per type on a GPU in mixed-size mode, sorted by type: a short list, compared cheaply.
public struct VGPUCounts: Sendable, Equatable {
    public private(set) var items: [(key: VGPUKey, count: Int)] = []

    public init() {}

    /// vGPUs of `key` on the GPU.
    public subscript(key: VGPUKey) -> Int { items.first { $0.key == key }?.count ?? 0 }

    /// The counts with `n` more (or fewer, when negative) of `key`; a type reaching zero goes.
    public func adding(_ key: VGPUKey, _ n: Int) -> VGPUCounts {
        var out = self
        if let i = out.items.firstIndex(where: { $0.key == key }) {
            out.items[i].count += n
            if out.items[i].count <= 0 { out.items.remove(at: i) }
        } else if n > 0 {
            out.items.append((key, n))
            out.items.sort { $0.key < $1.key }
        }
        return out
    }

    public static func == (a: VGPUCounts, b: VGPUCounts) -> Bool {
        a.items.count == b.items.count && zip(a.items, b.items).allSatisfy { $0.key == $1.key && $0.count == $1.count }
    }
}

/// A vGPU type such as `A100D-20C`: its framebuffer size in GB, parsed from the name.
public struct VGPUType: Sendable, Equatable {
    // size first: the synthesized == compares in declaration order, so most mismatches cost an
    // integer compare
    public let framebufferGB: Int
    public let key: VGPUKey
    public let name: String
    /// The MIG profile behind a MIG-backed type (`H100XM-3-40C` → `3g.40gb`); nil for a
    /// time-sliced type.
    public let mig: MIGProfile?

    /// The name of the MIG profile behind a MIG-backed type; nil for a time-sliced type.
    public var migProfile: String? { mig?.name }

    /// Parses `<board>-<GB><series letter>`, e.g. `H100XM-10C` → 10 GB, and the MIG-backed
    /// `<board>-<g>-<GB>C`, e.g. `H100XM-3-40C` (MIG 3g.40gb); nil when malformed or when no MIG
    /// profile has that geometry.
    public init?(_ name: String) {
        guard let dash = name.lastIndex(of: "-") else { return nil }
        var mig: MIGProfile?
        // the board digest covers `<board>-<g>`, so a MIG-backed type never shares a key with
        // the time-sliced type of the same size
        if let inner = name[..<dash].lastIndex(of: "-"),
            let g = Int(name[name.index(after: inner)..<dash]), (1...7).contains(g)
        {
            let profile = "\(g)g.\(name[name.index(after: dash)...].dropLast())gb"
            guard let p = MIGProfile.a100h100.first(where: { $0.name == profile }) else { return nil }
            mig = p
        }
        self.mig = mig
        let tail = name.utf8[name.utf8.index(after: dash)...]
        let digits = tail.prefix { $0 >= 0x30 && $0 <= 0x39 }
        guard let gb = Int(String(decoding: digits, as: UTF8.self)), gb > 0 else { return nil }
        let rest = tail.dropFirst(digits.count)
        guard rest.count == 1, let letter = rest.first, (0x41...0x5A).contains(letter) else { return nil }
        self.name = name
        framebufferGB = gb
        var board: UInt32 = 2_166_136_261  // FNV-1a over the board name
        for b in name.utf8[..<dash] { board = (board ^ UInt32(b)) &* 16_777_619 }
        key = VGPUKey(board: board, gigabytes: gb, series: letter)
    }

    /// How many of this type one GPU of `nominalGB` serves in homogeneous (equal-size) mode: one
    /// vGPU per SR-IOV VF, as many as the framebuffer divides into.
    public func capacity(onGPUOf nominalGB: Int) -> Int { nominalGB / framebufferGB }

    /// How many of this type one GPU serves in mixed-size mode: NVIDIA's mixed-size tables lower
    /// the equal-size maximum to the largest power of two not above it (L40S-8C: 6 equal-size,
    /// 4 mixed-size; L40S-16C: 3 and 2), because mixed-size placements are power-of-two aligned.
    public func mixedCapacity(onGPUOf nominalGB: Int) -> Int {
        let equal = capacity(onGPUOf: nominalGB)
        guard equal > 0 else { return 0 }
        return 1 << (Int.bitWidth - 1 - equal.leadingZeroBitCount)
    }
}

/// The nominal framebuffer of a GPU model name such as `A100-PCIE-80GB` (80), or nil.
public func nominalGigabytes(ofModel model: String) -> Int? {
    guard model.hasSuffix("GB") else { return nil }
    let stem = model.dropLast(2)
    let digits = stem.reversed().prefix(while: \.isNumber).reversed()
    return Int(String(digits))
}
