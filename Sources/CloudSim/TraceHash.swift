/// A rolling 128-bit fingerprint of a simulation run. The kernel mixes a canonical encoding of
/// every dispatched event (time, sequence, kind, argument) and models mix payload digests; the
/// final digest also covers the last PRNG draw (FoundationDB's "unseed").
public struct TraceHasher: Sendable, Equatable {
    @usableFromInline var a: UInt64 = 0x6A09_E667_F3BC_C908
    @usableFromInline var b: UInt64 = 0xBB67_AE85_84CA_A73B

    public init() {}

    /// Mixes one 64-bit word.
    @inline(__always)
    public mutating func mix(_ w: UInt64) {
        a = (a ^ w) &* 0x9E37_79B9_7F4A_7C15
        a = (a << 31) | (a >> 33)
        b = (b &+ w) ^ a
        b = b &* 0xC2B2_AE3D_27D4_EB4F
    }

    /// Mixes the bytes of a string (length first, so concatenations differ).
    public mutating func mix(_ s: String) {
        mix(UInt64(s.utf8.count))
        var word: UInt64 = 0
        var n = 0
        for byte in s.utf8 {
            word = (word << 8) | UInt64(byte)
            n += 1
            if n == 8 {
                mix(word)
                word = 0
                n = 0
            }
        }
        if n > 0 { mix(word) }
    }

    static func fmix(_ k0: UInt64) -> UInt64 {
        var k = k0
        k ^= k >> 33
        k = k &* 0xFF51_AFD7_ED55_8CCD
        k ^= k >> 33
        k = k &* 0xC4CE_B9FE_1A85_EC53
        k ^= k >> 33
        return k
    }

    /// The 128-bit digest as two words.
    public var digest: (UInt64, UInt64) {
        let x = Self.fmix(a ^ (b >> 1))
        let y = Self.fmix(b &+ x)
        return (x, y)
    }

    /// The digest as 32 lower-case hex digits.
    public var hex: String {
        let (x, y) = digest
        return Self.hex(x, y)
    }

    /// Two digest words as 32 lower-case hex digits (also used for digests computed elsewhere,
    /// such as the C baseline's).
    public static func hex(_ x: UInt64, _ y: UInt64) -> String { hex64(x) + hex64(y) }
}

func hex64(_ v: UInt64) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: 16 - s.count) + s
}
