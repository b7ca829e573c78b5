import CloudTelemetry
import CompressNIO
import Hummingbird
import NIOCore

/// What the HTTP edge serves, supplied by whichever runtime runs behind it.
public struct StatusSource: Sendable {
    /// The current metric families.
    public let metrics: @Sendable () async -> [MetricFamily]
    /// True while the control plane is healthy.
    public let healthy: @Sendable () async -> Bool

    public init(metrics: @escaping @Sendable () async -> [MetricFamily], healthy: @escaping @Sendable () async -> Bool) {
        self.metrics = metrics
        self.healthy = healthy
    }
}

/// The HTTP server of `cloudplane serve`: `/metrics` (text 0.0.4 or OpenMetrics by `Accept`,
/// gzip when `Accept-Encoding` allows it) and `/healthz`.
public enum StatusServer {
    /// Builds the router; exposed so tests can drive it without a socket.
    public static func router(_ source: StatusSource) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/metrics") { request, _ -> Response in
            let format = ExpositionFormat.negotiate(accept: request.headers[.accept])
            var body = ByteBuffer(string: Exposition.render(await source.metrics(), format: format))
            var headers: HTTPFields = [.contentType: format.contentType]
            if acceptsGzip(request.headers[.acceptEncoding]), let zipped = try? body.compress(with: .gzip()) {
                body = zipped
                headers[.contentEncoding] = "gzip"
            }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
        }
        router.get("/healthz") { _, _ -> Response in
            let ok = await source.healthy()
            return Response(status: ok ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: ok ? "ok\n" : "unhealthy\n")))
        }
        return router
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

    /// Serves until cancelled. `onListening` receives the bound port (useful with port 0).
    public static func run(
        host: String, port: Int, source: StatusSource, onListening: @escaping @Sendable (Int) async -> Void
    ) async throws {
        let app = Application(
            router: router(source), configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) })
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }
}
