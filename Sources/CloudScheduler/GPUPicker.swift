/// GPUs chosen for a request on one host.
struct GPUPick: Sendable {
    var allocations: [GPUAllocation]
    var bandwidth: Int
    var fragmentationCost: Int
}

/// Chooses GPUs on one host, by mode, among the GPUs in `allowed`.
enum GPUPicker {
    /// Cost of breaking a whole free GPU for a fractional request (MIG, vGPU, SR-IOV).
    static let breakWholeGPU = 1000

    static func pick(_ host: HostState, _ r: GPURequest, allowed: UInt8, topology: inout GPUTopology, mixedVGPU: Bool)
        -> Result<GPUPick, RejectReason>
    {
        switch r.mode {
        case .passthrough: passthrough(host, r, allowed: allowed, topology: &topology)
        case .mig: mig(host, r, allowed: allowed)
        case .vgpu: vgpu(host, r, allowed: allowed, mixed: mixedVGPU)
        case .sriov: sriov(host, r, allowed: allowed)
        }
    }

    static func passthrough(_ host: HostState, _ r: GPURequest, allowed: UInt8, topology: inout GPUTopology)
        -> Result<GPUPick, RejectReason>
    {
        let free = host.freeGPUMask & allowed
        guard free.nonzeroBitCount >= r.count else { return .failure(.notEnoughFreeGPUs(r.count)) }
        guard let set = topology.bestSet(free: free, k: r.count, nvlink: r.nvlink) else {
            return .failure(.noNVLinkSet(r.count))
        }
        let allocs = (0..<host.gpus.count).filter { set & UInt8(1 << $0) != 0 }.map { GPUAllocation.passthrough(gpu: $0) }
        return .success(GPUPick(allocations: allocs, bandwidth: topology.minBandwidth(set), fragmentationCost: 0))
    }

    static func usable(_ host: HostState, _ g: Int, _ allowed: UInt8) -> Bool {
        allowed & UInt8(1 << g) != 0 && host.gpus[g].healthy
    }

    static func mig(_ host: HostState, _ r: GPURequest, allowed: UInt8) -> Result<GPUPick, RejectReason> {
        let name = r.profile ?? ""
        guard let profile = MIGProfile.named(name) else { return .failure(.unsupportedMode("MIG \(name)")) }
        guard host.gpus.contains(where: \.migCapable) else { return .failure(.unsupportedMode("MIG")) }
        var masks = host.gpus.map { g -> UInt8? in
            switch g.use {
            case .free: g.migCapable ? 0 : nil
            case .mig(let m): m
            default: nil
            }
        }
        var allocs: [GPUAllocation] = []
        var cost = 0
        for _ in 0..<r.count {
            var best: (gpu: Int, start: Int, cost: Int)?
            for g in host.gpus.indices where usable(host, g, allowed) {
                guard let m = masks[g], let s = profile.bestStart(in: m) else { continue }
                let wasFree = host.gpus[g].use.isFree && m == 0
                let c = MIGProfile.placementValue(m) - MIGProfile.placementValue(m | profile.mask(at: s))
                    + (wasFree ? breakWholeGPU : 0)
                if let b = best, b.cost <= c { continue }
                best = (g, s, c)
            }
            guard let b = best else { return .failure(.noMIGPlacement(name)) }
            masks[b.gpu] = (masks[b.gpu] ?? 0) | profile.mask(at: b.start)
            allocs.append(.mig(gpu: b.gpu, profile: name, start: b.start))
            cost += b.cost
        }
        return .success(GPUPick(allocations: allocs, bandwidth: 0, fragmentationCost: cost))
    }

    static func vgpu(_ host: HostState, _ r: GPURequest, allowed: UInt8, mixed: Bool) -> Result<GPUPick, RejectReason> {
        let name = r.profile ?? ""
        guard let type = VGPUType(name) else { return .failure(.unsupportedMode("vGPU \(name)")) }
        guard host.gpus.contains(where: { $0.vgpuTypes.contains(type) }) else {
            return .failure(.unsupportedMode("vGPU \(name)"))
        }
        var uses = host.gpus.map(\.use)
        var counts = [Int](repeating: 0, count: host.gpus.count)
        var cost = 0
        for _ in 0..<r.count {
            var best: (gpu: Int, cost: Int)?
            for g in host.gpus.indices where usable(host, g, allowed) && host.gpus[g].vgpuTypes.contains(type) {
                let cap = type.capacity(onGPUOf: host.gpus[g].nominalGB)
                let c: Int
                switch uses[g] {
                case .free: c = breakWholeGPU
                case .vgpu(let t, let used) where t == name && used < cap: c = 0
                case .vgpuMixed(let gb) where gb + type.framebufferGB <= host.gpus[g].nominalGB: c = 0
                default: continue
                }
                if let b = best, b.cost <= c { continue }
                best = (g, c)
            }
            guard let b = best else { return .failure(.noVGPUCapacity(name)) }
            switch uses[b.gpu] {
            case .free where mixed && host.gpus[b.gpu].vgpuMixedCapable: uses[b.gpu] = .vgpuMixed(usedGB: type.framebufferGB)
            case .free: uses[b.gpu] = .vgpu(type: name, used: 1)
            case .vgpu(let t, let used): uses[b.gpu] = .vgpu(type: t, used: used + 1)
            case .vgpuMixed(let gb): uses[b.gpu] = .vgpuMixed(usedGB: gb + type.framebufferGB)
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
