import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A minimal HTTP/1.1 keep-alive client over one blocking TCP socket: the load generator of
/// `bench api` (each client thread owns one), so that what is measured is the server.
final class BenchHTTPConnection {
    let fd: Int32
    var buffer: [UInt8] = []

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CtlFailure(description: "socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else {
            close(fd)
            throw CtlFailure(description: "connect 127.0.0.1:\(port): \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(fd) }

    /// Sends one request and reads its response; returns the status and body.
    func request(_ method: String, _ path: String, headers: [String] = [], body: [UInt8] = []) throws -> (Int, [UInt8])
    {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.count)\r\n"
        for h in headers { head += h + "\r\n" }
        let bytes = Array((head + "\r\n").utf8) + body
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw CtlFailure(description: "send: \(String(cString: strerror(errno)))") }
            sent += n
        }
        return try readResponse()
    }

    func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { throw CtlFailure(description: "the server closed the connection") }
        buffer += chunk[0..<n]
    }

    func readResponse() throws -> (Int, [UInt8]) {
        let crlf2: [UInt8] = [13, 10, 13, 10]
        var end: Int?
        while end == nil {
            if let r = buffer.firstRange(of: crlf2) { end = r.upperBound } else { try fill() }
        }
        guard let headerEnd = end else { throw CtlFailure(description: "no response head") }
        let head = String(decoding: buffer[0..<headerEnd], as: UTF8.self)
        let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
        var length = 0
        for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
            length = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
        }
        while buffer.count < headerEnd + length { try fill() }
        let body = Array(buffer[headerEnd..<(headerEnd + length)])
        buffer.removeFirst(headerEnd + length)
        return (status, body)
    }
}

/// Runs `clients` threads, each with its own connection, calling `body(client, connection)`;
/// returns when all are done (the first error is rethrown).
func benchClients(
    _ clients: Int, port: Int, _ body: @escaping @Sendable (Int, BenchHTTPConnection) throws -> Void
) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for c in 0..<clients {
            group.addTask {
                try await withCheckedThrowingContinuation { (k: CheckedContinuation<Void, any Error>) in
                    let t = Thread {
                        do {
                            let conn = try BenchHTTPConnection(port: port)
                            try body(c, conn)
                            k.resume()
                        } catch {
                            k.resume(throwing: error)
                        }
                    }
                    t.stackSize = 1 << 20
                    t.start()
                }
            }
        }
        try await group.waitForAll()
    }
}

/// The `q` quantile (0…1) of `values`, nearest rank.
func quantile(_ values: [Double], _ q: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let s = values.sorted()
    return s[min(s.count - 1, max(0, Int((q * Double(s.count)).rounded(.up)) - 1))]
}
