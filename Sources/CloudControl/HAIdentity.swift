import CloudModel

/// A host as the HA core names it: the node's resource ID (`node-…`), never a position. The
/// control plane passes the ID text of its node rows; the simulator those of its simulated nodes.
public struct HostID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The ID text.
    public let rawValue: String
    /// A digest of the text: compared and hashed before the text, so lookups and inequality
    /// tests cost an integer comparison (the core compares IDs in every round).
    let digest: UInt64

    /// The host named `rawValue`.
    public init(_ rawValue: String) {
        self.rawValue = rawValue
        digest = idDigest(rawValue)
    }

    public static func == (a: HostID, b: HostID) -> Bool { a.digest == b.digest && a.rawValue == b.rawValue }

    public func hash(into hasher: inout Hasher) { hasher.combine(digest) }

    /// The host of node `id`.
    public init(_ id: ResourceID) { self.init(id.rawValue) }

    public init(stringLiteral value: String) { self.init(value) }

    public init(from decoder: any Decoder) throws { self.init(try decoder.singleValueContainer().decode(String.self)) }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    public var description: String { rawValue }

    public static func < (a: HostID, b: HostID) -> Bool { a.rawValue < b.rawValue }
}

/// An HA-managed VM as the HA core names it: the instance's resource ID (`inst-…`).
public struct VMID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The ID text.
    public let rawValue: String
    /// A digest of the text: compared and hashed before the text, so lookups and inequality
    /// tests cost an integer comparison (the core compares IDs in every round).
    let digest: UInt64

    /// The VM named `rawValue`.
    public init(_ rawValue: String) {
        self.rawValue = rawValue
        digest = idDigest(rawValue)
    }

    public static func == (a: VMID, b: VMID) -> Bool { a.digest == b.digest && a.rawValue == b.rawValue }

    public func hash(into hasher: inout Hasher) { hasher.combine(digest) }

    /// The VM of instance `id`.
    public init(_ id: ResourceID) { self.init(id.rawValue) }

    public init(stringLiteral value: String) { self.init(value) }

    public init(from decoder: any Decoder) throws { self.init(try decoder.singleValueContainer().decode(String.self)) }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    public var description: String { rawValue }

    public static func < (a: VMID, b: VMID) -> Bool { a.rawValue < b.rawValue }
}

/// FNV-1a over the UTF-8 of an ID: deterministic (unlike `Hasher`), so it may be stored in
/// values that are compared across runs.
func idDigest(_ text: String) -> UInt64 {
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
