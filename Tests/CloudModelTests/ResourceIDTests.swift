import Foundation
import Testing

@testable import CloudModel

struct CountingSource: IDEntropySource {
    var state: UInt64 = 0
    mutating func nextWord() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return state
    }
}

@Suite struct ResourceIDTests {
    @Test(arguments: [
        ("node-v-0Arj5EWsLjOEJCJDkxP", ResourceKind.node),
        ("cls-sAUFLcykNqhcmE6Ris3-O", .cluster),
        ("dc-2eM7gtpSRNKVc_cXtcYuT", .datacenter),
        ("inst-HXaWB3nGoDbukDqSaRJ7k", .instance),
    ])
    func parsesReferenceExamples(text: String, kind: ResourceKind) throws {
        let id = try ResourceID(parsing: text)
        #expect(id.kind == kind)
        #expect(id.rawValue == text)
    }

    @Test(arguments: [
        ("node-abc", "expected 21 characters after 'node-', found 3"),
        ("vm-HXaWB3nGoDbukDqSaRJ7k", "unknown prefix 'vm-'"),
        ("HXaWB3nGoDbukDqSaRJ7k", "missing type prefix"),
        ("inst-HXaWB3nGoDbukDqSaRJ7!", "characters outside [A-Za-z0-9_-]"),
    ])
    func rejectsBadIDsNamingTheValue(text: String, reason: String) {
        #expect {
            try ResourceID(parsing: text)
        } throws: { error in
            let e = error as? ResourceIDError
            return e?.value == text && e?.description.contains(reason) == true
        }
    }

    @Test func rejectsWrongExpectedKind() {
        #expect(throws: ResourceIDError.self) {
            try ResourceID(parsing: "node-v-0Arj5EWsLjOEJCJDkxP", as: .instance)
        }
    }

    @Test func generatorIsDeterministicAndProducesValidIDs() throws {
        var a = IDGenerator(source: CountingSource())
        var b = IDGenerator(source: CountingSource())
        var seen = Set<String>()
        for kind in ResourceKind.allCases {
            for _ in 0..<50 {
                let x = a.next(kind)
                #expect(x == b.next(kind))
                #expect(try ResourceID(parsing: x.rawValue, as: kind) == x)
                seen.insert(x.rawValue)
            }
        }
        #expect(seen.count == ResourceKind.allCases.count * 50)
    }

    @Test func decodingRejectsBadIDWithCodingPath() {
        let json = Data(#"{"id":"org-short","name":"x","is_root":false,"creation":"2026-01-01T00:00:00.000Z"}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Organization.self, from: json) }
    }
}

@Suite struct TimestampTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (1_767_323_045_678_000_000, "2026-01-02T03:04:05.678Z"),
        (951_782_400_000_000_000, "2000-02-29T00:00:00.000Z"),
        (-1_000_000, "1969-12-31T23:59:59.999Z"),
    ])
    func formatsAndParsesISO8601(ns: Int64, text: String) {
        #expect(Timestamp(nanoseconds: ns).iso8601 == text)
        #expect(Timestamp(iso8601: text) == Timestamp(nanoseconds: ns))
    }

    @Test(arguments: ["2026-13-01T00:00:00Z", "2026-01-01 00:00:00Z", "yesterday", "2026-01-01T00:00:00.Z"])
    func rejectsMalformed(text: String) {
        #expect(Timestamp(iso8601: text) == nil)
    }
}
