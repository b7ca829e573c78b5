import CloudControl
import CloudTestKit

/// The ID of the harness's host at position `h` (h1 is `node(0)`).
func node(_ h: Int) -> HostID { HAHarness.host(h) }

/// The ID of the harness's VM at position `v`.
func inst(_ v: Int) -> VMID { HAHarness.vm(v) }
