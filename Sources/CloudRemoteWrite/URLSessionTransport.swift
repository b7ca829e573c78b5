import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The HTTP transport: Foundation's URLSession (libcurl on Linux), keep-alive per host.
public struct URLSessionTransport: RemoteWriteTransport {
    let session: URLSession

    public init(timeout: TimeInterval = 30) {
        let c = URLSessionConfiguration.ephemeral
        c.timeoutIntervalForRequest = timeout
        c.httpMaximumConnectionsPerHost = 16
        session = URLSession(configuration: c)
    }

    public func post(url: String, headers: [(String, String)], body: [UInt8]) async throws -> TransportResponse {
        guard let u = URL(string: url) else { throw URLError(.badURL) }
        var request = URLRequest(url: u)
        request.httpMethod = "POST"
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        request.httpBody = Data(body)
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
        var fields: [String: String] = [:]
        for (k, v) in http.allHeaderFields {
            if let k = k as? String, let v = v as? String { fields[k.lowercased()] = v }
        }
        return TransportResponse(status: http.statusCode, headers: fields, body: String(decoding: data, as: UTF8.self))
    }
}
