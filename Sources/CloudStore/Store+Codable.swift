import Foundation

/// A row decoded as a value, with the version a later write can expect.
public struct Versioned<Value: Sendable>: Sendable {
    public let value: Value
    public let version: UInt64
}

/// A row whose bytes do not decode as the type asked for.
public struct StoreDecodingError: Error, Sendable, CustomStringConvertible {
    public let key: StoreKey
    public let reason: String
    public var description: String { "row \(key) does not decode: \(reason)" }
}

extension StoredRow {
    /// The row's bytes decoded from JSON as `T`.
    public func decode<T: Decodable & Sendable>(_ type: T.Type) throws -> Versioned<T> {
        do {
            return Versioned(value: try JSONDecoder().decode(T.self, from: Data(value)), version: version)
        } catch {
            throw StoreDecodingError(key: key, reason: "\(error)")
        }
    }
}

extension StoreTransaction {
    /// The row at `key` decoded from JSON as `T`.
    public func read<T: Decodable & Sendable>(_ type: T.Type, _ key: StoreKey) async throws -> Versioned<T>? {
        try await read(key)?.decode(T.self)
    }

    /// Writes `value` as JSON (keys sorted, so equal values are equal bytes).
    @discardableResult
    public func put<T: Encodable>(_ key: StoreKey, encoding value: T, expect: WritePrecondition) async throws -> UInt64
    {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try await put(key, Array(try encoder.encode(value)), expect: expect)
    }
}
