import CloudModel
import CloudStore
import Foundation
import Synchronization

/// What a mutating call answers: status and JSON body (stored with its Idempotency-Key and
/// replayed to retries), and the headers to add.
public struct ServiceReply: Sendable, Equatable {
    public var status: Int
    public var body: [UInt8]
    public var headers: [String: String]

    public init(status: Int = 200, body: [UInt8], headers: [String: String] = [:]) {
        self.status = status
        self.body = body
        self.headers = headers
    }

    /// A 200 (or `status`) with `value` encoded as JSON.
    public static func json(_ value: some Encodable, status: Int = 200) -> ServiceReply {
        ServiceReply(status: status, body: Wire.encode(value))
    }

    /// A 200 with `value` and `ETag: "version"` (the row's new version after an update).
    public static func json(_ value: some Encodable, etag version: UInt64) -> ServiceReply {
        ServiceReply(body: Wire.encode(value), headers: ["ETag": "\"\(version)\""])
    }
}

/// JSON encoding and decoding of wire and stored values.
public enum Wire {
    /// `value` as JSON, keys sorted (equal values give equal bytes).
    public static func encode(_ value: some Encodable) -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try e.encode(value))
        } catch {
            preconditionFailure("a wire value failed to encode: \(error)")
        }
    }

    /// `bytes` decoded as `T`; nil when they are not one.
    public static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) -> T? {
        try? JSONDecoder().decode(T.self, from: Data(bytes))
    }
}

/// Who made a request (for idempotency scope, task ownership and, later, policy).
public struct Principal: Sendable, Equatable {
    /// `token:<name>` or `system`.
    public let name: String
    public init(_ name: String) { self.name = name }
    /// The control plane itself (the first-start seeding, controllers).
    public static let system = Principal("system")
}

/// The control-plane service over a `Store`: the resource model, admission and validation, tasks,
/// Idempotency-Keys and versions. The HTTP layer (CloudAPI) and the controllers call it; it does
/// no I/O of its own besides the store.
public final class ControlPlane: Sendable {
    public let store: any Store
    let clock: @Sendable () -> Timestamp
    let entropy: Mutex<SystemEntropy>
    /// Idempotency keys whose first request is still being served (a retry now gets 409).
    let inFlight = Mutex<Set<String>>([])
    /// Principals of tokens seen, by the SHA-256 of the secret.
    let tokenCache = Mutex<[String: Principal]>([:])
    let wake: AsyncStream<Void>.Continuation
    /// Fires when a task is queued (the controllers' wake-up).
    public let wakeups: AsyncStream<Void>
    /// How long an Idempotency-Key is kept (24 h, as Stripe and EC2 promise at least).
    public static let idempotencyRetentionNanoseconds: Int64 = 24 * 3600 * 1_000_000_000

    /// A service over `store`; `clock` gives wall time.
    public init(store: any Store, clock: @escaping @Sendable () -> Timestamp = ControlPlane.wallClock) {
        self.store = store
        self.clock = clock
        entropy = Mutex(SystemEntropy())
        (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// The system's wall clock.
    public static let wallClock: @Sendable () -> Timestamp = {
        Timestamp(nanoseconds: Int64(Date().timeIntervalSince1970 * 1e9))
    }

    /// The current time.
    public var now: Timestamp { clock() }

    /// A new resource ID of `kind`.
    public func newID(_ kind: ResourceKind) -> ResourceID {
        entropy.withLock { e in
            var g = IDGenerator(source: e)
            let id = g.next(kind)
            e = g.source
            return id
        }
    }

    /// A new UUID v4 (task IDs).
    public func newUUID() -> String { UUID().uuidString.lowercased() }

    /// Wakes the controllers.
    public func kick() { wake.yield() }
}

/// The system's random number generator as an ID entropy source (the live control plane; the
/// simulator passes its seeded generator instead).
public struct SystemEntropy: IDEntropySource, Sendable {
    var rng = SystemRandomNumberGenerator()
    public init() {}
    public mutating func nextWord() -> UInt64 { rng.next() }
}
