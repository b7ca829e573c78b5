import CloudControl
import CloudModel
import CloudTestKit
import Foundation
import Testing

/// Every decision the manager takes is a typed event; the decision log's text is rendered from it.
@Suite struct HAEventTests {
    static let names = ["cpu-01", "cpu-02", "cpu-03"]
    static func h(_ i: Int) -> HostID { HostID("node-\(i)") }
    static func name(_ id: HostID) -> String { names[Int(id.rawValue.dropFirst(5)) ?? 0] }

    static let cases: [(HAEvent, String)] = [
        (.leaderResumed(epoch: 3, previous: 2), "leader epoch 3 (was 2): resuming from persisted state"),
        (
            .hostStateChanged(host: h(1), from: .online, to: .suspect, reason: "no heartbeat for 6s"),
            "node 'cpu-02': state changed from 'online' to 'suspect' (no heartbeat for 6s)"
        ),
        (
            .vmStateChanged(vm: "db-01", from: .fence, to: .recovery, reason: ""),
            "vm 'db-01': state changed from 'fence' to 'recovery'"
        ),
        (.stormGuard(engaged: false, unreachable: 1, total: 10), "storm guard lifted: 1 of 10 hosts unreachable"),
        (
            .fenceLevelStarted(host: h(0), level: 1, methods: [.ipmi, .storage], attempt: 0),
            "FENCE: node 'cpu-01': level 2 (ipmi+storage), try 1"
        ),
        (
            .fenceExhausted(host: h(2), blockedVMs: 3, retryAfterNanoseconds: 1_500_000_000),
            "FENCE: node 'cpu-03': every fence level failed; 3 VM(s) stay blocked; retrying in 1.500s"
        ),
        (.fenceCompleted(host: h(1), proofs: ["a", "b"]), "fencing: acknowledged - node 'cpu-02' fenced (a; b)"),
        (.disarmDeferred(vm: "web-01", state: .fence), "deferring disarm - vm 'web-01' is in 'fence' state"),
        (.migrated(vm: "a", to: h(2), detail: "1 round"), "vm 'a': migrated to node 'cpu-03' (1 round)"),
        (
            .relocating(vm: "a", attempt: 1, of: 2, avoiding: [h(0), h(2)]),
            "vm 'a': relocate 1 of 2 (avoiding 'cpu-01', 'cpu-03')"
        ),
        (.recoveryPending(vm: "a", reason: "no capacity"), "vm 'a': recovery pending: no capacity"),
        (.vmStarting(vm: "a", host: h(0)), "vm 'a': starting on node 'cpu-01'"),
    ]

    @Test(arguments: cases)
    func rendersTheDecisionLogsWording(event: HAEvent, text: String) throws {
        #expect(event.text(hostName: Self.name) == text)
        let decoded = try JSONDecoder().decode(HAEvent.self, from: JSONEncoder().encode(event))
        #expect(decoded == event, "events are stored and sent as values")
    }

    @Test func theManagerReportsAFenceAsTypedEvents() throws {
        var config = HAConfig()
        config.fenceLevels = [[.ipmi]]
        var h = HAHarness(vms: [("web", .high, 1)], config: config)
        h.round(at: 1)
        h.storage[1] = false
        h.run(until: 22, dead: [1])
        #expect(h.events.contains(.fenceLevelStarted(host: HAHarness.host(1), level: 0, methods: [.ipmi], attempt: 0)))
        #expect(
            h.events.contains(.hostStateChanged(host: HAHarness.host(1), from: .failed, to: .fencing, reason: "failed"))
        )
        #expect(h.logs.contains("FENCE: node 'h2': level 1 (ipmi), try 1"))
    }
}
