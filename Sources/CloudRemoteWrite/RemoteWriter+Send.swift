import CloudTelemetry
import Synchronization

extension RemoteWriter {
    /// The compressed body of one batch in `version`.
    func body(_ batch: [PendingSample], _ version: RemoteWriteVersion) -> [UInt8] {
        var raw: [UInt8] = []
        raw.reserveCapacity(batch.count * 96)
        tracker.withLock { t in
            switch version {
            case .v1: t.encoder.encodeV1(batch[...], into: &raw)
            case .v2: t.encoder.encodeV2(batch[...], into: &raw)
            }
        }
        return Snappy.compress(raw)
    }

    func headers(_ version: RemoteWriteVersion) -> [(String, String)] {
        let required = ["content-encoding", "content-type", "user-agent", "x-prometheus-remote-write-version"]
        return config.headers.filter { !required.contains($0.0.lowercased()) } + [
            ("Content-Encoding", "snappy"), ("Content-Type", version.contentType), ("User-Agent", config.userAgent),
            ("X-Prometheus-Remote-Write-Version", version.versionHeader),
        ]
    }

    /// Sends one batch until it is accepted or refused for good: 5xx and network errors (and 429
    /// when configured) are retried with doubling backoff or the receiver's `Retry-After`. A
    /// cancelled task (shutdown) stops retrying.
    func send(_ batch: [PendingSample]) async {
        var backoff = config.minBackoff
        let clock = ContinuousClock()
        while !Task.isCancelled {
            let v = currentVersion
            let payload = body(batch, v)
            let started = clock.now
            let response: TransportResponse
            do {
                response = try await transport.post(url: config.url, headers: headers(v), body: payload)
            } catch {
                stats.retried(batch.count, status: "network")
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, config.maxBackoff)
                continue
            }
            stats.duration(seconds(clock.now - started))
            switch classify(response, v) {
            case .sent:
                stats.sent(batch, bytes: payload.count)
                return
            case .fallback:
                version.withLock { $0 = .v1 }
                config.log("remote-write: receiver did not confirm a 2.0 write (status \(response.status)); using 1.0")
            case .retry(let after):
                stats.retried(batch.count, status: String(response.status))
                try? await Task.sleep(for: after ?? backoff)
                backoff = min(backoff * 2, config.maxBackoff)
            case .drop:
                stats.failed(batch.count, status: String(response.status))
                config.log("remote-write: \(response.status) dropped \(batch.count) samples: \(response.body)")
                return
            }
        }
    }

    enum Outcome: Equatable {
        case sent, fallback, drop
        case retry(Duration?)
    }

    /// What a response means for the batch.
    func classify(_ r: TransportResponse, _ v: RemoteWriteVersion) -> Outcome {
        switch r.status {
        case 200..<300:
            if v == .v2 && r.headers["x-prometheus-remote-write-samples-written"] == nil { return .fallback }
            return .sent
        case 415 where v == .v2: return .fallback
        case 429 where !config.retryOn429: return .drop
        case 429, 500..<600: return .retry(Self.retryAfter(r.headers["retry-after"], cap: config.maxBackoff * 6))
        default: return .drop
        }
    }

    /// `Retry-After` in seconds (HTTP dates are not honoured; backoff applies), capped.
    static func retryAfter(_ header: String?, cap: Duration) -> Duration? {
        guard let h = header?.trimmingCharacters(), let s = Double(h), s >= 0 else { return nil }
        return min(.milliseconds(Int64(s * 1000)), cap)
    }
}

func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

extension String {
    func trimmingCharacters() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}

/// The sender's own metrics (`cloudplane_remote_write_*`), after Prometheus'
/// `prometheus_remote_storage_*`.
struct RemoteWriteStats: Sendable {
    let registry: MetricRegistry
    let sentSamples: CounterHandle
    let retriedSamples: CounterHandle
    let droppedFull: CounterHandle
    let bytes: CounterHandle
    let pendingGauge: GaugeHandle
    let highest: GaugeHandle
    let highestSent: GaugeHandle
    let batchDuration: HistogramHandle

    init(registry: MetricRegistry, config: RemoteWriteConfig) {
        self.registry = registry
        let p = "cloudplane_remote_write_"
        sentSamples = registry.counter(p + "samples", help: "Samples the receiver accepted.")
        retriedSamples = registry.counter(
            p + "samples_retried", help: "Samples sent again after a 5xx, 429 or network error.")
        droppedFull = registry.counter(
            p + "samples_dropped", help: "Samples refused because the buffer was full.",
            labels: [("reason", "buffer_full")])
        bytes = registry.counter(p + "bytes", help: "Compressed request bytes accepted.", unit: "bytes")
        pendingGauge = registry.gauge(p + "samples_pending", help: "Samples buffered, waiting to be sent.")
        highest = registry.gauge(
            p + "highest_timestamp_seconds", help: "Newest sample timestamp queued.",
            unit: "seconds")
        highestSent = registry.gauge(
            p + "highest_sent_timestamp_seconds",
            help: "Newest sample timestamp the receiver accepted.", unit: "seconds")
        batchDuration = registry.histogram(
            p + "sent_batch_duration_seconds", help: "Time per request.",
            unit: "seconds", buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
        registry.declare(
            p + "samples_failed", help: "Samples the receiver refused for good, by status.", kind: .counter,
            labelNames: ["status"])
        registry.declare(
            p + "requests_retried", help: "Requests retried, by status.", kind: .counter,
            labelNames: ["status"])
        // the refusals a receiver sends are known in advance: their series start at zero, so
        // `increase()` sees the first refused batch
        for status in Self.knownRefusals {
            _ = registry.counter(
                p + "samples_failed", help: "Samples the receiver refused for good, by status.",
                labels: [("status", status)])
        }
        registry.gauge(p + "shards", help: "Shards sending in parallel.").set(Double(config.shards))
        registry.gauge(p + "capacity_samples", help: "Samples the buffer holds.").set(Double(config.capacity))
        registry.gauge(p + "max_samples_per_send", help: "Samples per request, at most.")
            .set(Double(config.maxSamplesPerSend))
    }

    /// HTTP statuses that refuse a batch for good (Prometheus, Mimir, Thanos, VictoriaMetrics).
    static let knownRefusals = ["400", "401", "403", "404", "409", "413", "415", "422"]

    func queued(_ n: Int, dropped: Int, timestamp: Int64, pending: Int) {
        if dropped > 0 { droppedFull.increment(by: Double(dropped)) }
        if n > 0 { highest.set(max(highest.value, Double(timestamp) / 1000)) }
        pendingGauge.set(Double(pending))
    }

    func setPending(_ n: Int) { pendingGauge.set(Double(n)) }

    func sent(_ batch: [PendingSample], bytes n: Int) {
        sentSamples.increment(by: Double(batch.count))
        bytes.increment(by: Double(n))
        let newest = batch.reduce(Int64.min) { max($0, $1.timestamp) }
        highestSent.set(max(highestSent.value, Double(newest) / 1000))
    }

    func retried(_ n: Int, status: String) {
        retriedSamples.increment(by: Double(n))
        registry.counter(
            "cloudplane_remote_write_requests_retried", help: "Requests retried, by status.",
            labels: [("status", status)]
        ).increment()
    }

    func failed(_ n: Int, status: String) {
        registry.counter(
            "cloudplane_remote_write_samples_failed", help: "Samples the receiver refused for good, by status.",
            labels: [("status", status)]
        ).increment(by: Double(n))
    }

    func duration(_ s: Double) { batchDuration.observe(s) }
}
