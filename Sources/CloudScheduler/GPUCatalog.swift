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

    /// The 8-bit occupancy mask of this profile placed at `start`.
    public func mask(at start: Int) -> UInt8 { UInt8(truncatingIfNeeded: ((1 << size) - 1) << start) }

    /// The A100-80GB / H100-80GB table (profile IDs 19, 15, 14, 9, 5, 0).
    public static let a100h100: [MIGProfile] = [
        MIGProfile(name: "1g.10gb", computeSlices: 1, size: 1, starts: [0, 1, 2, 3, 4, 5, 6]),
        MIGProfile(name: "1g.20gb", computeSlices: 1, size: 2, starts: [0, 2, 4, 6]),
        MIGProfile(name: "2g.20gb", computeSlices: 2, size: 2, starts: [0, 2, 4]),
        MIGProfile(name: "3g.40gb", computeSlices: 3, size: 4, starts: [0, 4]),
        MIGProfile(name: "4g.40gb", computeSlices: 4, size: 4, starts: [0]),
        MIGProfile(name: "7g.80gb", computeSlices: 7, size: 8, starts: [0]),
    ]

    /// Looks a profile up by name.
    public static func named(_ name: String) -> MIGProfile? { a100h100.first { $0.name == name } }

    /// True when some allowed start is free in `occupied`.
    @inline(__always)
    public func canPlace(in occupied: UInt8) -> Bool {
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
        a100h100.reduce(0) { acc, p in
            acc + p.starts.count(where: { UInt8(m) & p.mask(at: $0) == 0 }) * p.size * p.size
        }
    }
}

/// A vGPU type as a plain value, cheap to copy and compare: a digest of the board name (`A100D`),
/// the framebuffer size and the series letter (`20C`).
public struct VGPUKey: Hashable, Sendable, CustomStringConvertible {
    public let board: UInt32
    public let gigabytes: Int
    public let series: UInt8

    public var description: String { "\(gigabytes)\(Character(Unicode.Scalar(series)))" }
}

/// A vGPU type such as `A100D-20C`: its framebuffer size in GB, parsed from the name.
public struct VGPUType: Sendable, Equatable {
    // size first: the synthesized == compares in declaration order, so most mismatches cost an
    // integer compare
    public let framebufferGB: Int
    public let key: VGPUKey
    public let name: String

    /// Parses `<board>-<GB><series letter>`, e.g. `H100XM-10C` → 10 GB; nil when malformed.
    public init?(_ name: String) {
        guard let dash = name.lastIndex(of: "-") else { return nil }
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

    /// How many of this type one GPU of `nominalGB` serves in homogeneous mode.
    public func capacity(onGPUOf nominalGB: Int) -> Int { nominalGB / framebufferGB }
}

/// The nominal framebuffer of a GPU model name such as `A100-PCIE-80GB` (80), or nil.
public func nominalGigabytes(ofModel model: String) -> Int? {
    guard model.hasSuffix("GB") else { return nil }
    let stem = model.dropLast(2)
    let digits = stem.reversed().prefix(while: \.isNumber).reversed()
    return Int(String(digits))
}
