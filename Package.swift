// swift-tools-version: 6.0
import PackageDescription

// Layering (lower never imports higher):
//   CloudModel  <-  CloudScheduler, CloudControl  <-  CloudSim  <-  CloudScenario  <-  cloudplane
// The deterministic core (CloudModel, CloudScheduler, CloudControl, CloudSim) imports no SwiftNIO,
// no database driver and no Foundation networking.
/// Settings every target of the project builds with.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "CloudPlane",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "cloudplane", targets: ["cloudplane"]),
        .library(name: "CloudModel", targets: ["CloudModel"]),
        .library(name: "CloudSim", targets: ["CloudSim"]),
        .library(name: "CloudScenario", targets: ["CloudScenario"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // Bench-only: the exposition baseline of `cloudplane bench exposition`.
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .target(name: "CloudModel"),
        .target(name: "CloudScheduler", dependencies: ["CloudModel"]),
        .target(name: "CloudControl", dependencies: ["CloudModel"]),
        // The Store protocol (serializable transactions, version preconditions, lease rows, change
        // feed) and the in-memory store; every backend passes CloudTestKit's conformance suite.
        .target(name: "CloudStore"),
        // SQLite from Debian's libsqlite3-dev, for the embedded store.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // The embedded default store: one SQLite file in WAL mode, one writer.
        .target(name: "CloudStoreSQLite", dependencies: ["CloudStore", "CSQLite"]),
        // PostgreSQL and CockroachDB through postgres-nio: SERIALIZABLE, whole-transaction retries.
        .target(
            name: "CloudStorePostgres",
            dependencies: [
                "CloudStore", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // Shipped test support: manual clock, HA harness, fake placement, store conformance suite.
        .target(name: "CloudTestKit", dependencies: ["CloudControl", "CloudModel", "CloudStore", "CloudService"]),
        // Metric families and their exposition (Prometheus text 0.0.4, OpenMetrics 1.0); no I/O.
        // Also the swift-metrics backend of the project's own instrumentation.
        .target(name: "CloudTelemetry", dependencies: [.product(name: "CoreMetrics", package: "swift-metrics")]),
        // Snappy (block format) from Debian's libsnappy-dev, for remote-write bodies.
        .systemLibrary(name: "CSnappy", pkgConfig: "snappy", providers: [.apt(["libsnappy-dev"])]),
        // Remote-write 1.0/2.0: protobuf encoding, Snappy, shards, retries, stale markers.
        .target(name: "CloudRemoteWrite", dependencies: ["CloudTelemetry", "CSnappy"]),
        // Bench-only: swift-prometheus 2.4.1 as the baseline of `cloudplane bench exposition`.
        .target(name: "ExpositionBaseline", dependencies: [.product(name: "Prometheus", package: "swift-prometheus")]),
        // The control-plane service over a Store: resources, validation, tasks, Idempotency-Keys,
        // versions, and the lifecycle controller over an InstanceBackend. No HTTP.
        .target(
            name: "CloudService",
            dependencies: ["CloudModel", "CloudStore", .product(name: "Crypto", package: "swift-crypto")]),
        // The seams of a runtime: hypervisor, fence transports, port bindings, membership, Env.
        .target(name: "CloudDrivers", dependencies: ["CloudControl", "CloudModel"]),
        // The one control-plane loop both runtimes run (the simulator now, a live node next).
        // Its loop is generic over the runtime: cross-module optimisation lets each runtime's
        // build specialise it (unspecialised, the simulator's swarm ran about 60% slower).
        .target(
            name: "CloudRuntime", dependencies: ["CloudControl", "CloudDrivers", "CloudStore"],
            swiftSettings: [.unsafeFlags(["-cross-module-optimization"])]),
        // Metric families built from the control plane's state, the same for every runtime.
        .target(name: "CloudMetrics", dependencies: ["CloudControl", "CloudRuntime", "CloudTelemetry"]),
        .target(
            name: "CloudSim",
            dependencies: [
                "CloudModel", "CloudScheduler", "CloudControl", "CloudDrivers", "CloudRuntime", "CloudMetrics",
                "CloudTelemetry",
            ]),
        .target(
            name: "CloudScenario",
            dependencies: ["CloudSim", "CloudScheduler", "CloudTelemetry", .product(name: "Yams", package: "Yams")]
        ),
        // The HTTP edge: /metrics and /healthz now, the REST API later (Hummingbird 2).
        .target(
            name: "CloudAPI",
            dependencies: [
                "CloudTelemetry", "CloudService", "CloudStore", "CloudModel",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Bench-only: the exact placer, the reference workload and the hold model that
        // `cloudplane bench` measures with, kept out of the production modules.
        .target(name: "CloudBench", dependencies: ["CloudModel", "CloudScheduler", "CloudSim"]),
        // Bench-only C reference implementation of a radix heap (the baseline of `bench sim`).
        .target(name: "CRadixBaseline", cSettings: [.unsafeFlags(["-O2"])]),
        .executableTarget(
            name: "cloudplane",
            dependencies: [
                "CloudScenario", "CloudTelemetry", "CloudAPI", "CloudRemoteWrite", "CloudBench", "CRadixBaseline",
                "CloudService", "CloudStore", "CloudStoreSQLite", "CloudStorePostgres", "CloudModel", "CloudScheduler",
                "ExpositionBaseline",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "CloudModelTests", dependencies: ["CloudModel", "CloudSim"]),
        .testTarget(name: "CloudSchedulerTests", dependencies: ["CloudScheduler", "CloudSim"]),
        .testTarget(name: "CloudControlTests", dependencies: ["CloudControl", "CloudModel", "CloudTestKit"]),
        .testTarget(
            name: "CloudStoreTests",
            dependencies: [
                "CloudStore", "CloudStoreSQLite", "CloudStorePostgres", "CloudTestKit", "CloudRuntime", "CloudControl",
            ]),
        .testTarget(name: "CloudSimTests", dependencies: ["CloudSim", "CloudBench"]),
        .testTarget(
            name: "CloudTelemetryTests",
            dependencies: ["CloudTelemetry", .product(name: "Metrics", package: "swift-metrics")]),
        .testTarget(name: "CloudRemoteWriteTests", dependencies: ["CloudRemoteWrite", "CloudTelemetry"]),
        .testTarget(name: "CloudMetricsTests", dependencies: ["CloudMetrics", "CloudTelemetry"]),
        .testTarget(
            name: "CloudAPITests",
            dependencies: [
                "CloudAPI", "CloudService", "CloudStore", "CloudTestKit", "CloudModel", "CloudTelemetry",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]),
        .testTarget(
            name: "CloudServiceTests", dependencies: ["CloudService", "CloudStore", "CloudTestKit", "CloudModel"]),
        .testTarget(name: "CloudScenarioTests", dependencies: ["CloudScenario", "CloudScheduler", "CloudSim"]),
        .testTarget(name: "CLITests"),
        // House rules: function and file sizes, no clock or system RNG in the core, no public fault switch.
        .testTarget(name: "TidyTests"),
    ]
)

for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + strict
}
