import CloudModel
import CloudStore
import Crypto
import Foundation

/// One page of a list: the items and the cursor of the next page (nil on the last).
public struct Page<T: Sendable>: Sendable {
    public var items: [T]
    public var next: String?

    public init(items: [T], next: String?) {
        self.items = items
        self.next = next
    }

    /// The same page with each item transformed.
    public func map<U>(_ f: (T) -> U) -> Page<U> { Page<U>(items: items.map(f), next: next) }
}

/// Paging of a list call: `limit` rows after `cursor` (an opaque token: the last ID seen).
public struct PageRequest: Sendable, Equatable {
    public var cursor: String?
    public var limit: Int
    /// The most rows one page returns.
    public static let maxLimit = 1000

    public init(cursor: String? = nil, limit: Int = PageRequest.maxLimit) {
        self.cursor = cursor
        self.limit = limit
    }
}

/// Hex SHA-256 of `text`.
public func sha256Hex(_ text: String) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(64)
    for b in SHA256.hash(data: Array(text.utf8)) {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 15)])
    }
    return String(decoding: out, as: UTF8.self)
}

extension StoreTransaction {
    /// Row `id` of `table` decoded as `T`, or a 404 naming `what`.
    func load<T: Decodable & Sendable>(
        _ type: T.Type, _ table: String, _ id: String, _ what: String
    ) async throws
        -> Versioned<T>
    {
        guard let v = try await read(T.self, StoreKey(table, id)) else { throw ServiceError.notFound(what, id) }
        return v
    }

    /// Rows of `table` after `page.cursor` that pass `keep`, at most `page.limit`; reads on in
    /// chunks until the page is full or the table ends.
    func list<T: Decodable & Sendable>(
        _ type: T.Type, _ table: String, _ page: PageRequest, where keep: (T) -> Bool = { _ in true }
    ) async throws -> Page<T> {
        var out: [T] = []
        var cursor = page.cursor
        let chunk = max(page.limit, 256)
        while out.count < page.limit {
            let rows = try await scan(table: table, after: cursor, limit: chunk)
            for row in rows {
                cursor = row.key.id
                let v = try row.decode(T.self).value
                guard keep(v) else { continue }
                out.append(v)
                if out.count == page.limit {
                    let more = try await !scan(table: table, after: cursor, limit: 1).isEmpty
                    return Page(items: out, next: more ? cursor : nil)
                }
            }
            if rows.count < chunk { break }
        }
        return Page(items: out, next: nil)
    }
}

/// An ID in a path or query parameter, checked for its prefix and form (400 naming `name`).
public func parseID(_ text: String, _ kind: ResourceKind, _ name: String) throws(ServiceError) -> String {
    do {
        return try ResourceID(parsing: text, as: kind).rawValue
    } catch {
        var e = ServiceError.badRequest("\(name): \(error.description)")
        e.errors = [FieldError(path: [name], detail: error.description)]
        throw e
    }
}

/// Names: `^[a-zA-Z0-9_-]+$`, `min...max` characters (the reference API's rule).
func checkName(_ body: JSONBody, _ key: String, _ name: String?, min: Int = 3, max: Int = 64) {
    guard let name else { return }
    let ok = name.utf8.allSatisfy { b in
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F || b == 0x2D
    }
    if !ok || name.count < min || name.count > max {
        body.reject(key, "must match ^[a-zA-Z0-9_-]+$ with \(min) to \(max) characters, got '\(name)'")
    }
}
