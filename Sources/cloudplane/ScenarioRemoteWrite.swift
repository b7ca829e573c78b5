import ArgumentParser
import CloudRemoteWrite
import CloudSim
import CloudTelemetry
import Foundation

extension ScenarioRun {
    /// Longest stretch of a run that is pushed: Prometheus accepts samples up to about an hour
    /// behind its newest one, so a longer run sends only its last 55 minutes.
    static let window: UInt64 = 55 * 60 * 1_000_000_000

    /// Steps the simulation in `--remote-write-step` increments and pushes each snapshot, with
    /// virtual time mapped onto the wall clock so that the run's end lands on "now".
    func push(_ sim: inout Simulation, _ spec: ScenarioSpec) async throws {
        let registry = MetricRegistry()
        guard
            let writer = remoteWrite.makeWriter(
                registry: registry,
                labels: [
                    ("job", "cloudplane-scenario"), ("instance", "scenario:\(spec.name)"), ("scenario", spec.name),
                ])
        else { return }
        let step = UInt64(remoteWriteStep * 1e9)
        let end = spec.duration
        let first = end > Self.window ? end - Self.window : 0
        let endMs = Int64((Date().timeIntervalSince1970 * 1000).rounded())
        if first > 0 {
            printError(
                "remote-write: the run lasts \(end / 1_000_000_000) s; pushing its last \(Self.window / 1_000_000_000) s"
            )
        }
        let sender = Task { await writer.run() }
        var t = first - first % step
        var snapshots = 0
        var samples = 0
        while true {
            sim.advance(to: t)
            let ms = endMs - Int64((end - t) / 1_000_000)
            samples += await writer.push(sim.metricsSnapshot(), timestamp: ms, block: true)
            snapshots += 1
            if t >= end { break }
            t = min(end, t + step)
        }
        let flushed = await writer.flush(timeout: .seconds(120))
        writer.stop()
        await sender.value
        let failed =
            registry.snapshot().first { $0.name == "cloudplane_remote_write_samples_failed" }
            .map {
                $0.samples.reduce(0.0) { n, s in if case .scalar(let v) = s.value { return n + v } else { return n } }
            }
            ?? 0
        printError(
            "remote-write: \(snapshots) snapshots, \(samples) samples to \(writer.config.url) "
                + "(protocol \(writer.currentVersion.rawValue)); \(Int(failed)) refused; "
                + (flushed ? "all sent" : "\(writer.pending) still pending after 120 s"))
        if !flushed { throw ExitCode.failure }
    }
}
