import CloudRemoteWrite
import CloudTelemetry
import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// Advances the simulated backend with the wall clock (`speed` virtual seconds per second) until
/// the service group shuts down.
struct SimulationClockService: Service {
    let driver: SimulationDriver
    let speed: Double

    func run() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let advances = Counter(label: "cloudplane_serve_advances")
        let lag = Gauge(label: "cloudplane_serve_clock_lag_seconds")
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: .milliseconds(100))
            let virtual = seconds(clock.now - start) * speed * 1e9
            await driver.advance(to: UInt64(min(virtual, 9e18)))
            advances.increment()
            lag.record(max(0, seconds(clock.now - start) * speed - Double(await driver.now()) / 1e9))
        }
    }
}

/// Pushes a snapshot of every metric by remote-write each `interval`. On graceful shutdown
/// (SIGTERM, SIGINT) it pushes a last snapshot and drains its buffer, for at most
/// `shutdownTimeout`; what it could not send by then is logged as dropped, never lost silently.
struct RemoteWriteService: Service {
    let writer: RemoteWriter
    let snapshot: @Sendable () async -> [MetricFamily]
    let interval: Duration
    let shutdownTimeout: Duration
    /// True once the external labels are final (the listener's bound port is known).
    var labelsFinal: @Sendable () -> Bool = { true }

    func run() async throws {
        while !labelsFinal() && !Task.isCancelled { try? await Task.sleep(for: .milliseconds(10)) }
        let shards = Task { await writer.run() }
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await push()
                try await Task.sleep(for: interval)
            }
        }
        await push()
        let pending = writer.pending
        let drained = await writer.flush(timeout: shutdownTimeout)
        let left = writer.pending
        writer.stop()
        if drained {
            printError("remote-write: shutting down; sent the \(pending) pending sample(s)")
            await shards.value
        } else {
            // a send is stuck on a receiver that does not answer: give up on it
            shards.cancel()
            printError(
                "remote-write: shutting down; shutdown timeout of \(shutdownTimeout) reached, "
                    + "dropped \(left) of \(pending) pending sample(s)")
        }
    }

    func push() async {
        let families = await snapshot()
        let ms = Int64((Date().timeIntervalSince1970 * 1000).rounded())
        await writer.push(families, timestamp: ms, block: false)
    }
}

extension Logger {
    /// The service group's logger: notices and above on standard error.
    static let serve: Logger = {
        var l = Logger(label: "cloudplane.serve")
        l.logLevel = .notice
        return l
    }()
}
