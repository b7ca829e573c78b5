import Testing

@testable import CloudControl

@Suite struct HAConfigTests {
    @Test func defaultsSatisfyTheTimingInequality() throws {
        let c = HAConfig()
        try c.validate()
        // validate() enforces S3 (deadline shorter than the lease); the defaults give 53 s and 60 s
        #expect(c.selfFenceDeadlineNanoseconds == 53_000_000_000)
        #expect(c.leaseTTLNanoseconds == 60_000_000_000)
    }

    @Test func leaseNotLongerThanTheSelfFenceDeadlineIsRejected() {
        var c = HAConfig()
        c.leaseTTLNanoseconds = c.selfFenceDeadlineNanoseconds
        #expect(throws: HAConfigError.self) { try c.validate() }
        do {
            try c.validate()
        } catch {
            #expect(error.field == "lease_ttl")
            #expect(error.description.contains("S3 violated"))
        }
    }

    @Test func emptyFenceLevelsAreRejected() {
        var c = HAConfig()
        c.fenceLevels = [[.ipmi], []]
        #expect(throws: HAConfigError.self) { try c.validate() }
    }
}

@Suite struct HostAgentTests {
    func command(_ id: UInt64, epoch: UInt64) -> HACommand {
        HACommand(id: id, epoch: epoch, kind: .start(vm: inst(1)), host: node(0), sentAt: 0)
    }

    @Test func executesEachCommandIDOnce() {
        var a = HostAgent(now: 0)
        #expect(a.accept(command(7, epoch: 1)) == .execute)
        #expect(a.accept(command(7, epoch: 1)) == .inProgress)
        a.finish(7, .started(command: 7, ok: true, reason: ""))
        #expect(a.accept(command(7, epoch: 2)) == .alreadyDone(.started(command: 7, ok: true, reason: "")))
    }

    @Test func rejectsCommandsFromAStaleEpoch() {
        var a = HostAgent(now: 0)
        #expect(a.accept(command(1, epoch: 3)) == .execute)
        #expect(a.accept(command(2, epoch: 2)) == .staleEpoch(seen: 3))
        #expect(a.epoch == 3)
    }

    @Test func watchdogExpiresAfterTimeoutPlusHardwareTimeout() {
        let c = HAConfig()
        var a = HostAgent(now: 0)
        a.tick(now: at(10 * nsPerSecond), renewed: true, config: c)
        a.tick(now: at(30 * nsPerSecond), renewed: false, config: c)
        #expect(a.watchdog(now: at(30 * nsPerSecond), config: c) == .starving)
        #expect(a.watchdog(now: at(54 * nsPerSecond), config: c) == .starving)
        #expect(a.watchdog(now: at(55 * nsPerSecond), config: c) == .expired)
        a.tick(now: at(55 * nsPerSecond), renewed: false, config: c)
        #expect(a.mustReconcile)
    }

    @Test func aBootedHostArmsItsWatchdogOnlyOnceItHoldsItsLease() {
        let c = HAConfig()
        var a = HostAgent(now: 0)
        a.booted(now: at(100 * nsPerSecond))
        #expect(a.mustReconcile)
        #expect(a.watchdog(now: at(500 * nsPerSecond), config: c) == .fed)
        a.tick(now: at(501 * nsPerSecond), renewed: true, config: c)
        #expect(a.watchdog(now: at(560 * nsPerSecond), config: c) == .expired)
    }

    @Test func aDisarmedWatchdogNeverExpires() {
        let c = HAConfig()
        var a = HostAgent(now: 0)
        a.watchdogArmed = false
        #expect(a.watchdog(now: at(1000 * nsPerSecond), config: c) == .fed)
    }
}
