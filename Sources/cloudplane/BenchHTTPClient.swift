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
        try send(Self.encode(method, path, headers: headers, body: body))
        return try readResponse()
    }

    /// One HTTP/1.1 request's bytes.
    static func encode(_ method: String, _ path: String, headers: [String] = [], body: [UInt8] = []) -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.count)\r\n"
        for h in headers { head += h + "\r\n" }
        return Array((head + "\r\n").utf8) + body
    }

    /// Bytes received and not yet consumed start at `consumed`.
    var consumed = 0

    /// The receive buffer `fill` reads into before appending what arrived.
    var scratch = [UInt8](repeating: 0, count: 65_536)

    func fill() throws {
        let n = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { throw CtlFailure(description: "the server closed the connection") }
        buffer.append(contentsOf: scratch[0..<n])
    }

    /// Reads one response (blocking until it is whole).
    func readResponse() throws -> (Int, [UInt8]) {
        while true {
            if let r = parseResponse() { return r }
            try fill()
        }
    }

    /// Sends `bytes` whole.
    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw CtlFailure(description: "send: \(String(cString: strerror(errno)))") }
            sent += n
        }
    }

    /// The response at the front of what was received, if it is whole: scans the head's bytes
    /// for the status and Content-Length without building strings, so the load generator costs
    /// little beside the server.
    func parseResponse() -> (Int, [UInt8])? {
        if consumed == buffer.count {
            buffer.removeAll(keepingCapacity: true)
        } else if consumed > 0 {
            buffer.removeFirst(consumed)
        }
        consumed = 0
        var headEnd = -1
        var i = 0
        while i + 3 < buffer.count {
            if buffer[i] == 13 && buffer[i + 1] == 10 && buffer[i + 2] == 13 && buffer[i + 3] == 10 {
                headEnd = i + 4
                break
            }
            i += 1
        }
        guard headEnd >= 0 else { return nil }
        // "HTTP/1.1 200 …"
        var status = 0
        i = 9
        while i < headEnd, buffer[i] >= 48 && buffer[i] <= 57 {
            status = status * 10 + Int(buffer[i] - 48)
            i += 1
        }
        let length = contentLength(from: 0, to: headEnd)
        guard buffer.count >= headEnd + length else { return nil }
        let body = Array(buffer[headEnd..<(headEnd + length)])
        consumed = headEnd + length
        return (status, body)
    }

    /// The Content-Length of the head in `buffer[from..<to]` (0 when absent).
    func contentLength(from: Int, to: Int) -> Int {
        let name = Array("content-length:".utf8)
        var i = from
        while i + name.count < to {
            if buffer[i] == 10 {
                var j = 0
                while j < name.count, buffer[i + 1 + j] | 0x20 == name[j] | 0x20 { j += 1 }
                if j == name.count {
                    var k = i + 1 + j
                    var n = 0
                    while k < to, buffer[k] == 32 { k += 1 }
                    while k < to, buffer[k] >= 48 && buffer[k] <= 57 {
                        n = n * 10 + Int(buffer[k] - 48)
                        k += 1
                    }
                    return n
                }
            }
            i += 1
        }
        return 0
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
