/// GPUs chosen for a request on one host.
struct GPUPick: Sendable {
    var allocations: [GPUAllocation]
    var bandwidth: Int
    var fragmentationCost: Int
    /// The GPUs form one NVLink set (a partition or a clique of two or more).
    var nvlinkSet = false
}

/// The MIG occupancy of one GPU while a multi-instance request is being laid out.
struct MIGSlots {
    var mask: UInt8
    var media: Bool
}

/// Chooses GPUs on one host, by mode, among the GPUs in `allowed`.
enum GPUPicker {
    /// Cost of breaking a whole free GPU for a fractional request (MIG, vGPU, SR-IOV).
    static let breakWholeGPU = 1000

    static func pick(
        _ host: HostState, _ r: GPURequest, _ c: CompiledRequest, allowed: UInt8, local: UInt8 = 0xFF,
        topology: GPUTopology, mixedVGPU: Bool
    ) -> Result<GPUPick, RejectReason> {
        switch r.mode {
        case .passthrough: passthrough(host, r, allowed: allowed, local: local, topology: topology)
        case .mig: mig(host, r, c.mig, allowed: allowed)
        case .vgpu: vgpu(host, r, c.vgpu, allowed: allowed, mixed: mixedVGPU)
        case .sriov: sriov(host, r, allowed: allowed)
        }
    }

    static func passthrough(
        _ host: HostState, _ r: GPURequest, allowed: UInt8, local: UInt8 = 0xFF, topology: GPUTopology
    )
        -> Result<GPUPick, RejectReason>
    {
        let free = host.freeGPUMask & allowed
        guard free.nonzeroBitCount >= r.count else {
            return .failure(allowed == 0xFF ? .notEnoughFreeGPUs(r.count) : .notEnoughFreeGPUsHere(r.count))
        }
        guard topology.sizeAllowed(r.count) else { return .failure(.fabricModelSize(r.count)) }
        guard let set = topology.bestSet(free: free, k: r.count, nvlink: r.nvlink, local: local) else {
            if topology.key.partitions != nil { return .failure(.noFreePartition(r.count)) }
            return .failure(.noNVLinkSet(r.count))
        }
        let allocs = (0..<host.gpus.count).filter { set & UInt8(1 << $0) != 0 }.map {
            GPUAllocation.passthrough(gpu: $0)
        }
        return .success(
            GPUPick(
                allocations: allocs, bandwidth: topology.bandwidth(set), fragmentationCost: 0,
                nvlinkSet: topology.isNVLinkSet(set)))
    }

    static func usable(_ host: HostState, _ g: Int, _ allowed: UInt8) -> Bool {
        allowed & UInt8(1 << g) != 0 && host.gpus[g].healthy
    }

    static func mig(
        _ host: HostState, _ r: GPURequest, _ parsed: MIGProfile?, allowed: UInt8
    )
        -> Result<GPUPick, RejectReason>
    {
        let name = r.profile ?? ""
        guard let profile = parsed else { return .failure(.unsupportedMode("MIG \(name)")) }
        guard host.gpus.contains(where: \.migCapable) else { return .failure(.unsupportedMode("MIG")) }
        if r.count == 1 {
            guard let b = bestMIG(host, profile, allowed: allowed, masks: nil) else {
                return .failure(.noMIGPlacement(name))
            }
            return .success(
                GPUPick(
                    allocations: [.mig(gpu: b.gpu, profile: name, start: b.start)], bandwidth: 0,
                    fragmentationCost: b.cost))
        }
        var masks = host.gpus.map { g -> MIGSlots? in
            switch g.use {
            case .free: g.migCapable ? MIGSlots(mask: 0, media: false) : nil
            case .mig(let m, let media): MIGSlots(mask: m, media: media)
            default: nil
            }
        }
        var allocs: [GPUAllocation] = []
        var cost = 0
        for _ in 0..<r.count {
            guard let b = bestMIG(host, profile, allowed: allowed, masks: masks) else {
                return .failure(.noMIGPlacement(name))
            }
            let before = masks[b.gpu] ?? MIGSlots(mask: 0, media: false)
            masks[b.gpu] = MIGSlots(
                mask: before.mask | profile.mask(at: b.start), media: before.media || profile.mediaEngines)
            allocs.append(.mig(gpu: b.gpu, profile: name, start: b.start))
            cost += b.cost
        }
        return .success(GPUPick(allocations: allocs, bandwidth: 0, fragmentationCost: cost))
    }

    /// The GPU and start where one more `profile` instance loses the least placement freedom;
    /// GPUs already in MIG mode go before whole free GPUs.
    static func bestMIG(
        _ host: HostState, _ profile: MIGProfile, allowed: UInt8, masks: [MIGSlots?]?
    )
        -> (gpu: Int, start: Int, cost: Int)?
    {
        var best: (gpu: Int, start: Int, cost: Int)?
        for g in host.gpus.indices where usable(host, g, allowed) {
            let m: UInt8
            let media: Bool
            if let masks {
                guard let mm = masks[g] else { continue }
                (m, media) = (mm.mask, mm.media)
            } else {
                switch host.gpus[g].use {
                case .free where host.gpus[g].migCapable: (m, media) = (0, false)
                case .mig(let occupied, let taken): (m, media) = (occupied, taken)
                default: continue
                }
            }
            if profile.mediaEngines && media { continue }
            guard let s = profile.bestStart(in: m) else { continue }
            let wasFree = host.gpus[g].use.isFree && m == 0
            let c =
                MIGProfile.placementValue(m) - MIGProfile.placementValue(m | profile.mask(at: s))
                + (wasFree ? breakWholeGPU : 0)
            if let b = best, b.cost <= c { continue }
            best = (g, s, c)
        }
        return best
    }

    static func vgpu(
        _ host: HostState, _ r: GPURequest, _ parsed: VGPUType?, allowed: UInt8, mixed: Bool
    )
        -> Result<GPUPick, RejectReason>
    {
        let name = r.profile ?? ""
        guard let type = parsed else { return .failure(.unsupportedMode("vGPU \(name)")) }
        guard host.gpus.contains(where: { $0.vgpuKeys.contains(type.key) }) else {
            return .failure(.unsupportedMode("vGPU \(name)"))
        }
        if type.migProfile != nil {
            // MIG-backed: a MIG instance on a GPU in MIG mode, never beside time-sliced vGPUs
            return mig(host, r, MIGProfile.named(name), allowed: allowed & supporting(host, type))
        }
        if r.count == 1 {
            guard let b = bestVGPU(host, type, allowed: allowed, uses: nil) else {
                return .failure(.noVGPUCapacity(name))
            }
            let mixedNow = isMixed(host.gpus[b.gpu].use, free: mixed && host.gpus[b.gpu].vgpuMixedCapable)
            let alloc: GPUAllocation =
                mixedNow
                ? .vgpuMixed(gpu: b.gpu, type: name, count: 1, gigabytes: type.framebufferGB)
                : .vgpu(gpu: b.gpu, type: name, count: 1)
            return .success(GPUPick(allocations: [alloc], bandwidth: 0, fragmentationCost: b.cost))
        }
        var uses = host.gpus.map(\.use)
        var counts = [Int](repeating: 0, count: host.gpus.count)
        var cost = 0
        for _ in 0..<r.count {
            guard let b = bestVGPU(host, type, allowed: allowed, uses: uses) else {
                return .failure(.noVGPUCapacity(name))
            }
            switch uses[b.gpu] {
            case .free where mixed && host.gpus[b.gpu].vgpuMixedCapable:
                uses[b.gpu] = .vgpuMixed(usedGB: type.framebufferGB, counts: VGPUCounts().adding(type.key, 1))
            case .free: uses[b.gpu] = .vgpu(type: type.key, used: 1)
            case .vgpu(let t, let used): uses[b.gpu] = .vgpu(type: t, used: used + 1)
            case .vgpuMixed(let gb, let c):
                uses[b.gpu] = .vgpuMixed(usedGB: gb + type.framebufferGB, counts: c.adding(type.key, 1))
            default: break
            }
            counts[b.gpu] += 1
            cost += b.cost
        }
        let allocs = counts.indices.filter { counts[$0] > 0 }.map { g -> GPUAllocation in
            if case .vgpuMixed = uses[g] {
                return .vgpuMixed(gpu: g, type: name, count: counts[g], gigabytes: counts[g] * type.framebufferGB)
            }
            return .vgpu(gpu: g, type: name, count: counts[g])
        }
        return .success(GPUPick(allocations: allocs, bandwidth: 0, fragmentationCost: cost))
    }

    /// The GPUs that offer vGPU `type`.
    static func supporting(_ host: HostState, _ type: VGPUType) -> UInt8 {
        var mask: UInt8 = 0
        for g in host.gpus.indices where g < 8 && host.gpus[g].vgpuKeys.contains(type.key) { mask |= UInt8(1 << g) }
        return mask
    }

    static func isMixed(_ use: GPUUse, free mixedWhenFree: Bool) -> Bool {
        switch use {
        case .vgpuMixed: true
        case .free: mixedWhenFree
        default: false
        }
    }

    /// The GPU that takes one more vGPU of `type` most cheaply: GPUs already serving it first.
    static func bestVGPU(_ host: HostState, _ type: VGPUType, allowed: UInt8, uses: [GPUUse]?) -> (gpu: Int, cost: Int)?
    {
        var best: (gpu: Int, cost: Int)?
        for g in host.gpus.indices where usable(host, g, allowed) && host.gpus[g].vgpuKeys.contains(type.key) {
            let c: Int
            switch uses?[g] ?? host.gpus[g].use {
            case .free: c = breakWholeGPU
            case .vgpu(let t, let used) where t == type.key && used < type.capacity(onGPUOf: host.gpus[g].nominalGB):
                c = 0
            case .vgpuMixed(let gb, let counts)
            where gb + type.framebufferGB <= host.gpus[g].nominalGB
                && counts[type.key] < type.mixedCapacity(onGPUOf: host.gpus[g].nominalGB):
                c = 0
            default: continue
            }
            if let b = best, b.cost <= c { continue }
            best = (g, c)
            if c == 0 { break }
        }
        return best
    }

    static func sriov(_ host: HostState, _ r: GPURequest, allowed: UInt8) -> Result<GPUPick, RejectReason> {
        guard host.gpus.contains(where: { $0.sriovVFs > 0 }) else { return .failure(.unsupportedMode("SR-IOV")) }
        var free = host.gpus.map(\.freeVFs)
        var taken = [Int](repeating: 0, count: host.gpus.count)
        var cost = 0
        for _ in 0..<r.count {
            var best: (gpu: Int, cost: Int, free: Int)?
            for g in host.gpus.indices where usable(host, g, allowed) && free[g] > 0 {
                let c = host.gpus[g].use.isFree && taken[g] == 0 ? breakWholeGPU : 0
                if let b = best, (b.cost, b.free) <= (c, free[g]) { continue }
                best = (g, c, free[g])
            }
            guard let b = best else { return .failure(.sriovPoolExhausted) }
            free[b.gpu] -= 1
            taken[b.gpu] += 1
            cost += b.cost
        }
        let allocs = taken.indices.filter { taken[$0] > 0 }.map { GPUAllocation.vfs(gpu: $0, count: taken[$0]) }
        return .success(GPUPick(allocations: allocs, bandwidth: 0, fragmentationCost: cost))
    }
}
