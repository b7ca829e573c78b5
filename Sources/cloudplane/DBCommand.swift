import ArgumentParser
import CloudService
import CloudStore
import CloudStoreSQLite
import Foundation

struct DBCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Store maintenance: schema migrations and consistency checks.",
        subcommands: [DBMigrate.self, DBStatus.self, DBCheck.self])
}

/// Which store a `db` command opens.
struct DBOptions: ParsableArguments {
    @Option(help: "Directory of the embedded SQLite store.") var dataDir = "./cloudplane-data"
    @Option(help: ArgumentHelp("PostgreSQL store URL instead of SQLite.", valueName: "URL")) var database: String?
    @Option(help: "Output: text or json.") var format: OutputFormat = .text

    func open(migrate: Bool) async throws -> any MigratingStore {
        try await openStore(database: database, dataDir: dataDir, migrate: migrate)
    }
}

struct DBMigrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Apply pending migrations.")
    @OptionGroup var options: DBOptions

    func run() async throws {
        let store = try await options.open(migrate: false)
        let applied = try await store.migrate()
        if options.format == .json {
            print(String(decoding: try JSONSerialization.data(withJSONObject: ["applied": applied]), as: UTF8.self))
        } else {
            print(
                applied.isEmpty
                    ? "schema is up to date"
                    : "applied migration(s) \(applied.map(String.init).joined(separator: ", "))")
        }
    }
}

struct DBStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "List migrations, applied or pending.")
    @OptionGroup var options: DBOptions

    func run() async throws {
        let status = try await options.open(migrate: false).migrationStatus()
        if options.format == .json {
            let rows = status.map {
                ["version": $0.version, "name": $0.name, "applied_at": $0.appliedAt ?? NSNull()] as [String: Any]
            }
            print(String(decoding: try JSONSerialization.data(withJSONObject: ["migrations": rows]), as: UTF8.self))
        } else {
            for m in status { print("\(m.version)  \(m.appliedAt ?? "pending")  \(m.name)") }
        }
    }
}

struct DBCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Check the store's invariants (claims, capacity, tasks, acknowledged creates).")
    @OptionGroup var options: DBOptions

    func run() async throws {
        let store = try await options.open(migrate: false)
        let problems = try await CloudService.ControlPlane(store: store).consistencyProblems()
        if options.format == .json {
            let o: [String: Any] = ["consistent": problems.isEmpty, "problems": problems]
            print(
                String(decoding: try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), as: UTF8.self))
        } else {
            print(problems.isEmpty ? "consistent" : problems.joined(separator: "\n"))
        }
        if !problems.isEmpty { throw ExitCode(1) }
    }
}
