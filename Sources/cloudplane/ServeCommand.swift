import ArgumentParser
import CloudAPI
import CloudRemoteWrite
import CloudScenario
import CloudService
import CloudSim
import CloudTelemetry
import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Owns the running simulation; the HTTP handlers and the clock ask it, one at a time.
actor SimulationDriver {
    var sim: Simulation

    init(_ sim: consuming Simulation) { self.sim = sim }

    func advance(to t: UInt64) { sim.advance(to: t) }

    func metrics() -> [MetricFamily] { sim.metricsSnapshot() }

    func healthy() -> Bool { sim.healthy }

    func now() -> UInt64 { sim.virtualNow }
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract:
            "Run the control plane: the REST API under /api, /metrics and /healthz, the controllers, a store "
            + "(SQLite in --data-dir) and the simulated backend in real time (or --speed N faster).")

    @Option(help: "Address to listen on, HOST:PORT (port 0 picks a free one).") var listen = "127.0.0.1:5007"
    @Option(help: "Scenario whose topology, workload and timeline the simulated backend runs.")
    var scenario = "Scenarios/demo.yaml"
    @Option(help: "Virtual seconds per wall-clock second.") var speed: Double = 1
    @Option(help: "Directory of the embedded SQLite store (created if missing).") var dataDir = "./cloudplane-data"
    @Option(
        help: ArgumentHelp(
            "PostgreSQL (or CockroachDB) store instead of SQLite: postgres://user@host:port/db, or "
                + "postgres://user@localhost/db?host=/socket/dir&port=5432.", valueName: "URL"))
    var database: String?
    @Option(
        help: ArgumentHelp(
            "Secret of the bootstrap admin token on first start, instead of a random one (automation, tests).",
            valueName: "SECRET"))
    var bootstrapToken: String?
    @Option(help: "Wall-clock seconds between remote-write snapshots.") var remoteWriteInterval: Double = 15
    @Option(
        help: "Seconds a graceful shutdown (SIGTERM, SIGINT) may take to drain remote-write before it drops the rest.")
    var shutdownTimeout: Double = 10
    @OptionGroup var remoteWrite: RemoteWriteOptions

    func validate() throws {
        try remoteWrite.check()
        guard remoteWriteInterval >= 0.1 && remoteWriteInterval <= 3600 else {
            throw ValidationError("--remote-write-interval must be in [0.1, 3600] seconds")
        }
        guard shutdownTimeout >= 0 && shutdownTimeout <= 3600 else {
            throw ValidationError("--shutdown-timeout must be in [0, 3600] seconds")
        }
        guard speed > 0 && speed <= 1_000_000 else { throw ValidationError("--speed must be in (0, 1000000]") }
        guard parseListen() != nil else { throw ValidationError("--listen must be HOST:PORT, got '\(listen)'") }
        if let t = bootstrapToken, t.count < 16 || t.contains(where: { $0 == " " || $0 == "\n" }) {
            throw ValidationError("--bootstrap-token must be at least 16 characters with no spaces")
        }
    }

    func parseListen() -> (String, Int)? {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
            (0...65535).contains(port), colon > listen.startIndex
        else { return nil }
        return (String(listen[..<colon]), port)
    }

    func run() async throws {
        guard let (host, port) = parseListen(), let (file, spec) = try loadScenarios([scenario]).first else {
            throw ExitCode(2)
        }
        let registry = MetricRegistry()
        ExporterMetrics.register(registry)
        MetricsSystem.bootstrap(CloudMetricsFactory(registry: registry, help: ExporterMetrics.swiftMetricsHelp))
        let sim: Simulation
        do {
            let clock = ContinuousClock()
            let origin = clock.now
            // the workload is created through the API on first start (ServeBootstrap), not by the build
            var fleet = spec
            fleet.workload = []
            sim = try Simulation(
                spec: fleet,
                wallClock: {
                    let c = (clock.now - origin).components
                    return UInt64(c.seconds) &* 1_000_000_000 &+ UInt64(c.attoseconds / 1_000_000_000)
                })
        } catch {
            printError("error: \(file): \(error.description)")
            throw ExitCode(2)
        }
        let driver = SimulationDriver(sim)
        let (plane, controller) = try await openControlPlane(driver: driver, spec: spec)
        printError(
            "cloudplane serve: simulated backend '\(spec.name)' (\(spec.hostNames.count) hosts) from \(file) "
                + "at \(speed)× real time; store: \(database.map { _ in "PostgreSQL" } ?? "SQLite in \(dataDir)")")
        let source = StatusSource(
            metrics: { await driver.metrics() }, healthy: { await driver.healthy() },
            registry: registry)
        let writer = remoteWrite.makeWriter(registry: registry, labels: [("job", "cloudplane")])
        let bound = Mutex<Int?>(nil)
        let api = API(plane: plane, backend: controller.backend, version: ExporterMetrics.version)
        var services: [any Service] = [
            SimulationClockService(driver: driver, speed: speed),
            ControllerService(controller: controller),
            api.service(host: host, port: port, status: source) { port in
                // the pushed series name the port really bound (not 0)
                writer?.setExtraLabel("instance", "\(host):\(port)")
                bound.withLock { $0 = port }
                printError("listening on http://\(host):\(port) (REST API under /api, GET /metrics, /healthz)")
            },
        ]
        if let writer {
            printError(
                "remote-write: \(writer.config.url) (protocol \(writer.config.version.rawValue), "
                    + "\(writer.config.shards) shards, buffer \(writer.config.capacity) samples)")
            // last in the group, so it is the first to shut down: it drains while HTTP still serves
            services.append(
                RemoteWriteService(
                    writer: writer, snapshot: { await driver.metrics() + registry.snapshot() },
                    interval: .milliseconds(Int64(remoteWriteInterval * 1000)),
                    shutdownTimeout: .milliseconds(Int64(shutdownTimeout * 1000)),
                    labelsFinal: { bound.withLock { $0 != nil } }))
        }
        var config = ServiceGroupConfiguration(
            services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint],
            logger: .serve)
        config.maximumGracefulShutdownDuration = .milliseconds(Int64((shutdownTimeout + 5) * 1000))
        try await runGroup(config)
        printError("cloudplane serve: stopped")
    }

    /// Runs the services; a busy or forbidden port is the operator's to fix, so it says which
    /// flag and why, and exits 2.
    func runGroup(_ config: ServiceGroupConfiguration) async throws {
        do {
            try await ServiceGroup(configuration: config).run()
        } catch {
            let text = "\(error)"
            for (needle, reason) in [
                ("Address already in use", "the address is already in use"),
                ("Permission denied", "permission denied (ports below 1024 need privileges)"),
                ("Cannot assign requested address", "no interface has that address"),
            ] where text.contains(needle) {
                printError("error: --listen \(listen): cannot listen: \(reason)")
                throw ExitCode(2)
            }
            throw error
        }
    }
}
