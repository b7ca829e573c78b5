import ArgumentParser
import CloudAPI
import CloudModel
import CloudScenario
import CloudService
import CloudSim
import CloudStore
import CloudStorePostgres
import CloudStoreSQLite
import Foundation
import Hummingbird
import Synchronization

struct BenchAPI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract:
            "Creates/s through HTTP with concurrent clients against a raw single-row-insert baseline on the same "
            + "database, GET latency, and listing 10,000 instances page by page.")

    @Option(help: "Concurrent HTTP clients.") var clients = 64
    @Option(help: "Creates per measured run (and as many baseline inserts).") var creates = 2000
    @Option(help: "Measured runs (the median is reported).") var runs = 3
    @Option(help: "GETs of random instances measured (after as many unmeasured warm-up GETs as clients × 10).")
    var gets = 20_000
    @Option(help: "Store backend: sqlite (a fresh temporary file) or postgres (--database).") var backend = "sqlite"
    @Option(help: ArgumentHelp("An empty PostgreSQL database for --backend postgres.", valueName: "URL"))
    var database: String?
    @Option(help: "text or json.") var format: OutputFormat = .json

    func validate() throws {
        guard (1...1024).contains(clients) else { throw ValidationError("--clients must be 1...1024") }
        guard creates >= clients && creates <= 1_000_000 else {
            throw ValidationError("--creates must be clients...1000000")
        }
        guard (1...20).contains(runs) else { throw ValidationError("--runs must be 1...20") }
        guard (1...10_000_000).contains(gets) else { throw ValidationError("--gets must be 1...10000000") }
        guard backend == "sqlite" || backend == "postgres" else {
            throw ValidationError("--backend must be sqlite or postgres")
        }
        if backend == "postgres" && database == nil { throw ValidationError("--backend postgres needs --database URL") }
    }

    func run() async throws {
        let dir = NSTemporaryDirectory() + "cloudplane-bench-api-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store: any MigratingStore
        let baseline: @Sendable (Int, Int) async throws -> Double
        var durability = "full"
        var storeStats: @Sendable () -> [String: Any] = { [:] }
        if backend == "postgres", let url = database {
            let pg = try await PostgresStore(url: url)
            guard try await pg.snapshot({ try await $0.scan(table: Table.nodes, after: nil, limit: 1) }).isEmpty else {
                throw ValidationError("--database must name an empty database (it holds nodes)")
            }
            store = pg
            baseline = { try await pg.baselineInserts($0, concurrency: $1) }
            durability = "postgres"
            storeStats = {
                let s = pg.stats
                return [
                    "store_transactions": s.transactions, "store_retries": s.retries,
                    "store_savepoint_reruns": s.savepointReruns,
                ]
            }
        } else {
            let lite = try await SQLiteStore(directory: dir)
            store = lite
            baseline = { try await lite.baselineInserts($0, concurrency: $1) }
            durability = lite.durability.rawValue
        }
        let rig = try await BenchAPIRig.start(store: store)
        defer { rig.server.cancel() }
        var rates: [Double] = []
        var baselines: [Double] = []
        var createLatencies: [Double] = []
        var ids: [String] = []
        for r in 0..<runs {
            let (rate, lat, made) = try await rig.createRun(run: r, creates: creates, clients: clients)
            rates.append(rate)
            createLatencies += lat
            ids += made
            baselines.append(Double(creates) / (try await baseline(creates, clients)))
        }
        _ = try await rig.getRun(ids: ids, count: clients * 10, clients: clients)
        let gets = try await rig.getRun(ids: ids, count: self.gets, clients: clients)
        let listSeconds = try await rig.listRun(total: 10_000, have: ids.count)
        let median = { (v: [Double]) in quantile(v, 0.5) }
        var o: [String: Any] = [
            "backend": backend, "clients": clients, "creates": creates, "runs": runs, "gets": self.gets,
            "creates_per_second": median(rates), "creates_per_second_runs": rates,
            "baseline_inserts_per_second": median(baselines), "baseline_inserts_per_second_runs": baselines,
            "ratio": median(rates) / max(median(baselines), 1e-9),
            "create_p50_ms": quantile(createLatencies, 0.5), "create_p99_ms": quantile(createLatencies, 0.99),
            "get_p50_ms": quantile(gets, 0.5), "get_p99_ms": quantile(gets, 0.99), "list_10k_seconds": listSeconds,
            "durability": durability,
        ]
        o.merge(storeStats()) { a, _ in a }
        if format == .text {
            print(
                "api (\(backend), \(clients) clients): \(Int(median(rates))) creates/s vs \(Int(median(baselines))) raw "
                    + "inserts/s (ratio \(o["ratio"] ?? 0)); GET p50 \(o["get_p50_ms"] ?? 0) ms, p99 \(o["get_p99_ms"] ?? 0) ms; "
                    + "10,000 listed in \(listSeconds) s")
            return
        }
        let data = try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}
