import CloudModel
import CloudSim
import Yams

extension ScenarioParser {
    static let actionKinds = [
        "power_off", "power_on", "power_cut", "network_cut", "partition", "bmc_fault", "gpu_fault", "bmc_command",
        "heal",
    ]

    static func parseTimed(_ f: Field, _ ctx: Context) throws(ScenarioError) -> [TimedAction] {
        guard let map = f.node.mapping else { throw f.fail("expected a mapping such as {at: 120s, power_off: host}") }
        var at: UInt64?
        var action: FaultAction?
        var flap: Field?
        for (k, v) in map {
            guard let key = k.string else { throw f.fail("keys must be strings") }
            let field = f.child(v, key)
            if key == "at" {
                let t = try field.duration()
                guard t <= ctx.duration else {
                    throw field.fail(
                        "\(key) \(SimTime.format(t)) is after the scenario's duration "
                            + SimTime.format(ctx.duration))
                }
                at = t
            } else if key == "flap" {
                guard action == nil && flap == nil else { throw field.fail("one action per timeline entry") }
                flap = field
            } else if actionKinds.contains(key) || haActionKinds.contains(key) {
                guard action == nil && flap == nil else { throw field.fail("one action per timeline entry") }
                action =
                    haActionKinds.contains(key) ? try parseHAAction(key, field, ctx) : try parseAction(key, field, ctx)
            } else {
                throw ScenarioError(
                    file: f.file, line: k.mark?.line, field: field.path,
                    message:
                        "unknown fault kind '\(key)' (known: \((actionKinds + haActionKinds).joined(separator: ", ")))")
            }
        }
        guard let at else { throw f.fail("missing 'at' (for example at: 120s)") }
        if let flap { return try parseFlap(flap, at: at, ctx) }
        guard let action else { throw f.fail("missing an action (\(actionKinds.joined(separator: ", ")))") }
        return [TimedAction(at: at, action: action)]
    }

    /// A host, a list of hosts, or `{rack: NAME}` (every host of that rack, in host order).
    static func hostList(_ f: Field, _ ctx: Context) throws(ScenarioError) -> [String] {
        if f.node.scalar != nil { return [try ctx.host(f)] }
        if f.node.mapping != nil {
            let m = try f.mapping(allowed: ["rack"])
            guard let r = m["rack"] else { throw f.fail("give {rack: NAME}") }
            let name = try r.string()
            guard let hosts = ctx.rackHosts[name] else {
                throw r.fail("unknown rack '\(name)' (known: \(ctx.rackHosts.keys.sorted().joined(separator: ", ")))")
            }
            return hosts
        }
        var out: [String] = []
        for h in try f.sequence() { out.append(try ctx.host(h)) }
        guard !out.isEmpty else { throw f.fail("name at least one host") }
        return out
    }

    static func enumValue<E: RawRepresentable & CaseIterable>(_ f: Field, _: E.Type) throws(ScenarioError) -> E
    where E.RawValue == String {
        let text = try f.string()
        guard let v = E(rawValue: text) else {
            throw f.fail("unknown value '\(text)' (known: \(E.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return v
    }

    static func parseAction(_ kind: String, _ f: Field, _ ctx: Context) throws(ScenarioError) -> FaultAction {
        switch kind {
        case "power_off": return .powerOff(hosts: try hostList(f, ctx))
        case "power_on": return .powerOn(hosts: try hostList(f, ctx))
        case "power_cut": return .powerCut(hosts: try hostList(f, ctx))
        case "heal":
            if f.node.scalar?.string == "all" { return .heal(host: nil) }
            return .heal(host: try ctx.host(f))
        case "network_cut":
            let m = try f.mapping(allowed: ["host", "network"])
            guard let h = m["host"], let n = m["network"] else { throw f.fail("needs 'host' and 'network'") }
            return .networkCut(host: try ctx.host(h), network: try enumValue(n, NetworkKind.self))
        case "partition":
            let m = try f.mapping(allowed: ["network", "groups"])
            guard let n = m["network"], let g = m["groups"] else { throw f.fail("needs 'network' and 'groups'") }
            var groups: [[String]] = []
            for group in try g.sequence() { groups.append(try hostList(group, ctx)) }
            guard !groups.isEmpty else { throw g.fail("name at least one group of hosts") }
            return .partition(network: try enumValue(n, NetworkKind.self), groups: groups)
        case "bmc_fault":
            let m = try f.mapping(allowed: ["host", "mode"])
            guard let h = m["host"], let mode = m["mode"] else { throw f.fail("needs 'host' and 'mode'") }
            return .bmcFault(host: try ctx.host(h), mode: try enumValue(mode, BMCMode.self))
        case "bmc_command":
            let m = try f.mapping(allowed: ["host", "command"])
            guard let h = m["host"], let c = m["command"] else { throw f.fail("needs 'host' and 'command'") }
            return .bmcCommand(host: try ctx.host(h), command: try enumValue(c, BMCCommand.self))
        default:
            return try parseGPUFault(f, ctx)
        }
    }

    static func parseGPUFault(_ f: Field, _ ctx: Context) throws(ScenarioError) -> FaultAction {
        let m = try f.mapping(allowed: ["host", "gpu", "xid"])
        guard let h = m["host"], let g = m["gpu"], let x = m["xid"] else {
            throw f.fail("needs 'host', 'gpu' and 'xid'")
        }
        let host = try ctx.host(h)
        let gpus = ctx.hostGPUs[host] ?? 0
        guard gpus > 0 else { throw h.fail("host '\(host)' has no GPUs") }
        return .gpuFault(host: host, gpu: try g.int(in: 0...(gpus - 1)), xid: try x.int(in: 1...999))
    }

    static let expectationKinds = [
        "no_violations", "host_power", "host_state", "detected_within", "instances", "gpu_health", "log_contains",
    ]

    static func parseExpectation(_ f: Field, _ ctx: Context) throws(ScenarioError) -> ScenarioExpectation {
        let m = try f.mapping(allowed: expectationKinds + haExpectationKinds)
        guard m.count == 1, let (kind, v) = m.first else { throw f.fail("one expectation per list entry") }
        if haExpectationKinds.contains(kind) { return try parseHAExpectation(kind, v, ctx) }
        switch kind {
        case "no_violations":
            guard try v.bool() else { throw v.fail("only 'no_violations: true' is meaningful") }
            return .noViolations
        case "host_power":
            let mm = try v.mapping(allowed: ["host", "state"])
            guard let h = mm["host"], let s = mm["state"] else { throw v.fail("needs 'host' and 'state'") }
            let state = try s.string()
            guard state == "on" || state == "off" else { throw s.fail("state is 'on' or 'off'") }
            return .hostPower(host: try ctx.host(h), on: state == "on")
        case "host_state":
            let mm = try v.mapping(allowed: ["host", "state"])
            guard let h = mm["host"], let s = mm["state"] else { throw v.fail("needs 'host' and 'state'") }
            let state = try s.string()
            guard ["online", "suspect", "unreachable"].contains(state) else {
                throw s.fail("unknown state '\(state)' (online, suspect, unreachable)")
            }
            return .hostHealth(host: try ctx.host(h), state: state)
        case "detected_within":
            let mm = try v.mapping(allowed: ["host", "seconds"])
            guard let h = mm["host"], let s = mm["seconds"] else { throw v.fail("needs 'host' and 'seconds'") }
            return .detectedWithin(host: try ctx.host(h), seconds: UInt64(try s.int(in: 0...86_400)))
        case "instances":
            let (s, lo, hi) = try countBounds(v, key: "status")
            return .instances(status: try enumValue(s, InstanceStatus.self), min: lo, max: hi)
        case "gpu_health":
            let mm = try v.mapping(allowed: ["host", "gpu", "state"])
            guard let h = mm["host"], let g = mm["gpu"], let s = mm["state"] else {
                throw v.fail("needs 'host', 'gpu' and 'state'")
            }
            let host = try ctx.host(h)
            let gpus = ctx.hostGPUs[host] ?? 0
            guard gpus > 0 else { throw h.fail("host '\(host)' has no GPUs") }
            return .gpuHealth(host: host, gpu: try g.int(in: 0...(gpus - 1)), state: try enumValue(s, GPUHealth.self))
        default:
            return .logContains(try v.string())
        }
    }
}
