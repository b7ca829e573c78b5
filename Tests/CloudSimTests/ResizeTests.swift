import CloudModel
import CloudScheduler
import Testing

@testable import CloudControl
@testable import CloudSim

/// Cold resize of API-admitted instances: same node when the new size fits there, another node
/// when it does not, and no change at all when it fits nowhere.
@Suite struct ResizeTests {
    final class Fleet {
        var sim: Simulation
        let org: ResourceID
        let cpuNodes: [ResourceID]
        var serial = 0

        init() throws {
            var spec = smallSpec()
            spec.workload = []
            let built = try Simulation(spec: spec)
            let inventory = built.inventory
            org = try #require(inventory.organizations.first?.id)
            let cpuCluster = try #require(inventory.clusters.first { $0.name == "cpu" }?.id)
            cpuNodes = inventory.nodes.filter { $0.clusterID == cpuCluster }.map(\.id)
            sim = built
        }

        /// Admits (and starts) an instance of `vcpus` × `memoryMB` in cluster `cpu`, on `node` if given.
        func admit(_ vcpus: Int, _ memoryMB: Int, on node: ResourceID?) throws -> (ResourceID, Bool) {
            serial += 1
            let id = try ResourceID(
                parsing: "\(ResourceKind.instance.rawValue)-" + String(repeating: "R", count: 21 - "\(serial)".count)
                    + "\(serial)")
            let inst = Instance(
                id: id, name: "vm-\(serial)", cpu: CPUShape(cores: vcpus), memory: memoryMB, creation: .epoch,
                organizationID: org, flavor: "custom", haPriority: .none)
            guard case .success = sim.admit(inst, request: request(vcpus, memoryMB), onlyHost: node) else {
                return (id, false)
            }
            guard case .success = sim.startAdmitted(id) else { return (id, false) }
            return (id, true)
        }

        func request(_ vcpus: Int, _ memoryMB: Int) -> ResourceRequest {
            ResourceRequest(vcpus: vcpus, memoryMB: memoryMB, cluster: "cpu")
        }

        func resize(
            _ id: ResourceID, _ vcpus: Int, _ memoryMB: Int, stay: Bool = false
        ) -> Result<
            AdmittedPlacement, SimulationError
        > {
            sim.resizeAdmitted(
                id, cpu: CPUShape(cores: vcpus), memoryMB: memoryMB, flavor: nil, request: request(vcpus, memoryMB),
                stayOnNode: stay)
        }

        func size(_ id: ResourceID) -> (Int, Int)? {
            guard let v = sim.world.instance(VMID(id)) else { return nil }
            return (sim.world.instances[v].instance.vcpus, sim.world.instances[v].instance.memory)
        }

        /// The instance's status and node, as the fleet shows them.
        func seen(_ id: ResourceID) -> (InstanceStatus, ResourceID?)? {
            guard let o = sim.observe(id) else { return nil }
            return (o.status, o.nodeID)
        }

        /// What the scheduler holds for the instance: vCPUs and memory summed over its NUMA nodes
        /// (nil: no claim).
        func claimed(_ id: ResourceID) -> (Int, Int)? {
            guard let v = sim.world.instance(VMID(id)), let c = sim.world.claims[v],
                let claim = sim.world.scheduler.claim(c)
            else { return nil }
            return (
                claim.numa.reduce(0) { $0 + $1.sharedVCPUs + $1.dedicatedCPUs },
                claim.numa.reduce(0) { $0 + $1.memoryMB }
            )
        }
    }

    @Test func aResizeThatFitsStaysOnItsNodeAndKeepsRunning() throws {
        let f = try Fleet()
        let (a, ok) = try f.admit(2, 1024, on: f.cpuNodes[0])
        #expect(ok)
        guard case .success(let p) = f.resize(a, 8, 16_384) else {
            Issue.record("a resize that fits was refused")
            return
        }
        #expect(p.nodeID == f.cpuNodes[0])
        #expect(f.size(a).map { $0 == (8, 16_384) } == true)
        let seen = try #require(f.seen(a))
        #expect(seen.0 == .running && seen.1 == f.cpuNodes[0])
        #expect(f.claimed(a).map { $0 == (8, 16_384) } == true, "the scheduler holds the new size")
    }

    @Test func aResizeThatDoesNotFitItsNodeMovesToOneWhereItFits() throws {
        let f = try Fleet()
        let (a, ok) = try f.admit(2, 1024, on: f.cpuNodes[0])
        #expect(ok)
        // fill node 0 with 64 GB instances until one more is refused: less than 64 GB is left
        var fillers = 0
        while try f.admit(1, 65_536, on: f.cpuNodes[0]).1 { fillers += 1 }
        #expect(fillers > 0)
        guard case .success(let p) = f.resize(a, 2, 98_304) else {
            Issue.record("a resize that fits another node was refused")
            return
        }
        #expect(p.nodeID != f.cpuNodes[0] && f.cpuNodes.contains(p.nodeID))
        #expect(f.size(a).map { $0 == (2, 98_304) } == true)
        #expect(f.claimed(a).map { $0 == (2, 98_304) } == true)
        #expect(f.seen(a)?.0 == .running)
        // node 0 got back the old size: a 1 GB instance fits there again
        #expect(try f.admit(1, 1024, on: f.cpuNodes[0]).1)
    }

    @Test func aPinnedInstanceIsNotMovedByAResize() throws {
        let f = try Fleet()
        let (a, ok) = try f.admit(2, 1024, on: f.cpuNodes[0])
        #expect(ok)
        while try f.admit(1, 65_536, on: f.cpuNodes[0]).1 {}
        guard case .failure(let e) = f.resize(a, 2, 98_304, stay: true) else {
            Issue.record("a pinned instance was resized beyond what its node has")
            return
        }
        #expect(e.description.contains("it is pinned there"), "\(e)")
        #expect(f.size(a).map { $0 == (2, 1024) } == true)
        #expect(f.seen(a)?.1 == f.cpuNodes[0] && f.seen(a)?.0 == .running)
        #expect(f.claimed(a).map { $0 == (2, 1024) } == true)
    }

    @Test func aResizeThatFitsNowhereChangesNothing() throws {
        let f = try Fleet()
        let (a, ok) = try f.admit(2, 1024, on: f.cpuNodes[1])
        #expect(ok)
        guard case .failure(let e) = f.resize(a, 2, 16 << 20) else {
            Issue.record("a 16 TB resize was accepted")
            return
        }
        #expect(e.description.contains("fits no node"))
        #expect(f.size(a).map { $0 == (2, 1024) } == true)
        let seen = try #require(f.seen(a))
        #expect(seen.0 == .running && seen.1 == f.cpuNodes[1])
        #expect(f.claimed(a).map { $0 == (2, 1024) } == true, "the old claim was taken back")
    }
}
