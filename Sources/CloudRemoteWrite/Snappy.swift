import CSnappy

/// Snappy **block** format (not the framed format, which receivers reject), through libsnappy.
public enum Snappy {
    /// Compresses `input` into a block-format stream.
    public static func compress(_ input: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: snappy_max_compressed_length(input.count))
        var length = out.count
        let status = input.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                src.withMemoryRebound(to: CChar.self) { s in
                    dst.withMemoryRebound(to: CChar.self) { d in
                        snappy_compress(s.baseAddress, src.count, d.baseAddress, &length)
                    }
                }
            }
        }
        precondition(status == SNAPPY_OK, "snappy_compress failed with a buffer of the maximum size")
        out.removeLast(out.count - length)
        return out
    }

    /// Decompresses a block-format stream; nil when it is corrupt.
    public static func decompress(_ input: [UInt8]) -> [UInt8]? {
        var length = 0
        let ok = input.withUnsafeBufferPointer { src in
            src.withMemoryRebound(to: CChar.self) { snappy_uncompressed_length($0.baseAddress, src.count, &length) }
        }
        guard ok == SNAPPY_OK else { return nil }
        var out = [UInt8](repeating: 0, count: length)
        let status = input.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                src.withMemoryRebound(to: CChar.self) { s in
                    dst.withMemoryRebound(to: CChar.self) { d in
                        snappy_uncompress(s.baseAddress, src.count, d.baseAddress, &length)
                    }
                }
            }
        }
        return status == SNAPPY_OK ? out : nil
    }
}
