/// Settings of a remote-write sender. The defaults follow Prometheus' own queue
/// (`queue_config` since 2.44): 2,000 samples per request, backoff 30 ms → 5 s, 5 s batch deadline.
public struct RemoteWriteConfig: Sendable {
    /// Receiver URL, e.g. `http://127.0.0.1:9090/api/v1/write`.
    public var url: String
    /// Wire version; 2.0 falls back to 1.0 when the receiver does not confirm what it wrote.
    public var version: RemoteWriteVersion = .v1
    /// Parallel senders; a series always goes to the same shard, so its samples stay in order.
    public var shards = 4
    /// Samples per request (at most).
    public var maxSamplesPerSend = 2000
    /// Samples buffered per shard; `shards × capacityPerShard` is what an outage can absorb.
    public var capacityPerShard = 250_000
    /// A partly filled batch goes out after this long.
    public var batchDeadline: Duration = .seconds(5)
    public var minBackoff: Duration = .milliseconds(30)
    public var maxBackoff: Duration = .seconds(5)
    /// Retry 429 (Too Many Requests) like a 5xx; off by default, as in Prometheus.
    public var retryOn429 = false
    public var userAgent = "cloudplane/0.5"
    /// Extra request headers; they cannot replace the ones the protocol requires.
    public var headers: [(String, String)] = []
    /// Where the sender reports a dropped batch or a fallback (the receiver's body as is).
    public var log: @Sendable (String) -> Void = { _ in }

    public init(url: String) { self.url = url }

    /// Samples an outage can absorb before new samples are refused.
    public var capacity: Int { shards * capacityPerShard }
}

/// What a receiver answered.
public struct TransportResponse: Sendable {
    public let status: Int
    /// Header values by lower-cased name.
    public let headers: [String: String]
    public let body: String

    public init(status: Int, headers: [String: String], body: String) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Sends one HTTP POST. Implementations throw on network errors (retried with backoff).
public protocol RemoteWriteTransport: Sendable {
    func post(url: String, headers: [(String, String)], body: [UInt8]) async throws -> TransportResponse
}
