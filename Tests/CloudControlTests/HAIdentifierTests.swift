import CloudControl
import Foundation
import Testing

/// IDs compare and hash by their text (through its digest) and are stored as the bare text.
@Suite struct HAIdentifierTests {
    @Test func equalTextMeansEqualIDsAndEqualHashes() {
        let a = HostID("node-" + "a")
        let b: HostID = "node-a"
        #expect(a == b && a.hashValue == b.hashValue)
        #expect(a != HostID("node-b"))
        #expect(Set([a, b, HostID("node-b")]).count == 2)
        #expect(VMID("inst-1") < VMID("inst-2"))
    }

    @Test func anIDIsStoredAsItsText() throws {
        let ids = [VMID("inst-x"), VMID("inst-y")]
        let data = try JSONEncoder().encode(ids)
        #expect(String(decoding: data, as: UTF8.self) == #"["inst-x","inst-y"]"#)
        #expect(try JSONDecoder().decode([VMID].self, from: data) == ids)
    }
}
