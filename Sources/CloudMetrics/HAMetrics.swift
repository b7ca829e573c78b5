import CloudControl
import CloudModel
import CloudRuntime
import CloudTelemetry

/// The HA metric families, built from the control plane's state: the same names and labels from
/// every runtime that runs the control-plane loop (the simulator, a live node).
public enum HAMetrics {
    /// HA state as metric families: host states, VMs by HA state, blocked VMs, fences, the leader
    /// epoch, recoveries completed and their durations (`recoveryDurations`, nanoseconds: the
    /// runtime's RTO probe).
    package static func families(control: ControlPlaneState, recoveryDurations rto: [UInt64]) -> [MetricFamily] {
        let s = control.store
        var hostState = MetricFamily(
            name: "cloudplane_ha_host_state",
            help: "1 for the HA manager's current state of the host.", kind: .gauge)
        var requests = MetricFamily(
            name: "cloudplane_ha_fence_requests", help: "Fence requests sent, by host and method.", kind: .counter)
        var fences = MetricFamily(
            name: "cloudplane_ha_fences", help: "Fence answers by host, method and outcome (verified, failed).",
            kind: .counter)
        var inFlight = MetricFamily(
            name: "cloudplane_ha_fences_in_flight",
            help: "Fence requests sent but not answered yet (in flight or timed out), by host and method.",
            kind: .gauge)
        let configured = control.config.fenceLevels.flatMap { $0 }
        for record in s.hosts {
            let name = record.name
            hostState.samples.append(Sample([("host", name), ("state", record.state.rawValue)], 1))
            guard let h = control.handles.host(record.id) else { continue }
            // the configured fence levels' methods start at zero, so `increase()` sees the
            // first fence even when it completes within one scrape; other methods (lease,
            // manual, an unconfigured one) appear with their first request
            for (m, method) in FenceMethod.allCases.enumerated()
            where configured.contains(method) || control.fenceTally[h][m].sent > 0 {
                let t = control.fenceTally[h][m]
                let l = [("host", name), ("method", method.rawValue)]
                requests.samples.append(Sample(l, Double(t.sent)))
                fences.samples.append(Sample(l + [("outcome", "verified")], Double(t.verified)))
                fences.samples.append(Sample(l + [("outcome", "failed")], Double(t.failed)))
                inFlight.samples.append(Sample(l, Double(max(0, t.sent - t.verified - t.failed))))
            }
        }
        var vms = MetricFamily(name: "cloudplane_ha_vms", help: "HA-managed VMs by HA state.", kind: .gauge)
        for state in HAVMState.allCases {
            vms.samples.append(Sample([("state", state.rawValue)], Double(s.vms.count { $0.state == state })))
        }
        return [
            hostState, requests, fences, inFlight, vms,
            MetricFamily(
                name: "cloudplane_ha_vms_blocked", help: "HA VMs waiting with a reason (fence failed, no capacity).",
                kind: .gauge, samples: [Sample([], Double(s.vms.count { $0.blocked != nil }))]),
            MetricFamily(
                name: "cloudplane_ha_storage_path_lost",
                help: "1 while an online host has lost its storage path (its VMs have no disks).", kind: .gauge,
                samples: s.hosts.map { Sample([("host", $0.name)], $0.storageLossNoted ? 1 : 0) }),
            MetricFamily(
                name: "cloudplane_ha_leader_epoch", help: "Epoch of the current HA leader lease.",
                kind: .gauge, samples: [Sample([], Double(control.epoch))]),
            MetricFamily(
                name: "cloudplane_ha_recoveries", help: "VMs restarted after a failure.", kind: .counter,
                samples: [Sample([], Double(rto.count))]),
            recoveryHistogram(rto),
        ]
    }

    /// Bucket bounds of the RTO histogram, seconds.
    public static let rtoBounds: [Double] = [5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600]

    /// RTO: from a host's failure to each of its VMs running again.
    static func recoveryHistogram(_ rto: [UInt64]) -> MetricFamily {
        var counts = [UInt64](repeating: 0, count: Self.rtoBounds.count)
        var sum = 0.0
        for ns in rto {
            let s = Double(ns) / 1e9
            sum += s
            for (i, b) in Self.rtoBounds.enumerated() where s <= b { counts[i] += 1 }
        }
        return MetricFamily(
            name: "cloudplane_ha_recovery_duration_seconds",
            help: "Recovery time objective: from the failure of a VM's host to the VM running again.", kind: .histogram,
            unit: "seconds",
            samples: [
                Sample(
                    [],
                    .histogram(
                        buckets: Array(zip(Self.rtoBounds, counts)), sum: sum,
                        count: UInt64(rto.count)))
            ])
    }
}
