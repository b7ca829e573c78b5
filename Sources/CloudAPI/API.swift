import CloudModel
import CloudService
import CloudStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The REST API of the control plane under `/api`: the reference API's core routes with its wire
/// names, plus CloudPlane's additions under the same prefix.
public struct API: Sendable {
    public let plane: ControlPlane
    /// The runtime behind the controllers (admission checks what no node could ever satisfy).
    public let backend: (any InstanceBackend)?
    /// This control-plane node's software version (`pce_version`).
    public let version: String
    /// Every route registered, `METHOD /path/{param}` (what the OpenAPI document must list).
    public let routes = RouteRecorder()

    public init(plane: ControlPlane, backend: (any InstanceBackend)?, version: String) {
        self.plane = plane
        self.backend = backend
        self.version = version
    }

    /// A router with the API, `/metrics` and `/healthz`.
    public func router(status: StatusSource) -> Router<APIContext> {
        let router = Router(context: APIContext.self)
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: AuthMiddleware(plane: plane))
        StatusServer.addRoutes(to: router, source: status)
        addRoutes(to: router)
        return router
    }

    /// Registers every API route on `router`.
    public func addRoutes(to router: Router<APIContext>) {
        addSessionRoutes(router)
        addInventoryRoutes(router)
        addNodeRoutes(router)
        addInstanceRoutes(router)
        addInstanceActionRoutes(router)
        addTaskRoutes(router)
        addStorageAndNetworkRoutes(router)
        on(router, .get, "/api/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
    }

    /// Registers `handler` for `path` with and without a trailing slash (the reference API's
    /// clients call both).
    func on(
        _ router: Router<APIContext>, _ method: HTTPRequest.Method, _ path: String,
        _ handler: @escaping @Sendable (Request, APIContext) async throws -> Response
    ) {
        router.on(RouterPath(path), method: method, use: handler)
        let documented = path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
        routes.add("\(method.rawValue) /" + documented.joined(separator: "/"))
    }
}

/// The routes an `API` registered.
public final class RouteRecorder: Sendable {
    let state = Mutex<[String]>([])
    /// `METHOD /path/{param}`, in registration order.
    public var all: [String] { state.withLock { $0 } }
    func add(_ route: String) { state.withLock { $0.append(route) } }
}

/// Response and request helpers of the handlers.
enum HTTP {
    /// `value` as a JSON response.
    static func json(_ value: some Encodable, status: Int = 200, headers: HTTPFields = [:]) -> Response {
        reply(ServiceReply(status: status, body: Wire.encode(value)), extra: headers)
    }

    /// A service reply as a response.
    static func reply(_ r: ServiceReply, extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        for (k, v) in r.headers.sorted(by: { $0.key < $1.key }) {
            if let name = HTTPField.Name(k) { headers[name] = v }
        }
        headers.append(contentsOf: extra)
        return Response(
            status: HTTPResponse.Status(code: r.status), headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: r.body)))
    }

    /// The request body (at most 1 MiB; more is a 413).
    static func body(_ request: Request) async throws -> [UInt8] {
        var r = request
        do {
            let buffer = try await r.collectBody(upTo: 1 << 20)
            return Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw ServiceError(413, "Content Too Large", "the body is larger than the API accepts (1 MiB)")
        }
    }

    /// A list of stored rows (their JSON as is) with the paging headers.
    static func rawPage(_ p: Page<[UInt8]>, _ request: Request) -> Response {
        var body: [UInt8] = [UInt8(ascii: "[")]
        for (i, row) in p.items.enumerated() {
            if i > 0 { body.append(UInt8(ascii: ",")) }
            body += row
        }
        body.append(UInt8(ascii: "]"))
        return reply(ServiceReply(body: body), extra: pageHeaders(p.next, request))
    }

    /// A JSON list with the paging headers: `X-Next-Cursor` and a `Link: rel="next"`.
    static func page<T: Encodable & Sendable>(_ p: Page<T>, _ request: Request) -> Response {
        json(p.items, headers: pageHeaders(p.next, request))
    }

    static func pageHeaders(_ next: String?, _ request: Request) -> HTTPFields {
        var headers: HTTPFields = [:]
        if let next {
            headers[.xNextCursor] = next
            var q = request.uri.queryParameters.filter { $0.key != "cursor" }.map { "\($0.key)=\($0.value)" }
            q.append("cursor=\(next)")
            headers[.link] =
                "<\(request.uri.path)?\(q.sorted().joined(separator: "&"))>; rel=\"next\""
        }
        return headers
    }

    /// `limit` (1…1000, default 1000) and `cursor` from the query.
    static func pageRequest(_ request: Request) throws(ServiceError) -> PageRequest {
        let q = request.uri.queryParameters
        var limit = PageRequest.maxLimit
        if let l = q.get("limit") {
            guard let n = Int(l), (1...PageRequest.maxLimit).contains(n) else {
                var e = ServiceError.badRequest("limit must be an integer in 1...\(PageRequest.maxLimit), got '\(l)'")
                e.errors = [FieldError(path: ["limit"], detail: "must be an integer in 1...\(PageRequest.maxLimit)")]
                throw e
            }
            limit = n
        }
        return PageRequest(cursor: q.get("cursor").map { String($0) }, limit: limit)
    }

    /// An ID query parameter `name` of `kind`, if present.
    static func queryID(_ request: Request, _ name: String, _ kind: ResourceKind) throws(ServiceError) -> String? {
        guard let v = request.uri.queryParameters.get(name), !v.isEmpty else { return nil }
        return try parseID(String(v), kind, name)
    }

    /// The path parameter `name` as an ID of `kind` (a wrong prefix is a 400 naming it).
    static func pathID(_ context: APIContext, _ name: String, _ kind: ResourceKind) throws(ServiceError) -> String {
        try parseID(context.parameters.get(name) ?? "", kind, name)
    }

    /// `If-Match: "N"` as version N (nil when absent or `*`); anything else is a 400.
    static func ifMatch(_ request: Request) throws(ServiceError) -> UInt64? {
        guard let raw = request.headers[.ifMatch]?.trimmingCharacters(in: .whitespaces), raw != "*" else { return nil }
        var t = raw.hasPrefix("W/") ? String(raw.dropFirst(2)) : raw
        if t.hasPrefix("\"") && t.hasSuffix("\"") && t.count >= 2 { t = String(t.dropFirst().dropLast()) }
        guard let v = UInt64(t) else {
            throw ServiceError.badRequest("If-Match must be an ETag this API gave, got \(raw)")
        }
        return v
    }

    static func etag(_ version: UInt64) -> HTTPFields { [.eTag: "\"\(version)\""] }

    static func principal(_ context: APIContext) -> Principal { context.principal ?? .system }

    static func idempotencyKey(_ request: Request) -> String? { request.headers[.idempotencyKey] }
}

extension API {
    /// The HTTP server of `serve` as a Service: the API, `/metrics` and `/healthz` on one port.
    /// `onListening` receives the bound port (useful with port 0).
    public func service(
        host: String, port: Int, status: StatusSource, onListening: @escaping @Sendable (Int) async -> Void
    ) -> some Service {
        Application(
            router: router(status: status), configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            eventLoopGroupProvider: .shared(Self.eventLoops))
    }

    /// The server's event loops: half the cores (at least one). The loops only parse requests
    /// and write responses; the handlers run on Swift concurrency's pool, which has a thread per
    /// core. On a 2-core machine one loop instead of two cut `bench api`'s GET p99 from about
    /// 12 ms to about 10 ms (less contention for the cores the handlers need).
    public static let eventLoops = MultiThreadedEventLoopGroup(
        numberOfThreads: max(1, System.coreCount / 2))
}
