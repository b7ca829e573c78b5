import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The load generator of `bench api`: `clients` keep-alive connections driven from one thread
/// with poll(2), as wrk does, each with one request in flight. One thread instead of a thread per
/// client keeps the generator's scheduling out of the latencies it measures on a small machine.
struct BenchLoad {
    let port: Int
    let clients: Int

    /// Sends requests 0..<total (`request(i)` gives the bytes), each on the next free
    /// connection; `reply(i, status, body)` checks each response. Returns the latency of each
    /// request in milliseconds, in request order.
    func run(
        total: Int, request: @escaping @Sendable (Int) -> [UInt8],
        reply: @escaping @Sendable (Int, Int, [UInt8]) throws -> Void
    ) async throws -> [Double] {
        let (port, clients) = (self.port, self.clients)
        return try await withCheckedThrowingContinuation { (k: CheckedContinuation<[Double], any Error>) in
            let t = Thread {
                do {
                    k.resume(returning: try Self.drive(port: port, clients: clients, total: total, request, reply))
                } catch {
                    k.resume(throwing: error)
                }
            }
            t.stackSize = 1 << 22
            t.start()
        }
    }

    static func drive(
        port: Int, clients: Int, total: Int, _ request: (Int) -> [UInt8], _ reply: (Int, Int, [UInt8]) throws -> Void
    ) throws -> [Double] {
        let conns = try (0..<min(clients, total)).map { _ in try BenchHTTPConnection(port: port) }
        var latencies = [Double](repeating: 0, count: total)
        var inFlight = [Int](repeating: -1, count: conns.count)
        var sentAt = [UInt64](repeating: 0, count: conns.count)
        var next = 0
        var done = 0
        func start(_ c: Int) throws {
            guard next < total else { return }
            inFlight[c] = next
            sentAt[c] = nowNanoseconds()
            try conns[c].send(request(next))
            next += 1
        }
        for c in conns.indices { try start(c) }
        var fds = conns.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        while done < total {
            let n = poll(&fds, nfds_t(fds.count), 30_000)
            guard n > 0 else { throw CtlFailure(description: "no response in 30 s (\(done) of \(total) done)") }
            for c in fds.indices where fds[c].revents != 0 {
                fds[c].revents = 0
                try conns[c].fill()
                while inFlight[c] >= 0, let (status, body) = conns[c].parseResponse() {
                    let i = inFlight[c]
                    latencies[i] = Double(nowNanoseconds() - sentAt[c]) / 1e6
                    inFlight[c] = -1
                    done += 1
                    try reply(i, status, body)
                    try start(c)
                }
            }
        }
        return latencies
    }
}

/// The monotonic clock in nanoseconds.
func nowNanoseconds() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
