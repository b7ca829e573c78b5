import CloudControl
import CloudModel
import CloudTestKit

/// The ID of the harness's host at position `h` (h1 is `node(0)`).
func node(_ h: Int) -> HostID { HAHarness.host(h) }

/// The ID of the harness's VM at position `v`.
func inst(_ v: Int) -> VMID { HAHarness.vm(v) }

/// In these tests an integer literal is an instant that many nanoseconds after the Unix epoch.
extension Instant: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: UInt64) { self.init(nanosecondsSinceUnixEpoch: value) }
}

/// The instant `nanoseconds` after the Unix epoch.
func at(_ nanoseconds: UInt64) -> Instant { Instant(nanosecondsSinceUnixEpoch: nanoseconds) }
