/// The kind of a resource, as told by the prefix of its ID (`org-`, `dc-`, `cls-` …).
public enum ResourceKind: String, CaseIterable, Sendable, Codable {
    case organization = "org"
    case datacenter = "dc"
    case cluster = "cls"
    case node = "node"
    case instance = "inst"
    case volume = "vol"
    case storagePool = "pool"
    /// A standalone vSwitch.
    case vSwitch = "svs"
    case user = "user"

    /// The ID prefix including its dash, for example `"node-"`.
    public var prefix: String { rawValue + "-" }
}

/// Why a string is not a valid resource ID.
public struct ResourceIDError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The rejected text.
    public let value: String
    /// What is wrong with it.
    public let reason: String

    public var description: String { "invalid resource ID '\(value)': \(reason)" }
}

/// A resource ID as the reference API spells it: a type prefix plus a 21-character nanoid over
/// `[A-Za-z0-9_-]`, for example `node-v-0Arj5EWsLjOEJCJDkxP`.
public struct ResourceID: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    /// The number of characters after the prefix.
    public static let nanoidLength = 21
    /// The nanoid alphabet (64 symbols, so one random byte's low 6 bits pick one).
    public static let alphabet: [UInt8] = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-".utf8)

    /// The resource kind named by the prefix.
    public let kind: ResourceKind
    /// The full ID text, prefix included.
    public let rawValue: String

    /// Parses `text`, optionally requiring a kind.
    /// - Throws: `ResourceIDError` naming the value when the prefix, length or alphabet is wrong.
    public init(parsing text: String, as expected: ResourceKind? = nil) throws(ResourceIDError) {
        guard let dash = text.firstIndex(of: "-") else {
            throw ResourceIDError(value: text, reason: "missing type prefix such as 'node-'")
        }
        let prefix = String(text[..<dash])
        guard let kind = ResourceKind(rawValue: prefix) else {
            let known = ResourceKind.allCases.map(\.prefix).joined(separator: ", ")
            throw ResourceIDError(value: text, reason: "unknown prefix '\(prefix)-' (expected one of \(known))")
        }
        if let expected, expected != kind {
            throw ResourceIDError(value: text, reason: "expected prefix '\(expected.prefix)', found '\(kind.prefix)'")
        }
        let body = text.utf8[text.utf8.index(after: dash)...]
        guard body.count == Self.nanoidLength else {
            throw ResourceIDError(
                value: text,
                reason: "expected \(Self.nanoidLength) characters after '\(kind.prefix)', found \(body.count)")
        }
        guard body.allSatisfy(Self.isAlphabetByte) else {
            throw ResourceIDError(value: text, reason: "characters outside [A-Za-z0-9_-]")
        }
        self.kind = kind
        self.rawValue = text
    }

    /// Builds an ID from a kind and an already valid nanoid body. Used by generators.
    init(kind: ResourceKind, body: String) {
        precondition(body.utf8.count == Self.nanoidLength, "nanoid body must be 21 characters")
        self.kind = kind
        self.rawValue = kind.prefix + body
    }

    static func isAlphabetByte(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x5F || b == 0x2D
    }

    public var description: String { rawValue }

    public static func < (lhs: ResourceID, rhs: ResourceID) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// A source of 64-bit random words for ID generation. The simulator passes its seeded PRNG so IDs
/// are deterministic; the live runtime passes a system generator.
public protocol IDEntropySource {
    /// Returns the next 64 random bits.
    mutating func nextWord() -> UInt64
}

/// Generates resource IDs from an injected entropy source.
public struct IDGenerator<Source: IDEntropySource> {
    /// The entropy source; exposed so callers can inspect or reseed it.
    public var source: Source

    /// Creates a generator drawing from `source`.
    public init(source: Source) { self.source = source }

    /// Returns a fresh ID of the given kind: 21 symbols, 6 bits each, from 3 words.
    public mutating func next(_ kind: ResourceKind) -> ResourceID {
        var bytes = [UInt8]()
        bytes.reserveCapacity(ResourceID.nanoidLength)
        var word: UInt64 = 0
        for i in 0..<ResourceID.nanoidLength {
            if i % 10 == 0 { word = source.nextWord() }
            bytes.append(ResourceID.alphabet[Int(word & 63)])
            word >>= 6
        }
        return ResourceID(kind: kind, body: String(decoding: bytes, as: UTF8.self))
    }
}
