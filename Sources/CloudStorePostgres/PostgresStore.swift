import CloudStore
import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// The PostgreSQL (and CockroachDB) store: every transaction SERIALIZABLE, retried whole on
/// SQLSTATE 40001 and 40P01 with capped, jittered exponential backoff; an ambiguous commit
/// (40003, or the connection lost during COMMIT) is read back through the transaction's marker
/// row, never blindly re-run. The SQL stays inside what CockroachDB also runs: no advisory locks,
/// LISTEN/NOTIFY or triggers. Writers of one process take turns (the change feed's head row
/// would make concurrent writers of one process fail each other); writers of other processes
/// conflict and retry.
public final class PostgresStore: MigratingStore, Sendable {
    let client: PostgresClient
    let runner: Task<Void, Never>
    let logger: Logger
    let writers = AsyncGate()
    /// Queues write transactions for group commit.
    let combiner = WriteCombiner<PostgresTransaction>()
    /// Most attempts of one transaction.
    public let maxAttempts: Int
    /// Whether batches buffer their writes (see `WriteBuffer`); false runs every member in a
    /// savepoint with its statements sent as it makes them.
    public let bufferWrites: Bool
    /// Rows this process committed or read in write transactions, checked at each flush.
    let rowCache = RowCache()
    let counters = Mutex(Counters())
    /// Test hooks: serialization failures to raise server-side, ambiguous commits to fake.
    package let faults = Mutex(InjectedFaults())

    /// What the retry loop did, for tests and metrics.
    public struct Counters: Sendable, Equatable {
        public var transactions = 0
        public var retries = 0
        public var ambiguousCommits = 0
        public var ambiguousCommitted = 0
        /// Buffered batches re-run with savepoints (an assumption of the buffer did not hold).
        public var savepointReruns = 0
    }

    package struct InjectedFaults: Sendable {
        package var serializationFailures = 0
        package var ambiguousCommits = 0
    }

    /// Connects to `url` (`postgres://user[:password]@host[:port]/database`, or a unix socket
    /// directory as `postgres://user@/database?host=/run/postgresql&port=5432`) and, unless
    /// `migrate` is false, applies pending migrations.
    public init(url: String, maxAttempts: Int = 12, migrate: Bool = true, bufferWrites: Bool = true) async throws {
        precondition(maxAttempts >= 1, "a transaction runs at least once")
        let config = try Self.configuration(url)
        var logger = Logger(label: "cloudplane.store.postgres")
        logger.logLevel = .warning
        self.logger = logger
        let client = PostgresClient(configuration: config, backgroundLogger: logger)
        self.client = client
        runner = Task { await client.run() }
        self.maxAttempts = maxAttempts
        self.bufferWrites = bufferWrites
        if migrate { try await self.migrate() }
    }

    /// Stops the connection pool.
    public func close() { runner.cancel() }

    deinit { runner.cancel() }

    /// The retry loop's counters so far.
    public var stats: Counters { counters.withLock { $0 } }

    static func configuration(_ url: String) throws -> PostgresClient.Configuration {
        guard let u = URLComponents(string: url), u.scheme == "postgres" || u.scheme == "postgresql" else {
            throw StoreError.unavailable("--database must be postgres://user@host:port/database, got '\(url)'")
        }
        let user = u.user ?? "postgres"
        let db = u.path.count > 1 ? String(u.path.dropFirst()) : user
        let query = Dictionary(uniqueKeysWithValues: (u.queryItems ?? []).map { ($0.name, $0.value ?? "") })
        if let dir = query["host"], dir.hasPrefix("/") {
            let port = query["port"] ?? u.port.map(String.init) ?? "5432"
            return .init(
                unixSocketPath: "\(dir)/.s.PGSQL.\(port)", username: user, password: u.password, database: db)
        }
        return .init(
            host: u.host ?? "127.0.0.1", port: u.port ?? 5432, username: user, password: u.password, database: db,
            tls: .disable)
    }

    /// The SQLSTATE of a server error, if any.
    static func sqlState(_ error: any Error) -> String? { (error as? PSQLError)?.serverInfo?[.sqlState] }

    /// Retries on these (PostgreSQL §13.5, CockroachDB's restart errors).
    static let retryable: Set<String> = ["40001", "40P01"]

    func backoff(_ attempt: Int) async {
        let capped = min(200.0, 2.0 * pow(2.0, Double(attempt)))
        let jittered = capped * Double.random(in: 0.5...1.0)
        try? await Task.sleep(for: .milliseconds(Int(jittered.rounded(.up))))
    }
}
