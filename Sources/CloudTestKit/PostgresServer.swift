import Foundation
import Synchronization

/// A PostgreSQL server the tests start for themselves: `initdb` in a temporary directory, a unix
/// socket only (no TCP listener), stopped (and its directory removed) by `stop()`. Run as root,
/// it runs the server as the `postgres` user, as PostgreSQL requires.
public final class PostgresServer: @unchecked Sendable {
    public let directory: String
    public let socketDirectory: String
    public let port: Int
    let bin: String
    let asPostgres: Bool

    /// Why the server could not be started.
    public struct StartFailure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// The directory of Debian's PostgreSQL binaries (`CLOUDPLANE_PG_BIN` overrides).
    public static func binaries() -> String? {
        if let b = ProcessInfo.processInfo.environment["CLOUDPLANE_PG_BIN"] { return b }
        let base = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
        return versions.sorted().reversed().map { "\(base)/\($0)/bin" }
            .first { FileManager.default.isExecutableFile(atPath: "\($0)/initdb") }
    }

    /// Starts a fresh server.
    public static func start() throws -> PostgresServer {
        guard let bin = binaries() else {
            throw StartFailure(description: "no PostgreSQL server binaries (install postgresql-15)")
        }
        let dir = NSTemporaryDirectory() + "cloudplane-pg-\(UUID().uuidString.prefix(8))"
        let server = PostgresServer(
            directory: dir, port: Int.random(in: 41_000...59_000), bin: bin, asPostgres: getuid() == 0)
        try server.boot()
        return server
    }

    init(directory: String, port: Int, bin: String, asPostgres: Bool) {
        self.directory = directory
        socketDirectory = directory + "/sock"
        self.port = port
        self.bin = bin
        self.asPostgres = asPostgres
    }

    /// Runs a PostgreSQL tool (as `postgres` when root) with its output in a file, waits for it
    /// with `waitpid` (a server it leaves running keeps no pipe of ours open), and returns the
    /// output; a non-zero exit throws with it.
    @discardableResult
    func run(_ tool: String, _ args: [String]) throws -> String {
        let argv =
            asPostgres
            ? ["/usr/sbin/runuser", "-u", "postgres", "--", "\(bin)/\(tool)"] + args : ["\(bin)/\(tool)"] + args
        let logPath = directory + "/\(tool).out"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for a in cargs { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, nil, &cargs, environ)
        guard rc == 0 else {
            throw StartFailure(description: "cannot run \(argv[0]): \(String(cString: strerror(rc)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        let exited = (status & 0x7f) == 0
        guard exited && (status >> 8) & 0xff == 0 else {
            throw StartFailure(description: "\(tool) \(args.joined(separator: " ")) failed: \(text)")
        }
        return text
    }

    func boot() throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true)
        if asPostgres {
            guard let pw = getpwnam("postgres") else { throw StartFailure(description: "no 'postgres' user") }
            for path in [directory, socketDirectory] { chown(path, pw.pointee.pw_uid, pw.pointee.pw_gid) }
        }
        try run("initdb", ["-D", directory + "/data", "-A", "trust", "-U", "cloudplane", "--no-sync", "-E", "UTF8"])
        try run(
            "pg_ctl",
            [
                "-D", directory + "/data", "-l", directory + "/server.log", "-w", "-o",
                "-c listen_addresses='' -k \(socketDirectory) -p \(port) -c max_connections=200", "start",
            ])
    }

    let counter = Mutex(0)

    /// Creates a new, empty database; returns its store URL.
    public func newDatabase() throws -> String {
        let name = "t\(counter.withLock { $0 += 1; return $0 })"
        try createDatabase(name)
        return url(name)
    }

    /// Creates database `name`.
    public func createDatabase(_ name: String) throws {
        try run("createdb", ["-h", socketDirectory, "-p", "\(port)", "-U", "cloudplane", name])
    }

    /// The store URL of database `name`.
    public func url(_ name: String) -> String {
        "postgres://cloudplane@localhost/\(name)?host=\(socketDirectory)&port=\(port)"
    }

    /// Stops the server and removes its directory.
    public func stop() {
        _ = try? run("pg_ctl", ["-D", directory + "/data", "-m", "fast", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: directory)
    }
}
