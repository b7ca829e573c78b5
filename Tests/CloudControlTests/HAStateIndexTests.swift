import CloudControl
import CloudModel
import Foundation
import Testing

/// The HA state finds VM records by ID through their join numbers: removing a record renumbers
/// nothing, and every remaining record is still found at its position.
@Suite struct HAStateIndexTests {
    static func state(vms n: Int) -> HAState {
        HAState(
            hosts: [HAHostRecord(id: node(0), name: "h1", joinedAt: at(0))],
            vms: (0..<n).map { HAVMRecord(id: inst($0), name: "vm\($0)", priority: .high, node: node(0)) })
    }

    @Test func recordsAreFoundAfterRemovalsAndInsertions() throws {
        var manager = HAManager(config: HAConfig(), persisted: Self.state(vms: 40))
        var alive = Array(0..<40)
        for v in [0, 39, 17, 18, 5, 30] {
            try manager.removeVM(inst(v))
            alive.removeAll { $0 == v }
        }
        for v in 40..<45 {
            manager.addVM(HAVMRecord(id: inst(v), name: "vm\(v)", priority: .normal, node: node(0)))
            alive.append(v)
        }
        let s = manager.state
        #expect(s.vms.map(\.id) == alive.map(inst), "join order kept")
        for (position, v) in alive.enumerated() {
            #expect(s.vm(inst(v)) == position, "vm\(v)")
            #expect(s[vm: inst(v)]?.name == "vm\(v)")
        }
        for v in [0, 39, 17, 18, 5, 30, 99] { #expect(s.vm(inst(v)) == nil, "vm\(v) is gone") }
    }

    @Test func aStoredStateOutOfJoinOrderIsRefused() throws {
        let s = Self.state(vms: 3)
        var json = try #require(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(s)) as? [String: Any])
        var vms = try #require(json["vms"] as? [Any])
        vms.swapAt(0, 2)
        json["vms"] = vms
        let data = try JSONSerialization.data(withJSONObject: json)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(HAState.self, from: data) }
        #expect(try JSONDecoder().decode(HAState.self, from: JSONEncoder().encode(s)) == s)
    }
}
