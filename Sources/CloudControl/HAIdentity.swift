import CloudModel

/// An ID of the HA core: the resource-ID text with a digest of it. The digest is compared and
/// hashed before the text, so lookups and inequality tests cost an integer comparison (the core
/// compares IDs every round). Equality, hashing, order, `Codable` (as the bare text) and string
/// literals come from this protocol.
public protocol HAIdentifier: Hashable, Comparable, Sendable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    /// The ID text.
    var rawValue: String { get }
    /// `idDigest(rawValue)`.
    var digest: UInt64 { get }
    /// The ID with text `rawValue`.
    init(_ rawValue: String)
}

extension HAIdentifier {
    /// The ID of resource `id`.
    public init(_ id: ResourceID) { self.init(id.rawValue) }

    public init(stringLiteral value: String) { self.init(value) }

    public init(from decoder: any Decoder) throws { self.init(try decoder.singleValueContainer().decode(String.self)) }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    @inlinable public static func == (a: Self, b: Self) -> Bool { a.digest == b.digest && a.rawValue == b.rawValue }

    @inlinable public func hash(into hasher: inout Hasher) { hasher.combine(digest) }

    @inlinable public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    public var description: String { rawValue }
}

/// A host as the HA core names it: the node's resource ID (`node-…`), never a position. The
/// control plane passes the ID text of its node rows; the simulator those of its simulated nodes.
public struct HostID: HAIdentifier {
    public let rawValue: String
    public let digest: UInt64

    public init(_ rawValue: String) {
        self.rawValue = rawValue
        digest = idDigest(rawValue)
    }
}

/// An HA-managed VM as the HA core names it: the instance's resource ID (`inst-…`).
public struct VMID: HAIdentifier {
    public let rawValue: String
    public let digest: UInt64

    public init(_ rawValue: String) {
        self.rawValue = rawValue
        digest = idDigest(rawValue)
    }
}

/// FNV-1a over the UTF-8 of an ID: deterministic (unlike `Hasher`), so it may be stored in
/// values that are compared across runs.
public func idDigest(_ text: String) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
    return h
}

/// A placement the scheduler made for a VM, kept with the VM's HA record so that the claim and
/// the command that needs it are written in one transaction. `resources` is the placement's own
/// encoding of what it holds (the scheduler's claim as JSON); a new leader's placement restores
/// its capacity from it.
public struct HAClaim: Sendable, Equatable, Codable {
    /// The host the claim holds capacity on.
    public let host: HostID
    /// The placement's encoding of the allocation (CPUs, memory, GPUs, groups).
    public let resources: String

    /// A claim on `host` holding `resources`.
    public init(host: HostID, resources: String) {
        self.host = host
        self.resources = resources
    }
}
