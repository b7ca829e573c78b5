import CloudControl

/// A placement for HA tests: hosts with a number of VM slots; a VM goes to the first host that
/// is not excluded, not unschedulable and has a free slot. Migration targets follow the same rule.
public struct FakePlacement: HAPlacement, Sendable {
    /// The host of each placed VM (by instance index).
    public var hostOf: [Int: Int] = [:]
    /// Free slots per host.
    public var capacity: [Int]
    public var unschedulable: Set<Int> = []
    public var capacityVersion: UInt64 = 0
    /// Migration targets reserved, by VM.
    public var targets: [Int: Int] = [:]

    /// Hosts with `slots` free slots each.
    public init(hosts: Int, slots: Int) { capacity = Array(repeating: slots, count: hosts) }

    /// Records VM `vm` as already running on `host` (taking a slot).
    public mutating func seat(vm: Int, on host: Int) {
        hostOf[vm] = host
        capacity[host] -= 1
    }

    func firstFit(excluding: [Int]) -> Int? {
        capacity.indices.first { !excluding.contains($0) && !unschedulable.contains($0) && capacity[$0] > 0 }
    }

    public mutating func place(vm: Int, excluding: [Int]) -> PlacementOutcome {
        guard let h = firstFit(excluding: excluding) else { return .noCapacity(reason: "full") }
        capacity[h] -= 1
        hostOf[vm] = h
        return .placed(host: h)
    }

    public mutating func release(vm: Int) {
        guard let h = hostOf.removeValue(forKey: vm) else { return }
        capacity[h] += 1
        capacityVersion += 1
    }

    public mutating func reserve(vm: Int, target: Int?, excluding: [Int]) -> PlacementOutcome {
        let h =
            target.flatMap { capacity[$0] > 0 && !unschedulable.contains($0) ? $0 : nil }
            ?? firstFit(excluding: excluding)
        guard let h else { return .noCapacity(reason: "full") }
        capacity[h] -= 1
        targets[vm] = h
        return .placed(host: h)
    }

    public mutating func finishMigration(vm: Int, committed: Bool) {
        guard let t = targets.removeValue(forKey: vm) else { return }
        if committed {
            release(vm: vm)
            hostOf[vm] = t
        } else {
            capacity[t] += 1
            capacityVersion += 1
        }
    }
}
