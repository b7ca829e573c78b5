import ArgumentParser
import CloudModel
import CloudService
import CloudSim
import CloudStore
import CloudStorePostgres
import CloudStoreSQLite
import Foundation
import ServiceLifecycle

extension ServeCommand {
    /// Opens the store in `--data-dir`, makes sure a bootstrap admin token exists (printing it
    /// the one time it is made), and seeds or loads the fleet. Exits 2 naming the flag when the
    /// store cannot be opened.
    func openControlPlane(
        driver: SimulationDriver, spec: ScenarioSpec
    ) async throws -> (
        ControlPlane, LifecycleController
    ) {
        let store = try await openStore(database: database, dataDir: dataDir)
        let plane = ControlPlane(store: store)
        let (_, _, clusters, _) = await driver.inventory
        let backend = SimBackend(
            driver: driver, clusterNames: Dictionary(uniqueKeysWithValues: clusters.map { ($0.id.rawValue, $0.name) }))
        let controller = LifecycleController(plane: plane, backend: backend)
        if let secret = try await plane.bootstrapAdminToken(secret: bootstrapToken) {
            printError(
                "bootstrap admin token (shown once, stored hashed; send it as 'Authorization: Bearer …'):\n  \(secret)")
        }
        let line = try await ServeBootstrap(plane: plane, driver: driver, spec: spec, controller: controller).run()
        printError("cloudplane serve: \(line)")
        return (plane, controller)
    }
}

/// The store `--database` names (a postgres:// URL), or SQLite in `--data-dir`; exits 2 naming
/// the flag when it cannot be opened.
func openStore(database: String?, dataDir: String, migrate: Bool = true) async throws -> any MigratingStore {
    if let url = database {
        do {
            return try await PostgresStore(url: url, migrate: migrate)
        } catch {
            printError("error: --database: \(error)")
            throw ExitCode(2)
        }
    }
    do {
        return try await SQLiteStore(directory: dataDir, migrate: migrate)
    } catch {
        printError("error: --data-dir \(dataDir): \(error)")
        throw ExitCode(2)
    }
}

/// Runs the lifecycle controller until the service group shuts down.
struct ControllerService: Service {
    let controller: LifecycleController

    func run() async throws {
        try? await cancelWhenGracefulShutdown { await controller.run() }
    }
}
