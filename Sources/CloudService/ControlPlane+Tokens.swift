import CloudModel
import CloudStore
import Foundation
import Synchronization

extension ControlPlane {
    /// Creates the bootstrap admin token when the store has no token yet (with secret `given`, or
    /// a random one); returns its secret (shown once; only its SHA-256 is stored), or nil when a
    /// token exists.
    public func bootstrapAdminToken(secret given: String? = nil) async throws -> String? {
        let secret =
            given ?? "cpt_"
            + (0..<4).map { _ in String(format: "%016llx", entropy.withLock { $0.nextWord() }) }.joined()
        let record = TokenRecord(
            id: newUUID(), name: "bootstrap-admin", sha256: sha256Hex(secret), role: "admin", created: now.iso8601)
        return try await store.transaction { t in
            guard try await t.scan(table: Table.tokens, after: nil, limit: 1).isEmpty else { return nil }
            try await t.put(StoreKey(Table.tokens, record.sha256), encoding: record, expect: .absent)
            return secret
        }
    }

    /// The principal of a bearer token, or nil when the store holds no such token.
    /// Known tokens are cached (tokens are never deleted yet; revocation comes with tenancy).
    public func authenticate(bearer: String) async throws -> Principal? {
        let digest = sha256Hex(bearer)
        if let p = tokenCache.withLock({ $0[digest] }) { return p }
        let record = try await store.snapshot { try await $0.read(TokenRecord.self, StoreKey(Table.tokens, digest)) }
        let principal = record.map { Principal("token:\($0.value.name)") }
        if let principal { tokenCache.withLock { $0[digest] = principal } }
        return principal
    }
}
