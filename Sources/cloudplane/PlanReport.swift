import CloudModel
import CloudScenario
import CloudSim
import Foundation

/// Text, JSON and pictures of the plan answers.
enum PlanReport {
    static func secs(_ ns: UInt64) -> JSON { JSON.rounded(Double(ns) / 1e9, 3) }
    static func num(_ v: Double, _ places: Int = 2) -> String { String(format: "%.\(places)f", v) }

    // MARK: rack-loss

    static func rackLossText(_ a: RackLossAnswer, title: String, at: UInt64) -> String {
        var out = "rack-loss: \(title) (\(a.hosts.count) host(s)) loses power at \(SimTime.format(at)); "
        out += "\(a.seeds) seed(s), \(num(a.windowSeconds / 60, 1))m watched after the loss\n"
        out +=
            "instances on the lost hosts: \(num(a.affectedPerSeed, 1)) per seed (\(num(a.unprotectedPerSeed, 1)) without HA)\n"
        out += "RTO per tier (all seeds):\n"
        for (tier, ns) in a.rtoByTier {
            guard let p = Percentiles(ns) else { continue }
            out += "  \(tier.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(ns.count) VM(s)  "
            out += "p50 \(SimTime.format(p.p50))  p99 \(SimTime.format(p.p99))  max \(SimTime.format(p.max))\n"
        }
        if a.rtoByTier.isEmpty { out += "  none (no HA VM ran on the lost hosts)\n" }
        out += "HA VMs not restarted within the window (mean per seed):\n"
        if a.unrestored.isEmpty { out += "  none\n" }
        for u in a.unrestored {
            out += "  \(u.tier.rawValue) \(u.blocker.rawValue): \(num(Double(u.count) / Double(max(1, a.seeds)), 1))\n"
        }
        for e in a.examples.prefix(5) { out += "    e.g. \(e.name) (\(e.tier.rawValue)): \(e.reason)\n" }
        out += "headroom after the loss (lowest over seeds):\n"
        out += headroomText(a.headroom)
        return out
    }

    static func headroomText(_ rows: [HeadroomRow]) -> String {
        var out = "  cluster        GPU model           vCPUs free/total     memory GB free/total   GPUs free/total\n"
        for r in rows {
            let name = r.cluster.padding(toLength: 14, withPad: " ", startingAt: 0)
            let model = (r.gpuModel.isEmpty ? "-" : r.gpuModel).padding(toLength: 19, withPad: " ", startingAt: 0)
            let cpu = r.gpuModel.isEmpty ? "\(r.vcpus)/\(r.vcpuCapacity)" : "-"
            let mem = r.gpuModel.isEmpty ? "\(r.memoryGB)/\(r.memoryCapacityGB)" : "-"
            out += "  \(name) \(model) \(cpu.padding(toLength: 20, withPad: " ", startingAt: 0)) "
            out += "\(mem.padding(toLength: 22, withPad: " ", startingAt: 0)) \(r.freeGPUs)/\(r.gpus)\n"
        }
        return out
    }

    static func headroomJSON(_ r: HeadroomRow) -> JSON {
        .object([
            ("cluster", .string(r.cluster)), ("gpu_model", r.gpuModel.isEmpty ? .null : .string(r.gpuModel)),
            ("vcpus_free", .int(Int64(r.vcpus))), ("vcpus_total", .int(Int64(r.vcpuCapacity))),
            ("memory_gb_free", .int(Int64(r.memoryGB))), ("memory_gb_total", .int(Int64(r.memoryCapacityGB))),
            ("gpus_free", .int(Int64(r.freeGPUs))), ("gpus_total", .int(Int64(r.gpus))),
        ])
    }

    static func rackLossJSON(_ a: RackLossAnswer, runs: [RackLossRun]) -> JSON {
        .object([
            ("question", .string("rack-loss")), ("hosts", .array(a.hosts.map { .string($0) })),
            ("seeds", .int(Int64(a.seeds))), ("window_seconds", JSON.rounded(a.windowSeconds, 3)),
            ("affected_per_seed", JSON.rounded(a.affectedPerSeed, 2)),
            ("unprotected_per_seed", JSON.rounded(a.unprotectedPerSeed, 2)),
            (
                "rto_seconds_by_tier",
                .object(
                    a.rtoByTier.map { t in
                        let p = Percentiles(t.nanoseconds)
                        return (
                            t.tier.rawValue,
                            .object([
                                ("count", .int(Int64(t.nanoseconds.count))), ("p50", p.map { secs($0.p50) } ?? .null),
                                ("p99", p.map { secs($0.p99) } ?? .null), ("max", p.map { secs($0.max) } ?? .null),
                            ])
                        )
                    })
            ),
            (
                "not_restarted",
                .array(
                    a.unrestored.map { u in
                        .object([
                            ("tier", .string(u.tier.rawValue)), ("reason", .string(u.blocker.rawValue)),
                            ("total", .int(Int64(u.count))),
                            ("per_seed", JSON.rounded(Double(u.count) / Double(max(1, a.seeds)), 2)),
                        ])
                    })
            ),
            (
                "examples",
                .array(
                    a.examples.prefix(20).map {
                        .object([
                            ("vm", .string($0.name)), ("tier", .string($0.tier.rawValue)),
                            ("reason", .string($0.reason)),
                        ])
                    })
            ),
            ("headroom", .array(a.headroom.map(headroomJSON))),
            ("trace_hashes", .array(runs.map { .string($0.traceHash) })),
        ])
    }

    static func rackLossSVG(_ a: RackLossAnswer, title: String) -> String {
        // at most about 400 steps per tier: every k-th sample and the last
        let series = a.rtoByTier.map { t in
            let n = t.nanoseconds.count
            let every = max(1, n / 400)
            let points = t.nanoseconds.indices.filter { $0 % every == every - 1 || $0 == n - 1 }.map {
                (Double(t.nanoseconds[$0]) / 1e9, Double($0 + 1) / Double(n))
            }
            return PlanPlot.Series(name: "\(t.tier.rawValue) (\(n))", points: points)
        }
        return PlanPlot.lineChart(
            title: "RTO after losing \(title), \(a.seeds) seeds", xLabel: "recovery time (s)",
            yLabel: "fraction of VMs recovered", series: series, steps: true)
    }

    // MARK: n-plus-k

    static func nPlusKText(_ a: NPlusKAnswer, seed: UInt64, all: [NPlusKAnswer]) -> String {
        let tiers = a.tiers.map(\.rawValue).joined(separator: "+")
        var out = "n-plus-k over \(a.over.rawValue), protecting \(tiers) VMs (worst placement: seed \(seed))\n"
        if let k = a.smallestK {
            out +=
                "smallest k: \(k) — losing \(k) \(a.over == .hosts ? "host" : "rack")(s) at once leaves protected VMs without a host\n"
            if let s = a.steps.last {
                let shown = s.lost.prefix(12).joined(separator: ", ")
                out += "  lost: \(shown)\(s.lost.count > 12 ? ", … (\(s.lost.count - 12) more)" : "")\n"
                out += "  \(s.unplaced) protected VM(s) unplaced"
                if let f = s.firstUnplaced { out += ", first \(f.name) (\(f.tier.rawValue)): \(f.reason)" }
                out += "\n"
            }
            out += "the fleet is N+\(k - 1) for \(tiers) VMs\n"
        } else {
            out += "every protected VM is restarted after losing up to \(a.maxK) \(a.over.rawValue)\n"
        }
        out += "  k    vCPU headroom  GPU headroom\n"
        let every = max(1, (a.steps.count + 19) / 20)
        for s in a.steps where s.k % every == 0 || s.k == 1 || s.k == a.steps.count {
            out += "  \(String(s.k).padding(toLength: 5, withPad: " ", startingAt: 0))"
            out += "\(num(s.vcpuHeadroom * 100, 1))%".padding(toLength: 15, withPad: " ", startingAt: 0)
            out += "\(num(s.gpuHeadroom * 100, 1))%\n"
        }
        let ks = all.map { $0.smallestK.map(String.init) ?? "none" }
        out += "smallest k per seed: \(ks.joined(separator: ", "))\n"
        return out
    }

    static func nPlusKJSON(_ a: NPlusKAnswer, seed: UInt64, all: [NPlusKAnswer], seeds: [UInt64]) -> JSON {
        .object([
            ("question", .string("n-plus-k")), ("over", .string(a.over.rawValue)),
            ("tiers", .array(a.tiers.map { .string($0.rawValue) })),
            ("smallest_k", a.smallestK.map { .int(Int64($0)) } ?? .null), ("worst_seed", .uint(seed)),
            ("max_k", .int(Int64(a.maxK))),
            (
                "steps",
                .array(
                    a.steps.map { s in
                        .object([
                            ("k", .int(Int64(s.k))), ("lost", .array(s.lost.map { .string($0) })),
                            ("unplaced", .int(Int64(s.unplaced))),
                            ("first_unplaced", s.firstUnplaced.map { .string("\($0.name): \($0.reason)") } ?? .null),
                            ("vcpu_headroom", JSON.rounded(s.vcpuHeadroom, 4)),
                            ("gpu_headroom", JSON.rounded(s.gpuHeadroom, 4)),
                        ])
                    })
            ),
            (
                "per_seed",
                .array(
                    zip(seeds, all).map { s, x in
                        .object([("seed", .uint(s)), ("smallest_k", x.smallestK.map { .int(Int64($0)) } ?? .null)])
                    })
            ),
        ])
    }

    static func nPlusKSVG(_ a: NPlusKAnswer) -> String {
        let cpu = a.steps.map { (Double($0.k), $0.vcpuHeadroom * 100) }
        let gpu = a.steps.map { (Double($0.k), $0.gpuHeadroom * 100) }
        return PlanPlot.lineChart(
            title: "Headroom against k \(a.over.rawValue) lost", xLabel: "k (\(a.over.rawValue) lost at once)",
            yLabel: "free share of the fleet (%)",
            series: [.init(name: "vCPUs", points: cpu), .init(name: "GPUs", points: gpu)], steps: false,
            marker: a.smallestK.map { (Double($0), "k = \($0): protected VMs left down") })
    }

    // MARK: failure-rate

    static func failureRateText(_ a: FailureRateAnswer, seeds: Int) -> String {
        var out = "failure-rate over \(num(a.durationDays, 1)) day(s); \(seeds) sampled incident(s) per process\n"
        out +=
            "  process               units  failures/day  VM-h lost/day  recoveries/day  fences/day  GPU-h lost/day\n"
        for r in a.rows {
            out += "  \(r.process.label.padding(toLength: 22, withPad: " ", startingAt: 0))"
            out += "\(String(r.units).padding(toLength: 7, withPad: " ", startingAt: 0))"
            out += "\(num(r.failuresPerDay, 3).padding(toLength: 14, withPad: " ", startingAt: 0))"
            out += "\(num(r.vmHoursLostPerDay).padding(toLength: 15, withPad: " ", startingAt: 0))"
            out += "\(num(r.recoveriesPerDay).padding(toLength: 16, withPad: " ", startingAt: 0))"
            out += "\(num(r.fencesPerDay, 3).padding(toLength: 12, withPad: " ", startingAt: 0))"
            out += "\(num(r.gpuHoursLostPerDay))\n"
        }
        let d = a.durationDays
        out +=
            "per day: \(num(a.total(\.failuresPerDay))) failures, \(num(a.total(\.vmHoursLostPerDay))) VM-hours lost, "
        out += "\(num(a.total(\.recoveriesPerDay))) recoveries, \(num(a.total(\.fencesPerDay))) fences, "
        out +=
            "\(num(a.total(\.gpuHoursLostPerDay))) GPU-hours lost (\(num(a.gpuCapacityLostShare * 100, 3))% of GPU capacity)\n"
        out += "over \(num(d, 1)) day(s): \(num(a.total(\.failuresPerDay) * d, 1)) failures, "
        out +=
            "\(num(a.total(\.vmHoursLostPerDay) * d, 1)) VM-hours lost, \(num(a.total(\.recoveriesPerDay) * d, 1)) recoveries, "
        out +=
            "\(num(a.total(\.fencesPerDay) * d, 1)) fences, \(num(a.total(\.gpuHoursLostPerDay) * d, 1)) GPU-hours lost\n"
        return out
    }

    static func failureRateJSON(_ a: FailureRateAnswer) -> JSON {
        func totals(_ k: Double) -> JSON {
            .object([
                ("failures", JSON.rounded(a.total(\.failuresPerDay) * k, 4)),
                ("vm_hours_lost", JSON.rounded(a.total(\.vmHoursLostPerDay) * k, 4)),
                ("recoveries", JSON.rounded(a.total(\.recoveriesPerDay) * k, 4)),
                ("fences", JSON.rounded(a.total(\.fencesPerDay) * k, 4)),
                ("gpu_hours_lost", JSON.rounded(a.total(\.gpuHoursLostPerDay) * k, 4)),
            ])
        }
        return .object([
            ("question", .string("failure-rate")), ("duration_days", JSON.rounded(a.durationDays, 4)),
            ("fleet_gpus", .int(Int64(a.fleetGPUs))),
            ("gpu_capacity_lost_share", JSON.rounded(a.gpuCapacityLostShare, 6)),
            ("per_day", totals(1)), ("over_duration", totals(a.durationDays)),
            (
                "processes",
                .array(
                    a.rows.map { r in
                        .object([
                            ("process", .string(r.process.label)), ("units", .int(Int64(r.units))),
                            ("mtbf_hours", JSON.rounded(Double(r.process.mtbf) / Double(SimTime.hour), 1)),
                            ("repair_hours", JSON.rounded(Double(r.process.repair) / Double(SimTime.hour), 3)),
                            ("failures_per_day", JSON.rounded(r.failuresPerDay, 5)),
                            ("vm_hours_lost_per_day", JSON.rounded(r.vmHoursLostPerDay, 5)),
                            ("recoveries_per_day", JSON.rounded(r.recoveriesPerDay, 5)),
                            ("fences_per_day", JSON.rounded(r.fencesPerDay, 5)),
                            ("gpu_hours_lost_per_day", JSON.rounded(r.gpuHoursLostPerDay, 5)),
                            ("samples", .int(Int64(r.samples.count))),
                            ("source", r.process.source.isEmpty ? .null : .string(r.process.source)),
                        ])
                    })
            ),
        ])
    }

    static func failureRateSVG(_ a: FailureRateAnswer) -> String {
        PlanPlot.barChart(
            title: "VM-hours lost per day by failure process", xLabel: "VM-hours lost per day",
            bars: a.rows.map { ($0.process.label, $0.vmHoursLostPerDay) })
    }
}
