import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Where `cloudplane`'s log lines go: standard error, written by a background thread at most
/// `interval` after a line is logged (or when 64 KiB are pending), in one write(2) for many
/// lines, so a request's log line costs a few appends to a buffer instead of a locked write and
/// a time formatting of its own. Warnings and worse are written at once, and whatever is pending
/// is written at exit.
final class LogSink: Sendable {
    static let shared = LogSink()
    static let interval: TimeInterval = 0.05
    private let pending = Mutex<[UInt8]>([])
    /// Whether the writer thread runs (started by the first line, so commands that log
    /// nothing start no thread).
    private let started = Atomic<Bool>(false)
    /// The second of the cached timestamp and its text.
    private let stamp = Mutex<(Int, String)>((-1, ""))

    private init() {}

    private func startWriter() {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let t = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: Self.interval)
                flush()
            }
        }
        t.name = "cloudplane-log"
        t.start()
    }

    /// Appends one line; writes now when `urgent` or when much is pending.
    func append(_ line: String, urgent: Bool) {
        startWriter()
        let big = pending.withLock { p -> Bool in
            p.append(contentsOf: line.utf8)
            return p.count >= 65_536
        }
        if urgent || big { flush() }
    }

    /// Writes what is pending.
    func flush() {
        let bytes = pending.withLock { p -> [UInt8] in
            defer { p.removeAll(keepingCapacity: true) }
            return p
        }
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            off += n
        }
    }

    /// `2026-12-02T13:53:18+0000`, formatted once per second.
    func timestamp() -> String {
        var now = time(nil)
        return stamp.withLock { s in
            if s.0 == now { return s.1 }
            var tm = tm()
            gmtime_r(&now, &tm)
            let d = { (v: Int32, w: Int) in String(repeating: "0", count: max(0, w - String(v).count)) + String(v) }
            s = (
                now,
                "\(d(tm.tm_year + 1900, 4))-\(d(tm.tm_mon + 1, 2))-\(d(tm.tm_mday, 2))T"
                    + "\(d(tm.tm_hour, 2)):\(d(tm.tm_min, 2)):\(d(tm.tm_sec, 2))+0000"
            )
            return s.1
        }
    }
}

/// The log handler `cloudplane` bootstraps: StreamLogHandler's line format
/// (`<time> <level> <label>: <metadata> [<source>] <message>`) through `LogSink`.
struct BufferedLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String) { self.label = label }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { _, new in new } }
        if let extra = event.metadata { all.merge(extra) { _, new in new } }
        var line = LogSink.shared.timestamp() + " \(event.level) \(label):"
        for (k, v) in all.sorted(by: { $0.key < $1.key }) { line += " \(k)=\(v)" }
        line += " [\(event.source)] \(event.message)\n"
        LogSink.shared.append(line, urgent: event.level >= .warning)
    }
}
