import CloudModel

/// The simulator's only source of randomness: xoshiro256** (Blackman and Vigna), seeded through
/// SplitMix64. Platform-independent, so a (seed, scenario, build) replays bit-exactly everywhere.
public struct Xoshiro256StarStar: RandomNumberGenerator, IDEntropySource, Sendable {
    @usableFromInline var s0: UInt64
    @usableFromInline var s1: UInt64
    @usableFromInline var s2: UInt64
    @usableFromInline var s3: UInt64

    /// Seeds the four state words from SplitMix64(seed), as the authors recommend.
    public init(seed: UInt64) {
        var sm = SplitMix64(seed: seed)
        s0 = sm.next()
        s1 = sm.next()
        s2 = sm.next()
        s3 = sm.next()
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    public mutating func nextWord() -> UInt64 { next() }

    /// A uniform integer in `0..<bound` without modulo bias (Lemire's multiply-shift with rejection).
    @inline(__always)
    public mutating func below(_ bound: UInt64) -> UInt64 {
        precondition(bound > 0, "bound must be positive")
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return m.high
    }

    /// A uniform integer in `range`.
    public mutating func int(in range: ClosedRange<Int64>) -> Int64 {
        let span = UInt64(bitPattern: range.upperBound &- range.lowerBound) &+ 1
        if span == 0 { return Int64(bitPattern: next()) }
        return range.lowerBound &+ Int64(bitPattern: below(span))
    }

    /// True with probability `p`, an exact integer ratio.
    public mutating func chance(_ p: Probability) -> Bool {
        p.numerator >= p.denominator || below(p.denominator) < p.numerator
    }

    /// A uniform value in [0, 1) with 53 random bits; exact and platform-independent.
    @inline(__always)
    public mutating func unitInterval() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Returns a derived generator for a sub-stream (jump-free splitting via SplitMix64 of a draw).
    public mutating func split() -> Xoshiro256StarStar { Xoshiro256StarStar(seed: next()) }
}

@inline(__always) func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

/// A probability as an exact integer ratio `numerator / denominator`, so that decisions never
/// depend on floating-point rounding.
public struct Probability: Hashable, Sendable, CustomStringConvertible {
    public let numerator: UInt64
    public let denominator: UInt64

    /// Creates `numerator / denominator`; the denominator must be positive and not below the numerator.
    public init(_ numerator: UInt64, _ denominator: UInt64) {
        precondition(denominator > 0 && numerator <= denominator, "probability must be within [0, 1]")
        self.numerator = numerator
        self.denominator = denominator
    }

    /// Parts per million.
    public static func ppm(_ n: UInt64) -> Probability { Probability(n, 1_000_000) }

    public var description: String { "\(numerator)/\(denominator)" }
}
