import CloudControl
import CloudModel
import Foundation
import Testing

/// The agent's decisions and the power-fence procedure, as tables, without any runtime.
@Suite struct AgentAndFenceProcedureTests {
    struct ReconcileCase: Sendable, CustomStringConvertible {
        let description: String
        let state: HAVMState
        let node: HostID?
        let kill: Bool
    }

    static let reconcileCases: [ReconcileCase] = [
        ReconcileCase(description: "started here: keep", state: .started, node: "node-0", kill: false),
        ReconcileCase(description: "migrating from here: keep", state: .migrate, node: "node-0", kill: false),
        ReconcileCase(description: "frozen here: keep", state: .freeze, node: "node-0", kill: false),
        ReconcileCase(description: "started elsewhere: kill", state: .started, node: "node-1", kill: true),
        ReconcileCase(description: "being recovered: kill", state: .recovery, node: "node-0", kill: true),
        ReconcileCase(description: "waiting for a fence of this host: kill", state: .fence, node: "node-0", kill: true),
        ReconcileCase(description: "stopped: kill", state: .stopped, node: "node-0", kill: true),
        ReconcileCase(description: "in error: kill", state: .error, node: nil, kill: true),
    ]

    @Test(arguments: reconcileCases)
    func reconcilePlan(_ c: ReconcileCase) {
        var record = HAVMRecord(id: "inst-3", name: "vm", priority: .high, node: c.node)
        record.state = c.state
        let hosts = [
            HAHostRecord(id: "node-0", name: "a", joinedAt: 0), HAHostRecord(id: "node-1", name: "b", joinedAt: 0),
        ]
        let state = HAState(hosts: hosts, vms: [record])
        // inst-5 is not HA-managed: always kept
        let plan = HostAgent.reconcilePlan(host: "node-0", running: ["inst-3", "inst-5"], state: state)
        #expect(plan == (c.kill ? ["inst-3"] : []))
    }

    @Test(arguments: [
        (false, false, StartVerdict.refuse(reason: "port not bound to this chassis")),
        (false, true, StartVerdict.refuse(reason: "port not bound to this chassis")),
        (true, true, StartVerdict.alreadyRunning), (true, false, StartVerdict.launch),
    ])
    func startPreconditions(portBound: Bool, running: Bool, verdict: StartVerdict) {
        #expect(HostAgent.startVerdict(portBoundHere: portBound, alreadyRunning: running) == verdict)
    }

    @Test(arguments: [(nil, UInt64(10), true), (UInt64(5), 10, true), (UInt64(10), 10, true), (UInt64(11), 10, false)])
    func storageFailingMeansFencedUnlessReconciledSince(reconciledAt: UInt64?, blocklistedAt: UInt64, must: Bool) {
        var agent = HostAgent(now: 0)
        if let r = reconciledAt { agent.reconciled(now: at(r)) }
        agent.storageFailing(since: at(blocklistedAt))
        #expect(agent.mustReconcile == must)
    }

    @Test func finishedCommandsSurviveARestartOfTheAgent() throws {
        var agent = HostAgent(now: 0)
        let c = HACommand(id: 1 << 32 | 9, epoch: 1, kind: .stop(vm: "inst-2"), host: "node-0", sentAt: 0)
        #expect(agent.accept(c) == .execute)
        agent.finish(c.id, .stopped(command: c.id))
        // the agent writes its record to disk; a new process loads it and the host reboots
        let data = try JSONEncoder().encode(agent)
        var restarted = try JSONDecoder().decode(HostAgent.self, from: data)
        restarted.booted(now: 100)
        #expect(restarted.accept(c) == .alreadyDone(.stopped(command: c.id)))
        #expect(restarted.mustReconcile)
        #expect(restarted.reconciledAt == nil)
        let older = HACommand(id: 5, epoch: 0, kind: .stop(vm: "inst-2"), host: "node-0", sentAt: 0)
        #expect(restarted.accept(older) == .staleEpoch(seen: 1))
    }

    struct ProcedureCase: Sendable, CustomStringConvertible {
        let description: String
        let pollTimeout: UInt64
        /// (reply, at) after the power-off was sent at 0.
        let replies: [(BMCReply, UInt64)]
        let last: PowerFenceProcedure.Action?
    }

    static let verified = PowerFenceProcedure.Action.verifiedPowerOn(.verified(proof: "power status read back 'off'"))
    static let lied = PowerFenceProcedure.Action.failed(
        .failed(reason: "BMC reported success but power status reads 'on'"), statusReadOn: true)

    static let procedureCases: [ProcedureCase] = [
        ProcedureCase(
            description: "off is read back: verified", pollTimeout: 0,
            replies: [(.accepted, 1), (.statusOff, 3)], last: verified),
        ProcedureCase(
            description: "one read that says on: failed (the simulator's BMC)", pollTimeout: 0,
            replies: [(.accepted, 1), (.statusOn, 3)], last: lied),
        ProcedureCase(
            description: "polling: on, on, then off within the timeout: verified", pollTimeout: 5,
            replies: [(.accepted, 1), (.statusOn, 3), (.statusOn, 4), (.statusOff, 5)], last: verified),
        ProcedureCase(
            description: "polling: still on when the timeout ends: failed", pollTimeout: 2,
            replies: [(.accepted, 1), (.statusOn, 3), (.statusOn, 4), (.statusOn, 5)], last: lied),
        ProcedureCase(
            description: "an error to the power-off: failed", pollTimeout: 5,
            replies: [(.error, 1)], last: .failed(.failed(reason: "BMC answered with an error"), statusReadOn: false)),
        ProcedureCase(
            description: "a reply after the end is ignored", pollTimeout: 0,
            replies: [(.accepted, 1), (.statusOff, 3), (.statusOn, 4)], last: nil),
    ]

    @Test(arguments: procedureCases)
    func powerFence(_ c: ProcedureCase) {
        let s: UInt64 = 1_000_000_000
        var p = PowerFenceProcedure(
            timing: PowerFenceTiming(
                offWaitNanoseconds: 2 * s, pollIntervalNanoseconds: s, pollTimeoutNanoseconds: c.pollTimeout * s))
        #expect(p.start() == .powerOff)
        var last: PowerFenceProcedure.Action?
        for (reply, at) in c.replies { last = p.reply(reply, now: CloudControlTests.at(at * s)) }
        #expect(last == c.last)
    }

    /// fence_ipmilan's timing: after the power-off it waits 2 s, then reads about once a second
    /// until the status reads off, for up to 20 s.
    @Test func theLiveTimingPollsUntilTheStatusReadsOff() {
        let s: UInt64 = 1_000_000_000
        var p = PowerFenceProcedure(timing: .ipmilan)
        #expect(p.start() == .powerOff)
        #expect(p.reply(.accepted, now: at(1 * s)) == .readStatus(afterNanoseconds: 2 * s))
        for t in UInt64(3)...22 {
            #expect(p.reply(.statusOn, now: at(t * s)) == .readStatus(afterNanoseconds: s), "at \(t) s")
        }
        #expect(p.reply(.statusOn, now: at(23 * s)) == Self.lied, "20 s of polling after the wait, then it gives up")
    }

    /// The storm guard's check reads the status once, never powers anything, and is proven
    /// only by a read that says off.
    @Test(arguments: [
        (BMCReply.statusOff, true), (BMCReply.statusOn, false), (BMCReply.error, false), (BMCReply.accepted, false),
    ])
    func aStatusOnlyCheckIsProvenOnlyByAnOffRead(reply: BMCReply, proven: Bool) {
        var p = PowerFenceProcedure(timing: .ipmilan, statusOnly: true)
        #expect(p.start() == .readStatus(afterNanoseconds: 0))
        let action = p.reply(reply, now: at(1))
        if proven {
            #expect(action == .verifiedOff(.verified(proof: "power status read 'off' before any power action")))
        } else {
            guard case .failed = action else {
                Issue.record("expected a failure, got \(String(describing: action))")
                return
            }
        }
        #expect(p.reply(.statusOff, now: at(2)) == nil, "a finished check answers nothing more")
    }

    @Test func theLeaseFenceIsProvenOnlyOnceTheLeaseExpired() {
        let config = HAConfig()
        let renewed: Instant = 7_000_000_000
        let expiry = LeaseFence.expiry(lastRenewal: renewed, config: config)
        #expect(expiry == renewed + config.leaseTTLNanoseconds)
        let early = LeaseFence.verdict(
            lastRenewal: renewed, now: at(expiry.nanosecondsSinceUnixEpoch - 1), config: config
        ) { "\($0)" }
        #expect(early == .failed(reason: "host renewed its lease"))
        let due = LeaseFence.verdict(lastRenewal: renewed, now: expiry, config: config) { "\($0 / 1_000_000_000)s" }
        #expect(due == .verified(proof: "lease expired 60s after its last renewal"))
    }
}

extension PowerFenceProcedure.Action: CustomStringConvertible {
    public var description: String {
        switch self {
        case .powerOff: "power off"
        case .readStatus(let after): "read status after \(after)"
        case .verifiedPowerOn(let o): "verified \(o)"
        case .verifiedOff(let o): "verified off \(o)"
        case .failed(let o, let on): "failed \(o) on=\(on)"
        }
    }
}

@Suite struct InstanceStatusReconcilerTests {
    @Test(arguments: [
        (true, HAVMState?.some(.error), InstanceStatus.down, InstanceStatus.running),
        (false, .some(.error), .running, .error), (false, .some(.recovery), .running, .down),
        (false, nil, .pending, .pending), (false, .some(.started), .pending, .pending), (false, nil, .running, .down),
    ])
    func observedStatus(running: Bool, haState: HAVMState?, previous: InstanceStatus, status: InstanceStatus) {
        #expect(InstanceStatusReconciler.observed(running: running, haState: haState, previous: previous) == status)
    }
}
