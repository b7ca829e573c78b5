import CloudService
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The request context of the API: who is asking and the request's ID.
public struct APIContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by the authentication middleware.
    public var principal: Principal?
    /// `req-<uuid>`, echoed in `X-Request-Id` and every log line of the request.
    public var requestID = ""

    public init(source: Source) { coreContext = .init(source: source) }
}

/// Gives every request an ID (the client's `X-Request-Id` when it is a sane token), logs the
/// request with it, and returns it on every response, errors included.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = APIContext

    func handle(
        _ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response
    )
        async throws -> Response
    {
        var context = context
        let given = request.headers[.xRequestID]
        let ok = given.map { $0.count <= 128 && $0.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F } } ?? false
        context.requestID = ok ? (given ?? "") : "req-" + UUID().uuidString.lowercased()
        context.logger[metadataKey: "request_id"] = .string(context.requestID)
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = APIError.response(for: error, requestID: context.requestID, logger: context.logger)
        }
        response.headers[.xRequestID] = context.requestID
        if request.uri.path.hasPrefix("/api") {
            context.logger.info("\(request.method) \(request.uri.path) -> \(response.status.code)")
        }
        return response
    }
}

/// Requires `Authorization: Bearer <token>` on every `/api` route except the health check and
/// the OpenAPI document; 401 otherwise.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let plane: ControlPlane
    static let open: Set<String> = ["/api/v1/healthcheck", "/api/openapi.json"]

    func handle(
        _ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response
    )
        async throws -> Response
    {
        let path =
            request.uri.path.count > 1 && request.uri.path.hasSuffix("/")
            ? String(request.uri.path.dropLast()) : request.uri.path
        guard path.hasPrefix("/api"), !Self.open.contains(path) else { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw Self.unauthorized("missing Authorization: Bearer <token>")
        }
        let token = String(header.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        guard let principal = try await plane.authenticate(bearer: token) else {
            throw Self.unauthorized("the token is not valid")
        }
        var context = context
        context.principal = principal
        return try await next(request, context)
    }

    static func unauthorized(_ detail: String) -> ServiceError { ServiceError(401, "Unauthorized", detail) }
}

extension HTTPField.Name {
    static let xRequestID = named("X-Request-Id")
    static let idempotencyKey = named("Idempotency-Key")
    static let xNextCursor = named("X-Next-Cursor")
    static let link = named("Link")

    /// A header name known to be a valid token.
    static func named(_ text: String) -> Self {
        guard let n = Self(text) else { preconditionFailure("'\(text)' is not a header name") }
        return n
    }
}
