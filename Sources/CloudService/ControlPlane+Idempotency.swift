import CloudModel
import CloudStore
import Foundation
import Synchronization

extension ControlPlane {
    /// Runs the mutation `body` in one serializable transaction. With an Idempotency-Key, the key,
    /// the request's fingerprint (route and body) and the reply are stored in that same
    /// transaction: a retry with the same payload gets the stored reply, one with a different
    /// payload 422, one while the first is still being served 409. A mutation that throws stores
    /// nothing (the client may retry it).
    public func mutate(
        _ principal: Principal, route: String, idempotencyKey: String?, request: [UInt8],
        _ body: (any StoreTransaction) async throws -> ServiceReply
    ) async throws -> ServiceReply {
        guard let raw = idempotencyKey else { return try await store.transaction { try await body($0) } }
        let key = try Self.parseIdempotencyKey(raw)
        let slot = principal.name + "\n" + key
        guard inFlight.withLock({ $0.insert(slot).inserted }) else {
            throw ServiceError(409, "Conflict", "a request is outstanding for this Idempotency-Key")
        }
        defer { inFlight.withLock { _ = $0.remove(slot) } }
        let fingerprint = sha256Hex(route + "\n" + String(decoding: request, as: UTF8.self))
        let row = StoreKey(Table.idempotency, sha256Hex(slot))
        let now = self.now
        return try await store.transaction { t in
            // most keys are new: a backend may check this read at commit instead of now
            if let old = try await t.readExpectingAbsent(row)?.decode(IdempotencyRecord.self).value,
                now.nanoseconds - old.createdNanoseconds < Self.idempotencyRetentionNanoseconds
            {
                guard old.fingerprint == fingerprint else {
                    throw ServiceError(
                        422, "Unprocessable Content",
                        "Idempotency-Key '\(key)' was used with a different request (first on \(old.route))")
                }
                return ServiceReply(
                    status: old.status, body: Array(old.body.utf8), headers: ["Idempotent-Replayed": "true"])
            }
            let reply = try await body(t)
            let record = IdempotencyRecord(
                principal: principal.name, route: route, key: key, fingerprint: fingerprint, status: reply.status,
                body: String(decoding: reply.body, as: UTF8.self), created: now.iso8601,
                createdNanoseconds: now.nanoseconds)
            try await t.put(row, encoding: record, expect: .any)
            return reply
        }
    }

    /// The key as sent: an sf-string (`"…"`, the IETF draft) or a bare token (Stripe); 1–255
    /// printable ASCII characters.
    static func parseIdempotencyKey(_ raw: String) throws(ServiceError) -> String {
        var key = raw.trimmingCharacters(in: .whitespaces)
        if key.count >= 2 && key.hasPrefix("\"") && key.hasSuffix("\"") { key = String(key.dropFirst().dropLast()) }
        guard !key.isEmpty, key.utf8.count <= 255, key.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            var e = ServiceError.badRequest("Idempotency-Key must be 1 to 255 printable ASCII characters")
            e.errors = [FieldError(path: ["Idempotency-Key"], detail: "must be 1 to 255 printable ASCII characters")]
            throw e
        }
        return key
    }

    /// Deletes Idempotency-Keys older than the retention; returns how many.
    @discardableResult
    public func pruneIdempotencyKeys() async throws -> Int {
        let now = self.now
        return try await store.transaction { t in
            var n = 0
            for row in try await t.scan(table: Table.idempotency) {
                guard let r = try? row.decode(IdempotencyRecord.self).value,
                    now.nanoseconds - r.createdNanoseconds >= Self.idempotencyRetentionNanoseconds
                else { continue }
                try await t.delete(row.key, expect: .version(row.version))
                n += 1
            }
            return n
        }
    }
}
