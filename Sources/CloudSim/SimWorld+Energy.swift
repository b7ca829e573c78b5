import CloudModel

/// GPU energy as closed-form integrals: between two changes of what a GPU's draw depends on
/// (host power, its holders, whether each holder runs) the draw is idle watts plus the
/// load-dependent part of the mean of its running holders' load shapes, whose integral is exact.
/// Nothing is visited per simulated second: a GPU's energy is settled only when its inputs change,
/// and read as the settled part plus the integral since.
extension SimWorld {
    /// The FNV-1a hash of `id` mixed with the run's `seed`: the seed of an entity's load shape.
    static func shapeSeed(_ id: String, _ seed: UInt64) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for b in id.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    /// The GPU load shape of instance `v`.
    func gpuLoad(_ v: Int) -> LoadShape {
        LoadShape(seed: Self.shapeSeed(instances[v].instance.id.rawValue, loadSeed) ^ 0x6770, mean: 0.45...0.9)
    }

    /// Joules GPU `g` of host `h` draws from its `energyAsOf` to `t`, with its inputs as they are.
    func energySinceSettled(_ h: Int, _ g: Int, to t: UInt64) -> Double {
        let gpu = hosts[h].gpus[g]
        guard t > gpu.energyAsOf, hosts[h].power == .on else { return 0 }
        let a = Double(gpu.energyAsOf) / 1e9
        let b = Double(t) / 1e9
        var joules = gpu.idleWatts * (b - a)
        guard !gpu.holders.isEmpty else { return joules }
        var load = 0.0
        for v in gpu.holders where instances[v].status == .running {
            let shape = gpuLoad(v)
            load += shape.integral(b) - shape.integral(a)
        }
        joules += (gpu.maxWatts - gpu.idleWatts) * load / Double(gpu.holders.count)
        return joules
    }

    /// GPU `g` of host `h`'s energy counter at `t` (not before its last settlement).
    func energy(_ h: Int, _ g: Int, at t: UInt64) -> Double {
        hosts[h].gpus[g].energyJoules + energySinceSettled(h, g, to: t)
    }

    /// Folds the energy of host `h`'s GPUs up to `now` into their counters; call it before a
    /// change to the host's power, a GPU's holders or a holder's running state.
    mutating func settleEnergy(host h: Int) {
        let t = now
        for g in hosts[h].gpus.indices where t > hosts[h].gpus[g].energyAsOf {
            hosts[h].gpus[g].energyJoules += energySinceSettled(h, g, to: t)
            hosts[h].gpus[g].energyAsOf = t
        }
    }
}
