import CloudService
import CloudStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Maps every error a handler throws to a problem response (RFC 9457 plus `code`/`message`).
enum APIError {
    static func response(for error: any Error, requestID: String, logger: Logger) -> Response {
        problem(serviceError(error, logger: logger), requestID: requestID)
    }

    static func serviceError(_ error: any Error, logger: Logger) -> ServiceError {
        switch error {
        case let e as ServiceError: return e
        case let e as StoreError:
            switch e {
            case .conflict(let key, _, _):
                return .conflict("\(key.table) '\(key.id)' changed while this request ran; retry it")
            case .serializationFailure:
                return ServiceError(503, "Service Unavailable", "the store could not serialize the request; retry it")
            case .unavailable(let why): return ServiceError(503, "Service Unavailable", "store unavailable: \(why)")
            case .leaseHeld, .leaseLost: return ServiceError(503, "Service Unavailable", e.description)
            }
        case let e as HTTPError where e.status == .contentTooLarge:
            return ServiceError(413, "Content Too Large", "the body is larger than the API accepts (1 MiB)")
        case let e as HTTPError:
            return ServiceError(Int(e.status.code), e.status.reasonPhrase, e.body ?? e.status.reasonPhrase)
        default:
            logger.error("internal error: \(error)")
            return ServiceError(500, "Internal Server Error", "A bug has been detected. Please contact support.")
        }
    }

    /// The problem document of `e`.
    static func problem(_ e: ServiceError, requestID: String?) -> Response {
        Response(
            status: HTTPResponse.Status(code: e.status),
            headers: [.contentType: "application/problem+json"],
            body: .init(byteBuffer: ByteBuffer(bytes: e.body(requestID: requestID))))
    }
}
