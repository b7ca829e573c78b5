import CloudControl
import CloudModel
import CloudSim
import Yams

extension ScenarioParser {
    static let haKeys = [
        "fence_delay", "lease_ttl", "watchdog_timeout", "hardware_watchdog", "max_stall", "manager_lease_ttl",
        "fence_levels", "fence_timeout", "fence_retries", "fence_backoff", "max_concurrent_fences", "storm_percent",
        "fence_cooldown", "max_restart", "max_relocate", "starts_per_host", "starts_fleet", "hosts_per_fleet_start",
        "settle_time",
        "vm_start_time", "migration_bandwidth_mb", "second_channel", "tie_breaker",
        "storage_path_loss", "storage_path_grace",
    ]

    /// The `settings.ha` section; the detector's timers (heartbeat, suspect, unreachable, check
    /// interval) are set in `settings` (`parent`) and are the same HA configuration.
    static func parseHA(_ f: Field, settings s: inout SimSettings, parent: [String: Field]) throws(ScenarioError) {
        let m = try f.mapping(allowed: haKeys)
        var c = s.ha
        if let v = m["fence_delay"] {
            guard parent["unreachable_after"] == nil else {
                throw v.fail("fence_delay is settings.unreachable_after; give one of them")
            }
            c.fenceDelayNanoseconds = try positive(v)
        }
        if let v = m["lease_ttl"] { c.leaseTTLNanoseconds = try positive(v) }
        if let v = m["watchdog_timeout"] { c.watchdogTimeoutNanoseconds = try positive(v) }
        if let v = m["hardware_watchdog"] { c.hardwareWatchdogNanoseconds = try positive(v) }
        if let v = m["max_stall"] { c.maxStallNanoseconds = try v.duration() }
        if let v = m["manager_lease_ttl"] { c.managerLeaseTTLNanoseconds = try positive(v) }
        if let v = m["fence_timeout"] { c.fenceTimeoutNanoseconds = try positive(v) }
        if let v = m["fence_retries"] { c.fenceRetries = try v.int(in: 0...10) }
        if let v = m["fence_backoff"] { c.fenceBackoffNanoseconds = try positive(v) }
        if let v = m["max_concurrent_fences"] { c.maxConcurrentFences = try v.int(in: 1...1000) }
        if let v = m["storm_percent"] { c.stormPercent = try v.int(in: 1...100) }
        if let v = m["fence_cooldown"] { c.fenceCooldownNanoseconds = try v.duration() }
        if let v = m["max_restart"] { c.maxRestart = try v.int(in: 0...10) }
        if let v = m["max_relocate"] { c.maxRelocate = try v.int(in: 0...10) }
        if let v = m["starts_per_host"] { c.startsPerHost = try v.int(in: 1...1000) }
        if let v = m["starts_fleet"] { c.startsFleet = try v.int(in: 1...100_000) }
        if let v = m["hosts_per_fleet_start"] { c.hostsPerFleetStart = try v.int(in: 1...100_000) }
        if let v = m["settle_time"] { c.settleTimeNanoseconds = try v.duration() }
        if let v = m["vm_start_time"] { s.vmStartMedian = try positive(v) }
        if let v = m["migration_bandwidth_mb"] { s.migrationBandwidthMB = try v.int(in: 1...1_000_000) }
        if let v = m["second_channel"] {
            switch try v.string() {
            case "storage": c.storageChannel = true
            case "none": c.storageChannel = false
            case let other: throw v.fail("unknown second_channel '\(other)' (known: storage, none)")
            }
        }
        if let v = m["storage_path_loss"] { c.storagePathPolicy = try enumValue(v, StoragePathPolicy.self) }
        if let v = m["storage_path_grace"] { c.storagePathGraceNanoseconds = try positive(v) }
        if let v = m["tie_breaker"] { s.tieBreaker = try enumValue(v, TieBreaker.self) }
        if let v = m["fence_levels"] {
            var levels: [[FenceMethod]] = []
            let given = try v.sequence()
            if given.count > 1, given.contains(where: { $0.node.scalar != nil }) {
                throw v.fail(
                    "a flat list of methods is ambiguous: write [[ipmi], [storage]] for levels tried in turn, "
                        + "or [[ipmi, storage]] for one level that needs every method")
            }
            for level in given {
                var methods: [FenceMethod] = []
                let items = level.node.scalar != nil ? [level] : try level.sequence()
                for item in items { methods.append(try enumValue(item, FenceMethod.self)) }
                guard !methods.isEmpty else { throw level.fail("a fence level needs at least one method") }
                levels.append(methods)
            }
            c.fenceLevels = levels
        }
        s.ha = c
        try validate(s.ha, ha: m, settings: parent, fallback: f)
    }

    /// Validates the one HA configuration; an error names the field where the scenario set it.
    static func validate(
        _ c: HAConfig, ha: [String: Field], settings: [String: Field], fallback: Field
    ) throws(ScenarioError) {
        do {
            try c.validate()
        } catch {
            let aliases = ["fence_delay": "unreachable_after", "unreachable_after": "fence_delay"]
            let field =
                ha[error.field] ?? settings[error.field] ?? aliases[error.field].flatMap { ha[$0] ?? settings[$0] }
            throw (field ?? fallback).fail(error.description)
        }
    }

    static let haActionKinds = [
        "network_restore", "stall", "command_delay", "crash_leader", "store_outage", "storage_outage", "watchdog",
        "start_failures",
        "maintenance", "shutdown", "fence_ack", "disarm", "arm", "lock", "migrate", "flap",
    ]

    static func parseHAAction(_ kind: String, _ f: Field, _ ctx: Context) throws(ScenarioError) -> FaultAction {
        switch kind {
        case "network_restore":
            let m = try f.mapping(allowed: ["host", "network"])
            guard let h = m["host"], let n = m["network"] else { throw f.fail("needs 'host' and 'network'") }
            return .networkRestore(host: try ctx.host(h), network: try enumValue(n, NetworkKind.self))
        case "stall":
            let m = try f.mapping(allowed: ["host", "process", "duration"])
            guard let h = m["host"], let p = m["process"], let d = m["duration"] else {
                throw f.fail("needs 'host', 'process' (agent or manager) and 'duration'")
            }
            return .stall(
                host: try ctx.host(h), process: try enumValue(p, StalledProcess.self), duration: try positive(d))
        case "command_delay":
            let m = try f.mapping(allowed: ["host", "delay", "for"])
            guard let h = m["host"], let d = m["delay"], let w = m["for"] else {
                throw f.fail("needs 'host', 'delay' and 'for' (how long commands are delayed)")
            }
            return .commandDelay(host: try ctx.host(h), delay: try positive(d), window: try positive(w))
        case "crash_leader":
            let m = try f.mapping(allowed: ["when", "restart_after"])
            let when = try m["when"].map { w throws(ScenarioError) in try enumValue(w, CrashTrigger.self) } ?? .now
            return .crashLeader(
                trigger: when, restartAfter: try m["restart_after"].map(positive) ?? 30 * SimTime.second)
        case "store_outage": return .storeOutage(duration: try positive(f))
        case "storage_outage": return .storageOutage(duration: try positive(f))
        case "watchdog":
            let m = try f.mapping(allowed: ["host", "broken"])
            guard let h = m["host"], let b = m["broken"] else { throw f.fail("needs 'host' and 'broken'") }
            return .watchdog(host: try ctx.host(h), broken: try b.bool())
        case "start_failures":
            let m = try f.mapping(allowed: ["vm", "host", "count"])
            guard let n = m["count"], (m["vm"] == nil) != (m["host"] == nil) else {
                throw f.fail("needs 'count' and exactly one of 'vm' or 'host'")
            }
            return .startFailures(
                vm: try m["vm"].map { v throws(ScenarioError) in try ctx.vm(v) }, host: try m["host"].map(ctx.host),
                count: try n.int(in: 1...100))
        default:
            return .admin(try parseOperator(kind, f, ctx))
        }
    }

    static func parseOperator(_ kind: String, _ f: Field, _ ctx: Context) throws(ScenarioError) -> OperatorAction {
        switch kind {
        case "maintenance":
            let m = try f.mapping(allowed: ["host", "enable"])
            guard let h = m["host"], let e = m["enable"] else { throw f.fail("needs 'host' and 'enable'") }
            return .maintenance(host: try ctx.host(h), enable: try e.bool())
        case "shutdown":
            let m = try f.mapping(allowed: ["host", "policy"])
            guard let h = m["host"], let p = m["policy"] else { throw f.fail("needs 'host' and 'policy'") }
            return .shutdown(host: try ctx.host(h), policy: try enumValue(p, ShutdownPolicy.self))
        case "fence_ack":
            if f.node.scalar != nil { return .fenceAck(host: try ctx.host(f), by: nil) }
            let m = try f.mapping(allowed: ["host", "by"])
            guard let h = m["host"] else { throw f.fail("needs 'host' (and optionally 'by')") }
            return .fenceAck(host: try ctx.host(h), by: try m["by"]?.string())
        case "disarm": return .disarm
        case "arm": return .arm
        case "lock":
            let m = try f.mapping(allowed: ["vm", "lock"])
            guard let v = m["vm"], let l = m["lock"] else { throw f.fail("needs 'vm' and 'lock'") }
            return .lock(vm: try ctx.vm(v), name: try l.string())
        default:
            let m = try f.mapping(allowed: ["vm", "to"])
            guard let v = m["vm"], let t = m["to"] else { throw f.fail("needs 'vm' and 'to'") }
            return .migrate(vm: try ctx.vm(v), to: try ctx.host(t))
        }
    }

    /// `flap: {host, network, down: 15s, up: 15s, cycles: 4}` expands into link down/up pairs.
    static func parseFlap(_ f: Field, at: UInt64, _ ctx: Context) throws(ScenarioError) -> [TimedAction] {
        let m = try f.mapping(allowed: ["host", "network", "down", "up", "cycles"])
        guard let h = m["host"], let d = m["down"], let u = m["up"], let c = m["cycles"] else {
            throw f.fail("needs 'host', 'down', 'up' and 'cycles' (and optionally 'network')")
        }
        let host = try ctx.host(h)
        let net = try m["network"].map { n throws(ScenarioError) in try enumValue(n, NetworkKind.self) } ?? .management
        let (down, up, cycles) = (try positive(d), try positive(u), try c.int(in: 1...1000))
        var out: [TimedAction] = []
        var t = at
        for _ in 0..<cycles {
            out.append(TimedAction(at: t, action: .networkCut(host: host, network: net)))
            out.append(TimedAction(at: t + down, action: .networkRestore(host: host, network: net)))
            t += down + up
        }
        return out
    }

    static let haExpectationKinds = [
        "log_absent", "vm_state", "vm_running", "fences", "rto_p99", "ha_vms", "tier_order", "converged",
    ]

    static func parseHAExpectation(
        _ kind: String, _ v: Field, _ ctx: Context
    ) throws(ScenarioError)
        -> ScenarioExpectation
    {
        switch kind {
        case "log_absent": return .logAbsent(try v.string())
        case "vm_state":
            let m = try v.mapping(allowed: ["vm", "state", "host"])
            guard let vm = m["vm"], let s = m["state"] else { throw v.fail("needs 'vm' and 'state'") }
            return .vmState(
                vm: try ctx.vm(vm), state: try enumValue(s, HAVMState.self), host: try m["host"].map(ctx.host))
        case "vm_running":
            let m = try v.mapping(allowed: ["vm", "host"])
            guard let vm = m["vm"] else { throw v.fail("needs 'vm'") }
            return .vmRunning(vm: try ctx.vm(vm), host: try m["host"].map(ctx.host))
        case "fences":
            let m = try v.mapping(allowed: ["host", "count"])
            guard let h = m["host"], let n = m["count"] else { throw v.fail("needs 'host' and 'count'") }
            return .fences(host: try ctx.host(h), count: try n.int(in: 0...1000))
        case "rto_p99":
            guard v.node.mapping != nil else { return .rtoP99(seconds: UInt64(try v.int(in: 1...86_400))) }
            let m = try v.mapping(allowed: ["tier", "seconds"])
            guard let s = m["seconds"] else { throw v.fail("needs 'seconds' (and optionally 'tier')") }
            return .rtoTier(
                tier: try m["tier"].map { t throws(ScenarioError) in try enumValue(t, HAPriority.self) },
                seconds: UInt64(try s.int(in: 1...86_400)))
        case "tier_order":
            guard try v.bool() else { throw v.fail("tier_order takes true") }
            return .tierOrder
        case "converged": return .converged(try v.bool())
        default:
            let (s, lo, hi) = try countBounds(v, key: "state")
            return .haVMs(state: try enumValue(s, HAVMState.self), min: lo, max: hi)
        }
    }

    /// `{KEY: …, min: N, max: M}` of a count expectation: the keyed field and at least one bound.
    static func countBounds(_ v: Field, key: String) throws(ScenarioError) -> (Field, Int?, Int?) {
        let m = try v.mapping(allowed: [key, "min", "max"])
        guard let k = m[key] else { throw v.fail("needs '\(key)' and 'min' and/or 'max'") }
        let lo = try m["min"]?.int(in: 0...Int.max)
        let hi = try m["max"]?.int(in: 0...Int.max)
        guard lo != nil || hi != nil else { throw v.fail("give 'min', 'max' or both") }
        return (k, lo, hi)
    }
}
