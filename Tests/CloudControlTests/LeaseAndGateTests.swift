import CloudControl
import Testing

/// The leader lease, the fence gate and the answer log, as tables, without any runtime.
@Suite struct LeaseAndGateTests {
    enum LeaseStep: Sendable {
        case acquire(host: Int, at: UInt64, epoch: UInt64?)
        case renew(host: Int, at: UInt64, ok: Bool)
        case expire(at: UInt64, holder: Int?)
        case valid(host: Int, at: UInt64, Bool)
    }

    struct LeaseCase: Sendable, CustomStringConvertible {
        let description: String
        let steps: [LeaseStep]
    }

    static let leaseCases: [LeaseCase] = [
        LeaseCase(
            description: "the first holder gets epoch 1; a second candidate waits",
            steps: [
                .acquire(host: 0, at: 0, epoch: 1), .acquire(host: 1, at: 5, epoch: nil), .valid(host: 0, at: 9, true),
                .valid(host: 1, at: 9, false), .valid(host: 0, at: 10, false),
            ]),
        LeaseCase(
            description: "renewals keep the holder; others cannot renew",
            steps: [
                .acquire(host: 2, at: 0, epoch: 1), .renew(host: 2, at: 8, ok: true), .renew(host: 0, at: 8, ok: false),
                .expire(at: 17, holder: nil), .valid(host: 2, at: 17, true),
            ]),
        LeaseCase(
            description: "an expired lease is released and the next holder gets the next epoch",
            steps: [
                .acquire(host: 0, at: 0, epoch: 1), .expire(at: 9, holder: nil), .expire(at: 10, holder: 0),
                .renew(host: 0, at: 11, ok: false), .acquire(host: 1, at: 11, epoch: 2),
                .acquire(host: 0, at: 12, epoch: nil),
            ]),
        LeaseCase(
            description: "a holder past expiry renews while nobody took the lease",
            steps: [
                .acquire(host: 0, at: 0, epoch: 1), .valid(host: 0, at: 15, false), .renew(host: 0, at: 15, ok: true),
                .valid(host: 0, at: 24, true), .expire(at: 24, holder: nil),
            ]),
    ]

    @Test(arguments: leaseCases)
    func leaderLease(_ c: LeaseCase) {
        var lease = LeaderLease(ttlNanoseconds: 10)
        for (i, step) in c.steps.enumerated() {
            switch step {
            case .acquire(let h, let t, let epoch):
                #expect(lease.acquire(by: node(h), now: at(t)) == epoch, "step \(i)")
            case .renew(let h, let t, let ok):
                #expect(lease.renew(by: node(h), now: at(t)) == ok, "step \(i)")
            case .expire(let t, let holder):
                #expect(lease.expire(now: at(t))?.holder == holder.map(node), "step \(i)")
            case .valid(let h, let t, let valid):
                #expect(lease.isValid(for: node(h), now: at(t)) == valid, "step \(i)")
            }
        }
    }

    enum GateOp: Sendable {
        case begin, finish, abandon
    }

    struct GateCase: Sendable, CustomStringConvertible {
        let description: String
        let ops: [GateOp]
        let verdict: FenceGate.Verdict
    }

    static let answer = HAInput.fenced(command: 7, outcome: .verified(proof: "off"))

    static let gateCases: [GateCase] = [
        GateCase(description: "unseen: new", ops: [], verdict: .new),
        GateCase(description: "scheduled: running (a resend is ignored)", ops: [.begin], verdict: .running),
        GateCase(description: "finished: the answer again", ops: [.begin, .finish], verdict: .done(answer)),
        GateCase(description: "abandoned: a resend runs it again", ops: [.begin, .abandon], verdict: .new),
        GateCase(
            description: "finished, then a stale abandon: still done", ops: [.begin, .finish, .abandon],
            verdict: .done(answer)),
    ]

    @Test(arguments: gateCases)
    func fenceGate(_ c: GateCase) {
        var gate = FenceGate()
        for op in c.ops {
            switch op {
            case .begin: gate.begin(7)
            case .finish: gate.finish(7, Self.answer)
            case .abandon: gate.abandon(7)
            }
        }
        #expect(gate.check(7) == c.verdict)
        #expect(gate.check(8) == .new)
    }

    @Test(arguments: [1, 2, 5, 64])
    func answerLogKeepsTheNewestCapacityAnswers(capacity: Int) {
        var log = AnswerLog(capacity: capacity)
        let n = 3 * capacity + 1
        for id in 1...UInt64(n) { log.record(id, .stopped(command: id)) }
        #expect(log.count == capacity)
        for id in 1...UInt64(n) {
            let kept = id > UInt64(n - capacity)
            #expect((log[id] != nil) == kept, "id \(id)")
        }
    }

    @Test func aFenceGateForgetsOnlyItsOldestAnswers() {
        var gate = FenceGate(capacity: 2)
        for id in UInt64(1)...3 {
            gate.begin(id)
            gate.finish(id, .storageUnfenced(command: id))
        }
        #expect(gate.check(1) == .new)
        #expect(gate.check(2) == .done(.storageUnfenced(command: 2)))
        #expect(gate.check(3) == .done(.storageUnfenced(command: 3)))
        #expect(gate.inFlight == 0)
    }
}

extension FenceGate.Verdict: CustomStringConvertible {
    public var description: String {
        switch self {
        case .new: "new"
        case .running: "running"
        case .done(let a): "done(\(a))"
        }
    }
}
