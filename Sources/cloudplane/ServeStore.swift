import ArgumentParser
import CloudModel
import CloudService
import CloudSim
import CloudStore
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
        let store: SQLiteStore
        do {
            store = try await SQLiteStore(directory: dataDir)
        } catch {
            printError("error: --data-dir \(dataDir): \(error)")
            throw ExitCode(2)
        }
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

/// Runs the lifecycle controller until the service group shuts down.
struct ControllerService: Service {
    let controller: LifecycleController

    func run() async throws {
        try? await cancelWhenGracefulShutdown { await controller.run() }
    }
}
