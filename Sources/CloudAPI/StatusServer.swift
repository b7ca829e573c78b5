import CloudTelemetry
import CompressNIO
import Hummingbird
import NIOCore
import ServiceLifecycle
import UnixSignals

/// What the HTTP edge serves, supplied by whichever runtime runs behind it.
public struct StatusSource: Sendable {
    /// The runtime's entity metrics, collected at scrape time.
    public let metrics: @Sendable () async -> [MetricFamily]
    /// True while the control plane is healthy.
    public let healthy: @Sendable () async -> Bool
    /// Long-lived metrics (build info, swift-metrics instrumentation, remote-write, the
    /// exporter's own), rendered together with `metrics`.
    public let registry: MetricRegistry
    let scrapeDuration: HistogramHandle
    let series: GaugeHandle

    public init(
        metrics: @escaping @Sendable () async -> [MetricFamily], healthy: @escaping @Sendable () async -> Bool,
        registry: MetricRegistry = MetricRegistry()
    ) {
        self.metrics = metrics
        self.healthy = healthy
        self.registry = registry
        scrapeDuration = registry.histogram(
            "cloudplane_exporter_scrape_duration_seconds",
            help: "Time to collect and render one scrape.", unit: "seconds",
            buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
        series = registry.gauge("cloudplane_exporter_series", help: "Sample lines in the previous scrape.")
    }

    /// One scrape body; records its own duration and size for the next scrape.
    public func scrape(_ format: ExpositionFormat) async -> [UInt8] {
        let clock = ContinuousClock()
        let start = clock.now
        let families = await metrics()
        registry.counter(
            "cloudplane_exporter_scrapes", help: "Scrapes served, by format.",
            labels: [("format", format == .openMetrics ? "openmetrics" : "text")]
        ).increment()
        var out: [UInt8] = []
        out.reserveCapacity(1 << 16)
        let n = registry.render(format: format, extra: families, into: &out)
        series.set(Double(n))
        let d = (clock.now - start).components
        scrapeDuration.observe(Double(d.seconds) + Double(d.attoseconds) / 1e18)
        return out
    }
}

/// The HTTP server of `cloudplane serve`: `/metrics` (text 0.0.4 or OpenMetrics by `Accept`,
/// gzip when `Accept-Encoding` allows it) and `/healthz`.
public enum StatusServer {
    /// Builds the router; exposed so tests can drive it without a socket.
    public static func router(_ source: StatusSource) -> Router<BasicRequestContext> {
        let router = Router()
        addRoutes(to: router, source: source)
        return router
    }

    /// Adds `/metrics` and `/healthz` to `router` (the API's router carries them too).
    public static func addRoutes<Context: RequestContext>(to router: Router<Context>, source: StatusSource) {
        router.get("/metrics") { request, _ -> Response in
            let format = ExpositionFormat.negotiate(accept: request.headers[.accept])
            var body = ByteBuffer(bytes: await source.scrape(format))
            var headers: HTTPFields = [.contentType: format.contentType]
            if acceptsGzip(request.headers[.acceptEncoding]), let zipped = try? body.compress(with: .gzip()) {
                body = zipped
                headers[.contentEncoding] = "gzip"
            }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
        }
        router.get("/healthz") { _, _ -> Response in
            let ok = await source.healthy()
            return Response(
                status: ok ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: ok ? "ok\n" : "unhealthy\n")))
        }
    }

    /// True when an `Accept-Encoding` header allows gzip (present and not `q=0`).
    public static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        for part in header.split(separator: ",") {
            let fields = part.split(separator: ";").map { String($0.filter { $0 != " " && $0 != "\t" }) }
            guard fields.first == "gzip" || fields.first == "*" else { continue }
            return !fields.dropFirst().contains { $0 == "q=0" || $0 == "q=0.0" || $0 == "q=0.000" }
        }
        return false
    }

    /// The server as a swift-service-lifecycle `Service` (to run under a `ServiceGroup`, which
    /// owns the signals). `onListening` receives the bound port (useful with port 0).
    public static func service(
        host: String, port: Int, source: StatusSource, onListening: @escaping @Sendable (Int) async -> Void
    ) -> some Service {
        Application(
            router: router(source), configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) })
    }
}
