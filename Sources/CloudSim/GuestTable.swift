import CloudControl
import CloudScheduler

/// Where each instance's QEMU processes run, indexed both ways: the hosts of an instance (in the
/// order its processes appeared) and the instances with a process on a host (ascending). Every
/// change is logged in `touchedHosts` and `touchedInstances` for the incremental checkers.
struct GuestTable: Sendable {
    private var hostsOf: [[Int]]
    private var guestsOf: [[Int]]
    /// The IDs of `guestsOf`, in the same order: a host's inventory as its agent reports it.
    private var inventoryOf: [[VMID]]
    private var ids: [VMID]
    /// Hosts whose set of guests changed since the checkers last drained it.
    var touchedHosts = TouchLog()
    /// Instances whose processes changed since the checkers last drained it.
    var touchedInstances = TouchLog()

    /// A table over `processes` (per instance, the hosts where it runs; `ids`: the instances'
    /// IDs) on `hostCount` hosts.
    init(processes: [[Int]], ids: [VMID], hostCount: Int) {
        precondition(processes.count == ids.count, "one ID per instance")
        hostsOf = processes
        self.ids = ids
        guestsOf = Array(repeating: [], count: hostCount)
        inventoryOf = Array(repeating: [], count: hostCount)
        for (v, hosts) in processes.enumerated() {
            for h in hosts {
                guestsOf[h].append(v)
                inventoryOf[h].append(ids[v])
            }
        }
    }

    /// The hosts where instance `v` has a process.
    subscript(v: Int) -> [Int] { hostsOf[v] }

    /// Every instance index.
    var indices: Range<Int> { hostsOf.indices }

    /// Instances with a process on host `h`, ascending.
    func guests(on h: Int) -> [Int] { guestsOf[h] }

    /// The IDs of the instances with a process on host `h`, ascending by instance.
    func inventory(on h: Int) -> [VMID] { inventoryOf[h] }

    /// A new instance `id` without processes.
    mutating func appendInstance(_ id: VMID) {
        hostsOf.append([])
        ids.append(id)
    }

    /// A process of `v` appeared on `h` (no-op when it already runs there).
    mutating func add(_ v: Int, on h: Int) {
        guard !hostsOf[v].contains(h) else { return }
        hostsOf[v].append(h)
        let at = guestsOf[h].firstIndex { $0 > v } ?? guestsOf[h].count
        guestsOf[h].insert(v, at: at)
        inventoryOf[h].insert(ids[v], at: at)
        touch(v, h)
    }

    /// The process of `v` on `h` is gone (no-op when there was none).
    mutating func remove(_ v: Int, from h: Int) {
        guard let i = hostsOf[v].firstIndex(of: h) else { return }
        hostsOf[v].remove(at: i)
        if let j = guestsOf[h].firstIndex(of: v) {
            guestsOf[h].remove(at: j)
            inventoryOf[h].remove(at: j)
        }
        touch(v, h)
    }

    /// Every process of `v` is gone.
    mutating func clear(_ v: Int) {
        for h in hostsOf[v] { remove(v, from: h) }
    }

    private mutating func touch(_ v: Int, _ h: Int) {
        touchedHosts.mark(h)
        touchedInstances.mark(v)
    }
}
