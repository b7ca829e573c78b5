// swift-tools-version: 6.0
import PackageDescription

// Layering (lower never imports higher):
//   CloudModel  <-  CloudScheduler, CloudControl  <-  CloudSim  <-  CloudScenario  <-  cloudplane
// The deterministic core (CloudModel, CloudScheduler, CloudControl, CloudSim) imports no SwiftNIO,
// no database driver and no Foundation networking.
let package = Package(
    name: "CloudPlane",
    platforms: [.macOS(.v14)],
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
    ],
    targets: [
        .target(name: "CloudModel"),
        .target(name: "CloudScheduler", dependencies: ["CloudModel"]),
        .target(name: "CloudControl", dependencies: ["CloudModel", "CloudScheduler"]),
        // Metric families and their exposition (Prometheus text 0.0.4, OpenMetrics 1.0); no I/O.
        .target(name: "CloudTelemetry"),
        .target(name: "CloudSim", dependencies: ["CloudModel", "CloudScheduler", "CloudControl", "CloudTelemetry"]),
        .target(
            name: "CloudScenario",
            dependencies: ["CloudSim", "CloudScheduler", "CloudTelemetry", .product(name: "Yams", package: "Yams")]
        ),
        // The HTTP edge: /metrics and /healthz now, the REST API later (Hummingbird 2).
        .target(
            name: "CloudAPI",
            dependencies: [
                "CloudTelemetry", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ]
        ),
        // Bench-only C reference implementation of a radix heap (the baseline of `bench sim`).
        .target(name: "CRadixBaseline", cSettings: [.unsafeFlags(["-O2"])]),
        .executableTarget(
            name: "cloudplane",
            dependencies: [
                "CloudScenario", "CloudTelemetry", "CloudAPI", "CRadixBaseline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "CloudModelTests", dependencies: ["CloudModel"]),
        .testTarget(name: "CloudSchedulerTests", dependencies: ["CloudScheduler"]),
        .testTarget(name: "CloudControlTests", dependencies: ["CloudControl", "CloudModel"]),
        .testTarget(name: "CloudSimTests", dependencies: ["CloudSim"]),
        .testTarget(name: "CloudTelemetryTests", dependencies: ["CloudTelemetry"]),
        .testTarget(name: "CloudAPITests", dependencies: ["CloudAPI"]),
        .testTarget(name: "CloudScenarioTests", dependencies: ["CloudScenario", "CloudScheduler", "CloudSim"]),
        .testTarget(name: "CLITests"),
    ]
)
