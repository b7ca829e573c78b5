import Foundation

/// One field a request got wrong: a JSON pointer into the body (RFC 6901, as RFC 9457's
/// validation example uses), the same path dotted (as Kubernetes' `field`), and what is wrong.
public struct FieldError: Sendable, Equatable, Codable {
    public let pointer: String
    public let field: String
    public let detail: String

    public init(path: [String], detail: String) {
        pointer = "#/" + path.joined(separator: "/")
        field = path.joined(separator: ".")
        self.detail = detail
    }
}

/// A refusal of the control-plane service, carried to the client as an RFC 9457 problem with the
/// reference API's `code` and `message` members.
public struct ServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status.
    public let status: Int
    /// A short, stable summary of the kind of problem.
    public let title: String
    /// What happened to this request, for a person.
    public let detail: String
    public var errors: [FieldError] = []
    /// Extra members of the problem body (the running task, the current version, …).
    public var extra: [String: String] = [:]

    public init(_ status: Int, _ title: String, _ detail: String, errors: [FieldError] = []) {
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors
    }

    public var description: String { "\(status) \(title): \(detail)" }

    /// 400: the body is not JSON, or not the shape asked for.
    public static func badRequest(_ detail: String) -> ServiceError { ServiceError(400, "Bad Request", detail) }
    /// 422: a well-formed request with invalid fields.
    public static func invalid(_ errors: [FieldError]) -> ServiceError {
        let detail = errors.map { "\($0.field): \($0.detail)" }.joined(separator: "; ")
        return ServiceError(422, "Unprocessable Content", detail, errors: errors)
    }
    /// 422 for one field.
    public static func invalid(_ path: [String], _ detail: String) -> ServiceError {
        invalid([FieldError(path: path, detail: detail)])
    }
    /// 404: no such resource.
    public static func notFound(_ what: String, _ id: String) -> ServiceError {
        ServiceError(404, "Not Found", "\(what) '\(id)' not found")
    }
    /// 409: the resource's state does not allow it now.
    public static func conflict(_ detail: String) -> ServiceError { ServiceError(409, "Conflict", detail) }

    /// The problem body: RFC 9457 members plus `code` and `message`.
    public func body(requestID: String?) -> [UInt8] {
        var o: [String: Any] = [
            "type": "about:blank", "title": title, "status": status, "detail": detail, "code": status,
            "message": detail,
        ]
        if !errors.isEmpty {
            o["errors"] = errors.map { ["pointer": $0.pointer, "field": $0.field, "detail": $0.detail] }
        }
        if let requestID { o["request_id"] = requestID }
        for (k, v) in extra { o[k] = v }
        return (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys, .withoutEscapingSlashes])).map {
            Array($0)
        } ?? []
    }
}
