import CloudModel
import Testing

@testable import CloudControl

/// A placement that puts every VM on the first host not excluded, not unschedulable and with room.
struct FakePlacement: HAPlacement {
    var hostOf: [Int: Int] = [:]
    var capacity: [Int]
    var unschedulable: Set<Int> = []
    var capacityVersion: UInt64 = 0

    mutating func place(vm: Int, excluding: [Int]) -> PlacementOutcome {
        for h in capacity.indices where !excluding.contains(h) && !unschedulable.contains(h) && capacity[h] > 0 {
            capacity[h] -= 1
            hostOf[vm] = h
            return .placed(host: h)
        }
        return .noCapacity(reason: "full")
    }

    mutating func release(vm: Int) {
        guard let h = hostOf.removeValue(forKey: vm) else { return }
        capacity[h] += 1
        capacityVersion += 1
    }

    mutating func reserve(vm: Int, target: Int?, excluding: [Int]) -> PlacementOutcome { .noCapacity(reason: "n/a") }
    mutating func finishMigration(vm: Int, committed: Bool) {}
}

struct Harness {
    var m: HAManager
    var p: FakePlacement
    var now: UInt64 = 0
    var lastSeen: [UInt64]
    var storage: [Bool]
    var effects: [HAEffect] = []
    /// Every log line of every round so far.
    var allLogs: [String] = []

    init(hosts: Int = 3, vms: [(String, HAPriority, Int)], capacity: Int = 10, config: HAConfig = HAConfig()) {
        let records = vms.enumerated().map { i, v in HAVMRecord(index: i, name: v.0, priority: v.1, node: v.2) }
        m = HAManager(config: config, hostNames: (1...hosts).map { "h\($0)" }, vms: records)
        p = FakePlacement(capacity: Array(repeating: capacity, count: hosts))
        for (i, v) in vms.enumerated() {
            p.hostOf[i] = v.2
            p.capacity[v.2] -= 1
        }
        lastSeen = Array(repeating: 0, count: hosts)
        storage = Array(repeating: true, count: hosts)
    }

    /// Advances to `t` seconds; hosts in `dead` stop heartbeating.
    mutating func round(at t: UInt64, dead: Set<Int> = [], inputs: [HAInput] = []) {
        now = t * nsPerSecond
        for h in lastSeen.indices where !dead.contains(h) { lastSeen[h] = now }
        let obs = lastSeen.indices.map { HostObservation(lastHeartbeat: lastSeen[$0], storageAlive: storage[$0]) }
        effects = m.round(now: now, epoch: 1, observations: obs, inputs: inputs, placement: &p)
        allLogs += logs
    }

    /// Rounds every second from the last round's time up to `t`.
    mutating func run(until t: UInt64, dead: Set<Int> = []) {
        var at = now / nsPerSecond + 1
        while at <= t {
            round(at: at, dead: dead)
            at += 1
        }
    }

    var sent: [HACommand] { effects.compactMap { if case .send(let c) = $0 { return c } else { return nil } } }
    var logs: [String] { effects.compactMap { if case .log(let l) = $0 { return l } else { return nil } } }
}

@Suite struct HAManagerTests {
    @Test func failedHostIsFencedAndItsVMsRestartByPriority() throws {
        var h = Harness(vms: [("web", .high, 1), ("db", .critical, 1), ("other", .normal, 0)])
        h.round(at: 1)
        h.storage[1] = false
        h.round(at: 10, dead: [1])
        #expect(h.m.state.hosts[1].state == .suspect)
        #expect(h.sent.isEmpty)
        h.round(at: 22, dead: [1])
        #expect(h.m.state.hosts[1].state == .fencing)
        let fence = try #require(h.sent.first)
        #expect(fence.kind == .fence(.ipmi))
        #expect(h.m.state.vms.filter { $0.state == .fence }.map(\.name) == ["web", "db"])
        h.round(at: 23, dead: [1], inputs: [.fenced(command: fence.id, outcome: .verified(proof: "off"))])
        #expect(h.m.state.hosts[1].state == .fenced)
        // critical first; the high-priority VM waits until the critical one is running
        let starts = h.sent.filter { if case .start = $0.kind { return true } else { return false } }
        #expect(starts.map(\.kind) == [.start(vm: 1)])
        h.round(at: 30, dead: [1], inputs: [.started(command: starts[0].id, ok: true, reason: "")])
        #expect(h.m.state.vms[1].state == .started)
        #expect(h.sent.contains { $0.kind == .start(vm: 0) })
    }

    @Test func aFailedFenceIsNeverSuccessAndTheVMsStayBlocked() throws {
        var c = HAConfig()
        c.fenceLevels = [[.ipmi]]
        c.fenceRetries = 0
        var h = Harness(vms: [("web", .high, 1)], config: c)
        h.storage[1] = false
        h.run(until: 22, dead: [1])
        let fence = try #require(h.m.state.hosts[1].fence?.outstanding.first)
        h.round(at: 23, dead: [1], inputs: [.fenced(command: fence.id, outcome: .failed(reason: "BMC error"))])
        #expect(h.m.state.hosts[1].state == .fencing)
        #expect(h.m.state.vms[0].state == .fence)
        #expect(h.m.state.vms[0].blocked?.contains("BMC error") == true)
        #expect(h.allLogs.contains { $0.contains("every fence level failed") })
        h.run(until: 53, dead: [1])
        #expect(h.sent.contains { $0.kind == .fence(.ipmi) }, "retried after the backoff")
    }

    @Test func stormGuardStopsFencingWhenMostHostsVanish() {
        var h = Harness(hosts: 4, vms: [("a", .high, 1), ("b", .high, 2), ("c", .high, 3)])
        h.storage = [true, false, false, false]
        h.run(until: 25, dead: [1, 2, 3])
        #expect(h.m.state.stormGuard)
        #expect(!h.m.state.hosts.contains { $0.state == .fencing })
        #expect(h.allLogs.contains { $0.hasPrefix("storm guard: 3 of 4 hosts unreachable") })
    }

    @Test func anIsolatedHostIsGivenItsLeaseBeforeItIsFenced() {
        var h = Harness(vms: [("a", .high, 1)])
        h.run(until: 22, dead: [1])
        #expect(h.m.state.hosts[1].state == .isolated)
        h.run(until: 60, dead: [1])
        #expect(h.m.state.hosts[1].state == .isolated)
        h.run(until: 83, dead: [1])
        #expect(h.m.state.hosts[1].state == .fencing)
    }

    @Test func startFailuresAreBoundedByRestartThenRelocateThenError() throws {
        var h = Harness(vms: [("a", .high, 1)])
        h.storage[1] = false
        h.run(until: 22, dead: [1])
        let fence = try #require(h.m.state.hosts[1].fence?.outstanding.first)
        h.round(at: 23, dead: [1], inputs: [.fenced(command: fence.id, outcome: .verified(proof: "off"))])
        var attempts = 0
        var t: UInt64 = 24
        while let start = h.m.state.vms[0].command, attempts < 10 {
            attempts += 1
            h.round(at: t, dead: [1], inputs: [.started(command: start.id, ok: false, reason: "boom")])
            t += 1
            if h.m.state.vms[0].command == nil { h.round(at: t, dead: [1]); t += 1 }
        }
        #expect(attempts == 4)
        #expect(h.m.state.vms[0].state == .error)
    }

    @Test func theUnsafeSwitchRecoversWithoutAFenceCommand() {
        var h = Harness(vms: [("a", .high, 1)])
        h.m.unsafeSkipFence = true
        h.storage[1] = false
        h.run(until: 22, dead: [1])
        #expect(!h.effects.contains { if case .send(let c) = $0, case .fence = c.kind { return true } else { return false } })
        #expect(h.m.state.hosts[1].state == .fenced)
    }
}
