import CloudControl
import CloudModel
import CloudTelemetry

extension Simulation {
    /// HA state as metric families: host states, VMs by HA state, blocked VMs, fences, the leader
    /// epoch and recoveries completed.
    func haMetrics() -> [MetricFamily] {
        let s = ha.store
        var hostState = MetricFamily(name: "cloudplane_ha_host_state",
            help: "1 for the HA manager's current state of the host.", kind: .gauge)
        var fences = MetricFamily(name: "cloudplane_ha_fences", help: "Completed fences of the host.", kind: .counter)
        for (h, host) in world.hosts.enumerated() {
            hostState.samples.append(Sample([("host", host.name), ("state", s.hosts[h].state.rawValue)], 1))
            fences.samples.append(Sample([("host", host.name)], Double(s.hosts[h].fences)))
        }
        var vms = MetricFamily(name: "cloudplane_ha_vms", help: "HA-managed VMs by HA state.", kind: .gauge)
        for state in HAVMState.allCases {
            vms.samples.append(Sample([("state", state.rawValue)], Double(s.vms.count { $0.state == state })))
        }
        return [
            hostState, fences, vms,
            MetricFamily(name: "cloudplane_ha_vms_blocked", help: "HA VMs waiting with a reason (fence failed, no capacity).",
                kind: .gauge, samples: [Sample([], Double(s.vms.count { $0.blocked != nil }))]),
            MetricFamily(name: "cloudplane_ha_leader_epoch", help: "Epoch of the current HA leader lease.",
                kind: .gauge, samples: [Sample([], Double(ha.epoch))]),
            MetricFamily(name: "cloudplane_ha_recoveries", help: "VMs restarted after a failure.", kind: .counter,
                samples: [Sample([], Double(ha.rto.count))]),
        ]
    }
}
