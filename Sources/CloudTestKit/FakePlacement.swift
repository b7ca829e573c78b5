import CloudControl

/// A placement for HA tests: hosts with a number of VM slots; a VM goes to the first host (in
/// the order given) that is not excluded, not unschedulable and has a free slot. Migration
/// targets follow the same rule. Every placement returns a claim naming its host.
public struct FakePlacement: HAPlacement, Sendable {
    /// The hosts, in first-fit order.
    public private(set) var hosts: [HostID]
    /// The host of each placed VM.
    public var hostOf: [VMID: HostID] = [:]
    /// Free slots per host, in `hosts` order.
    public var capacity: [Int]
    public var unschedulable: Set<HostID> = []
    public var capacityVersion: UInt64 = 0
    /// Migration targets reserved, by VM.
    public var targets: [VMID: HostID] = [:]

    /// `hosts` with `slots` free slots each.
    public init(hosts: [HostID], slots: Int) {
        self.hosts = hosts
        capacity = Array(repeating: slots, count: hosts.count)
    }

    /// A host joins with `slots` free slots.
    public mutating func addHost(_ id: HostID, slots: Int) {
        hosts.append(id)
        capacity.append(slots)
    }

    /// The claim a placement on `host` returns.
    public static func claim(on host: HostID) -> HAClaim { HAClaim(host: host, resources: "slot") }

    func slot(_ id: HostID) -> Int {
        guard let h = hosts.firstIndex(of: id) else { preconditionFailure("unknown host '\(id)'") }
        return h
    }

    /// Records VM `vm` as already running on `host` (taking a slot).
    public mutating func seat(vm: VMID, on host: HostID) {
        hostOf[vm] = host
        capacity[slot(host)] -= 1
    }

    func firstFit(excluding: [HostID]) -> HostID? {
        capacity.indices.first {
            !excluding.contains(hosts[$0]) && !unschedulable.contains(hosts[$0]) && capacity[$0] > 0
        }.map { hosts[$0] }
    }

    public mutating func place(vm: VMID, excluding: [HostID]) -> PlacementOutcome {
        guard let h = firstFit(excluding: excluding) else { return .noCapacity(reason: "full") }
        capacity[slot(h)] -= 1
        hostOf[vm] = h
        return .placed(host: h, claim: Self.claim(on: h))
    }

    public mutating func release(vm: VMID) {
        guard let h = hostOf.removeValue(forKey: vm) else { return }
        capacity[slot(h)] += 1
        capacityVersion += 1
    }

    public mutating func reserve(vm: VMID, target: HostID?, excluding: [HostID]) -> PlacementOutcome {
        let h =
            target.flatMap { capacity[slot($0)] > 0 && !unschedulable.contains($0) ? $0 : nil }
            ?? firstFit(excluding: excluding)
        guard let h else { return .noCapacity(reason: "full") }
        capacity[slot(h)] -= 1
        targets[vm] = h
        return .placed(host: h, claim: Self.claim(on: h))
    }

    public mutating func finishMigration(vm: VMID, committed: Bool) {
        guard let t = targets.removeValue(forKey: vm) else { return }
        if committed {
            release(vm: vm)
            hostOf[vm] = t
        } else {
            capacity[slot(t)] += 1
            capacityVersion += 1
        }
    }
}
