import CloudStore

extension StoreConformance {
    /// Cases for what a backend that groups transactions or defers their writes must still get
    /// right: each transaction's writes alone, its deletes in its own scans, reads it expects to
    /// find nothing, and one-row reads outside a transaction.
    static let batchCases: [StoreConformanceCase] = [
        StoreConformanceCase(name: "a paged scan inside a transaction skips the rows it deleted and stays full") {
            store in
            let ids = (0..<12).map { "vol-\(String($0 + 10))" }
            try await store.transaction { t in
                for id in ids { try await t.put(StoreKey("volumes", id), bytes(id), expect: .absent) }
            }
            let page = try await store.transaction { t -> [String] in
                for id in ids[1...3] { try await t.delete(StoreKey("volumes", id), expect: .version(1)) }
                try await t.put(StoreKey("volumes", "vol-105"), bytes("new"), expect: .absent)
                return try await t.scan(table: "volumes", after: ids[0], limit: 5).map(\.key.id)
            }
            let expected = Array(
                (ids[4...] + ["vol-105"]).sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) })
                    .prefix(5))
            try require(page == expected, "page after deleting three: \(page), expected \(expected)")
            let all = try await store.snapshot { try await $0.scan(table: "volumes").map(\.key.id) }
            try require(all.count == ids.count - 3 + 1, "committed rows: \(all)")
        },
        StoreConformanceCase(name: "concurrent transactions commit alone: a failing one leaves nothing") { store in
            let n = 24
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<n {
                    group.addTask {
                        do {
                            try await store.transaction { t in
                                try await t.put(StoreKey("tasks", "t-\(i)"), bytes("\(i)"), expect: .absent)
                                try await t.put(StoreKey("tasks", "shared-\(i % 3)"), bytes("\(i)"), expect: .any)
                                if i % 2 == 1 { throw ConformanceFailure("member \(i) fails on purpose") }
                            }
                        } catch is ConformanceFailure {}
                    }
                }
                try await group.waitForAll()
            }
            let rows = try await store.snapshot { try await $0.scan(table: "tasks") }
            let own = rows.filter { $0.key.id.hasPrefix("t-") }.map(\.key.id).sorted()
            let wanted = (0..<n).filter { $0 % 2 == 0 }.map { "t-\($0)" }.sorted()
            try require(own == wanted, "rows of the transactions: \(own)")
            for r in rows where r.key.id.hasPrefix("shared-") {
                let writers = (0..<n).filter { $0 % 2 == 0 && "shared-\($0 % 3)" == r.key.id }
                try require(
                    r.version == UInt64(writers.count), "\(r.key.id) at version \(r.version), \(writers.count) writers")
            }
            let feed = try await store.changes(after: 0, limit: 1000)
            try require(feed.count == 2 * wanted.count, "feed holds \(feed.count) changes for \(wanted.count) commits")
        },
        StoreConformanceCase(name: "a read expecting nothing finds a row that exists") { store in
            let k = StoreKey("idempotency", "key-1")
            try await store.transaction { try await $0.put(k, bytes("first reply"), expect: .absent) }
            let seen = try await store.transaction { t -> StoredRow? in
                let found = try await t.readExpectingAbsent(k)
                if found == nil { try await t.put(k, bytes("second reply"), expect: .any) }
                return found
            }
            try require(seen?.value == bytes("first reply"), "read expecting nothing gave \(String(describing: seen))")
            let row = try await store.get(k)
            try require(
                row?.value == bytes("first reply") && row?.version == 1, "row after: \(String(describing: row))")
            try require(try await store.get(StoreKey("idempotency", "none")) == nil, "get of a missing row found one")
        },
    ]
}
