import CloudSim
import Foundation
import Testing

@testable import CloudModel

func jsonKeys<T: Encodable>(_ value: T) throws -> Set<String> {
    let data = try JSONEncoder().encode(value)
    let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    return Set(object?.keys.map { $0 } ?? [])
}

@Suite struct WireFormatTests {
    var gen = IDGenerator(source: CountingSource())

    @Test mutating func organizationAndDatacenterUseReferenceFieldNames() throws {
        let org = Organization(id: gen.next(.organization), name: "acme", creation: .epoch)
        #expect(try jsonKeys(org).isSuperset(of: ["id", "name", "is_root", "creation"]))
        let dc = Datacenter(id: gen.next(.datacenter), organizationID: org.id, name: "east", creation: .epoch)
        #expect(try jsonKeys(dc).isSuperset(of: ["id", "organization_id", "name", "creation"]))
    }

    @Test mutating func clusterNodeInstanceVolumePoolUseReferenceFieldNames() throws {
        let org = gen.next(.organization)
        let cluster = Cluster(
            id: gen.next(.cluster), organizationID: org, datacenterID: gen.next(.datacenter), name: "c",
            creation: .epoch)
        #expect(
            try jsonKeys(cluster).isSuperset(of: [
                "id", "organization_id", "datacenter_id", "name", "creation", "description", "node_count",
                "fault_tolerance", "standalone", "leader_id", "has_leader",
            ]))
        var src = CountingSource()
        let node = Node(
            id: gen.next(.node), organizationID: org, clusterID: cluster.id, name: "n1", ipAddress: "10.0.0.1",
            creation: .epoch, hardware: HardwareTemplate.cpu2S.instantiate(hostIndex: 0, entropy: &src))
        #expect(
            try jsonKeys(node).isSuperset(of: [
                "id", "organization_id", "cluster_id", "name", "ip_address", "creation", "alive", "joining",
            ]))
        let inst = Instance(
            id: gen.next(.instance), name: "vm", cpu: CPUShape(cores: 4), memory: 4096, creation: .epoch,
            organizationID: org, flavor: "m1.medium")
        #expect(
            try jsonKeys(inst).isSuperset(of: [
                "id", "node_id", "type", "name", "cpu", "vcpus", "memory", "creation", "autostart", "boot_order",
            ]))
        let vol = Volume(
            id: gen.next(.volume), storagePoolID: gen.next(.storagePool), name: "v", fqName: "pool/v", size: 10,
            creation: .epoch)
        #expect(
            try jsonKeys(vol).isSuperset(of: [
                "id", "storage_pool_id", "node_id", "name", "fq_name", "status", "size", "metadata", "attached",
                "attached_to", "creation",
            ]))
        let pool = StoragePool(
            id: gen.next(.storagePool), clusterID: cluster.id, name: "rbd", type: .rbd, creation: .epoch,
            capacityGB: 1000)
        #expect(
            try jsonKeys(pool).isSuperset(of: [
                "id", "cluster_id", "name", "type", "creation", "node_count", "can_hold_images", "is_default",
            ]))
    }

    @Test mutating func instanceRoundTripsThroughJSON() throws {
        let inst = Instance(
            id: gen.next(.instance), nodeID: gen.next(.node), name: "gpu-vm", cpu: CPUShape(sockets: 2, cores: 8),
            memory: 65536, creation: Timestamp(nanoseconds: 1_700_000_000_000_000_000),
            organizationID: gen.next(.organization), flavor: "gpu.inference", haPriority: .critical, gpuCount: 1,
            state: .running)
        let back = try JSONDecoder().decode(Instance.self, from: JSONEncoder().encode(inst))
        #expect(back == inst)
        #expect(back.vcpus == 16)
        let raw = try JSONSerialization.jsonObject(with: JSONEncoder().encode(inst)) as? [String: Any]
        #expect(raw?["state"] as? Int == 2)  // RUNNING is 2 on the wire
        #expect(raw?["type"] as? Int == 2)  // qemu
    }
}

@Suite struct HardwareTemplateTests {
    func host(_ t: HardwareTemplate) -> HostTopology {
        var src = CountingSource()
        return t.instantiate(hostIndex: 7, entropy: &src)
    }

    @Test func cpuHostHasTwoSocketsAndNoGPUs() {
        let h = host(.cpu2S)
        #expect(h.sockets.count == 2)
        #expect(h.numaNodes.count == 2)
        #expect(h.cpuCount == 224)
        #expect(h.gpus.isEmpty)
        #expect(h.memoryMB == 1_048_576)
    }

    @Test func h100HostIsAllToAllNVSwitch() {
        let h = host(.h100SXM8)
        #expect(h.gpus.count == 8)
        for i in 0..<8 {
            for j in 0..<8 where i != j { #expect(h.gpuLinks[i][j] == .nvswitch(links: 18)) }
        }
        #expect(h.gpus.allSatisfy { $0.capabilities.migProfiles.contains("3g.40gb") })
        #expect(Set(h.gpus.map(\.numaNode)) == [0, 1])
        #expect(Set(h.gpus.map(\.uuid)).count == 8)
        #expect(h.gpus.allSatisfy { $0.uuid.hasPrefix("GPU-") && $0.uuid.count == 40 })
    }

    @Test func a100HostHasNVLinkPairsOnly() {
        let h = host(.a100PCIe8)
        #expect(h.gpuLinks[0][1] == .nvlink(links: 12))
        #expect(h.gpuLinks[2][3].isNVLink)
        #expect(!h.gpuLinks[1][2].isNVLink)
        #expect(h.gpuLinks[0][5] == .crossSocket)
        let nvlinkPairs = (0..<8).flatMap { i in (0..<8).filter { j in j > i && h.gpuLinks[i][j].isNVLink } }
        #expect(nvlinkPairs.count == 4)
    }

    @Test func l40sHostHasNoNVLinkNoMIG() {
        let h = host(.l40s4)
        #expect(h.gpus.count == 4)
        #expect(h.gpuLinks.joined().allSatisfy { !$0.isNVLink })
        #expect(h.gpus.allSatisfy { $0.capabilities.migProfiles.isEmpty && !$0.capabilities.vgpuTypes.isEmpty })
        #expect(h.gpus.allSatisfy { $0.capabilities.vgpuMixedSizes })
        #expect(!host(.a100PCIe8).gpus.contains { $0.capabilities.vgpuMixedSizes })
    }

    @Test func gpuLinksRoundTripInNvidiaSmiSpelling() throws {
        let h = host(.a100PCIe8)
        let back = try JSONDecoder().decode(HostTopology.self, from: JSONEncoder().encode(h))
        #expect(back == h)
        #expect(h.gpuTopologyText.hasPrefix("GPU0\tX\tNV12\tNODE"))
    }
}
