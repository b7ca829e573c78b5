/// Appends exposition text to a byte buffer: plain bytes, escaped label values and help text, and
/// numbers spelled as Prometheus and OpenMetrics require. Integers take a fast path that never
/// allocates; other values use Swift's shortest round-trip spelling.
enum ByteWriter {
    @inline(__always)
    static func append(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { out.append(contentsOf: $0) }
    }

    @inline(__always)
    static func append(_ s: StaticString, to out: inout [UInt8]) {
        s.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    /// A label value with `\`, `"` and line feed escaped.
    static func appendLabelValue(_ v: String, to out: inout [UInt8]) {
        var v = v
        v.withUTF8 { bytes in
            guard bytes.contains(where: { $0 == 0x5C || $0 == 0x22 || $0 == 0x0A }) else {
                out.append(contentsOf: bytes)
                return
            }
            for b in bytes {
                switch b {
                case 0x5C: out.append(0x5C); out.append(0x5C)
                case 0x22: out.append(0x5C); out.append(0x22)
                case 0x0A: out.append(0x5C); out.append(0x6E)
                default: out.append(b)
                }
            }
        }
    }

    /// Help text: `\` and line feed escaped, and `"` too when `quotes` (OpenMetrics).
    static func appendHelp(_ v: String, quotes: Bool, to out: inout [UInt8]) {
        var v = v
        v.withUTF8 { bytes in
            for b in bytes {
                switch b {
                case 0x5C: out.append(0x5C); out.append(0x5C)
                case 0x0A: out.append(0x5C); out.append(0x6E)
                case 0x22 where quotes: out.append(0x5C); out.append(0x22)
                default: out.append(b)
                }
            }
        }
    }

    /// A sample value: integers without a decimal point, `NaN`, `+Inf`, `-Inf`, otherwise the
    /// shortest round-trip decimal.
    @inline(__always)
    static func appendNumber(_ v: Double, to out: inout [UInt8]) {
        if v == v.rounded(.towardZero) && abs(v) < 9_007_199_254_740_992 {
            appendInteger(Int64(v), to: &out)
        } else if v.isNaN {
            append("NaN", to: &out)
        } else if v.isInfinite {
            append(v > 0 ? "+Inf" : "-Inf", to: &out)
        } else {
            append(v.description, to: &out)
        }
    }

    /// A decimal integer, written without allocating.
    @inline(__always)
    static func appendInteger(_ v: Int64, to out: inout [UInt8]) {
        var n = v.magnitude
        if v < 0 { out.append(0x2D) }
        if n < 10 {
            out.append(0x30 &+ UInt8(truncatingIfNeeded: n))
            return
        }
        var digits = 0
        var probe = n
        while probe > 0 {
            digits &+= 1
            probe /= 10
        }
        let start = out.count
        out.append(contentsOf: repeatElement(0x30, count: digits))
        out.withUnsafeMutableBufferPointer { buf in
            var i = start + digits - 1
            while n > 0 {
                buf[i] = 0x30 &+ UInt8(truncatingIfNeeded: n % 10)
                n /= 10
                i -= 1
            }
        }
    }

    /// Unsigned counts (histogram buckets).
    @inline(__always)
    static func appendCount(_ v: UInt64, to out: inout [UInt8]) {
        if v <= UInt64(Int64.max) { appendInteger(Int64(v), to: &out) } else { append(String(v), to: &out) }
    }
}
