import CloudModel

// Simulated inventory: host models whose hosts get made-up GPU UUIDs, PCI and BMC addresses. A
// live runtime discovers these instead (sysfs, nvidia-smi).

/// A named host hardware model from which hosts are built. Templates are values: a scenario says
/// `template: gpu-h100-sxm8` and `count: 4`, and each host gets its own GPU UUIDs and BMC address.
public struct HardwareTemplate: Sendable {
    /// Template name used in scenarios.
    public let name: String
    /// One-line human description.
    public let summary: String
    let build: @Sendable (_ hostIndex: Int, _ uuidWords: [UInt64]) -> HostTopology
    /// How many 64-bit random words one host needs (2 per GPU UUID).
    public let randomWordsPerHost: Int

    /// GPUs per host (each GPU UUID takes two random words).
    public var gpuCount: Int { randomWordsPerHost / 2 }

    /// Instantiates the template for host number `hostIndex` (its BMC address derives from it),
    /// drawing GPU UUIDs from `entropy`.
    public func instantiate<S: IDEntropySource>(hostIndex: Int, entropy: inout S) -> HostTopology {
        let words = (0..<randomWordsPerHost).map { _ in entropy.nextWord() }
        return build(hostIndex, words)
    }

    /// The built-in templates, by name.
    public static let builtIn: [HardwareTemplate] = [cpu2S, h100SXM8, a100PCIe8, l40s4, a100SXM8]

    /// Looks a built-in template up by name.
    public static func named(_ name: String) -> HardwareTemplate? { builtIn.first { $0.name == name } }
}

extension HardwareTemplate {
    static func gpuUUID(_ a: UInt64, _ b: UInt64) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out = [UInt8]("GPU-".utf8)
        var digits = [UInt8]()
        for w in [a, b] {
            for shift in stride(from: 60, through: 0, by: -4) { digits.append(hex[Int((w >> UInt64(shift)) & 15)]) }
        }
        for (i, d) in digits.enumerated() {
            if i == 8 || i == 12 || i == 16 || i == 20 { out.append(0x2D) }
            out.append(d)
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func bmcAddress(_ hostIndex: Int) -> String {
        "10.\(200 + (hostIndex >> 16) % 50).\((hostIndex >> 8) & 255).\(hostIndex & 255)"
    }

    static func sockets(_ model: String, count: Int, cores: Int, smt: Int) -> [CPUSocket] {
        (0..<count).map { CPUSocket(id: $0, model: model, cores: cores, threadsPerCore: smt) }
    }

    static func numa(perSocket: Int, sockets: Int, cpusPerNode: Int, memoryMB: Int, huge1G: Int) -> [NUMANode] {
        (0..<(perSocket * sockets)).map {
            NUMANode(
                id: $0, socket: $0 / perSocket, cpus: cpusPerNode, memoryMB: memoryMB,
                hugepages2M: 2048, hugepages1G: huge1G)
        }
    }

    static func nics(vmSpeed: Int, numaNodes: Int) -> [NIC] {
        [
            NIC(name: "eno1", model: "Intel X710", speedGbps: 10, sriovVFs: 0, numaNode: 0, roles: ["management"]),
            NIC(
                name: "ens1f0", model: "Mellanox ConnectX-6 Dx", speedGbps: vmSpeed, sriovVFs: 128, numaNode: 0,
                roles: ["vm"]),
            NIC(
                name: "ens1f1", model: "Mellanox ConnectX-6 Dx", speedGbps: vmSpeed, sriovVFs: 128,
                numaNode: numaNodes - 1, roles: ["storage"]),
        ]
    }

    static func links(_ n: Int, _ rule: (Int, Int) -> GPULink) -> [[GPULink]] {
        (0..<n).map { i in (0..<n).map { j in i == j ? .selfLink : rule(i, j) } }
    }

    static func gpus(
        _ n: Int, model: String, vramMB: Int, perNUMA: Int, busBase: Int, caps: GPUCapabilities, words: [UInt64],
        modules: Bool = false
    ) -> [GPU] {
        (0..<n).map { i in
            let bus = String(busBase + i * 0x10, radix: 16)
            return GPU(
                index: i, uuid: gpuUUID(words[2 * i], words[2 * i + 1]), model: model, vramMB: vramMB,
                numaNode: i / perNUMA, pciAddress: "0000:\(bus.count < 2 ? "0" + bus : bus):00.0", capabilities: caps,
                moduleID: modules ? i + 1 : nil)
        }
    }

    /// A 2-socket general-purpose CPU host: 2 × Xeon Platinum 8480+ (56 cores, SMT2), 1 TiB.
    public static let cpu2S = HardwareTemplate(
        name: "cpu-2s", summary: "2 × Xeon Platinum 8480+ (224 threads), 1 TiB, no GPU",
        build: { host, _ in
            HostTopology(
                template: "cpu-2s", sockets: sockets("Intel Xeon Platinum 8480+", count: 2, cores: 56, smt: 2),
                numaNodes: numa(perSocket: 1, sockets: 2, cpusPerNode: 112, memoryMB: 524_288, huge1G: 32),
                gpus: [], gpuLinks: [], nics: nics(vmSpeed: 100, numaNodes: 2),
                bmc: BMCInfo(address: bmcAddress(host), vendor: "Dell iDRAC9"))
        }, randomWordsPerHost: 0)

    /// An HGX H100 host: 8 × H100 SXM5 80 GB on NVSwitch (NV18 between every pair), 2 TiB. GPU
    /// modules 1–4 sit on NUMA node 0 and 5–8 on node 1, so every Fabric Manager partition is
    /// NUMA-aligned except the whole board.
    public static let h100SXM8 = HardwareTemplate(
        name: "gpu-h100-sxm8", summary: "8 × H100 SXM5 80GB, NVSwitch all-to-all, 2 × Xeon 8480+, 2 TiB",
        build: { host, words in
            let caps = GPUCapabilities(
                passthrough: true, sriovVFs: 32,
                migProfiles: ["1g.10gb", "1g.10gb+me", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"],
                vgpuTypes: ["H100XM-4C", "H100XM-10C", "H100XM-20C", "H100XM-40C", "H100XM-80C"] + migBacked("H100XM"))
            return hgx8(
                "gpu-h100-sxm8", host: host, words: words, cpu: ("Intel Xeon Platinum 8480+", 56, 112),
                gpu: ("H100-SXM5-80GB", 81_559, 0x18, 18), caps: caps, bmcVendor: "Supermicro BMC", fabric: .hgxH100)
        }, randomWordsPerHost: 16)

    /// 8 × A100 PCIe 80 GB with NVLink bridges joining pairs (0-1, 2-3, 4-5, 6-7), 2 × EPYC 7763.
    public static let a100PCIe8 = HardwareTemplate(
        name: "gpu-a100-pcie8", summary: "8 × A100 PCIe 80GB, NVLink bridge pairs, 2 × EPYC 7763, 1 TiB",
        build: { host, words in
            let caps = GPUCapabilities(
                passthrough: true, sriovVFs: 20,
                migProfiles: ["1g.10gb", "1g.10gb+me", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"],
                vgpuTypes: ["A100D-4C", "A100D-10C", "A100D-20C", "A100D-40C", "A100D-80C"] + migBacked("A100D"))
            return HostTopology(
                template: "gpu-a100-pcie8", sockets: sockets("AMD EPYC 7763", count: 2, cores: 64, smt: 2),
                numaNodes: numa(perSocket: 1, sockets: 2, cpusPerNode: 128, memoryMB: 524_288, huge1G: 64),
                gpus: gpus(
                    8, model: "A100-PCIE-80GB", vramMB: 81_920, perNUMA: 4, busBase: 0x21, caps: caps,
                    words: words),
                gpuLinks: links(8) { i, j in
                    if i / 2 == j / 2 { return .nvlink(links: 12) }
                    if i / 4 == j / 4 { return .pcieHostBridge }
                    return .crossSocket
                },
                nics: nics(vmSpeed: 100, numaNodes: 2),
                bmc: BMCInfo(address: bmcAddress(host), vendor: "HPE iLO 5"))
        }, randomWordsPerHost: 16)

    /// 4 × L40S 48 GB on PCIe, no NVLink, no MIG, 2 × EPYC 9354.
    public static let l40s4 = HardwareTemplate(
        name: "gpu-l40s-4", summary: "4 × L40S 48GB on PCIe (no NVLink), 2 × EPYC 9354, 768 GiB",
        build: { host, words in
            let caps = GPUCapabilities(
                passthrough: true, sriovVFs: 32, migProfiles: [],
                vgpuTypes: [
                    "L40S-8Q", "L40S-12Q", "L40S-24Q", "L40S-48Q", "L40S-4C", "L40S-8C", "L40S-12C", "L40S-24C",
                    "L40S-48C",
                ],
                vgpuMixedSizes: true)
            return HostTopology(
                template: "gpu-l40s-4", sockets: sockets("AMD EPYC 9354", count: 2, cores: 32, smt: 2),
                numaNodes: numa(perSocket: 1, sockets: 2, cpusPerNode: 64, memoryMB: 393_216, huge1G: 32),
                gpus: gpus(4, model: "L40S-48GB", vramMB: 46_068, perNUMA: 2, busBase: 0x41, caps: caps, words: words),
                gpuLinks: links(4) { i, j in i / 2 == j / 2 ? .pcieHostBridge : .crossSocket },
                nics: nics(vmSpeed: 100, numaNodes: 2),
                bmc: BMCInfo(address: bmcAddress(host), vendor: "Lenovo XCC"))
        }, randomWordsPerHost: 8)

    /// An HGX A100 host: 8 × A100 SXM4 80 GB on second-generation NVSwitch (NV12), 2 × EPYC 7763.
    public static let a100SXM8 = HardwareTemplate(
        name: "gpu-a100-sxm8", summary: "8 × A100 SXM4 80GB, HGX NVSwitch, 2 × EPYC 7763, 2 TiB",
        build: { host, words in
            let caps = GPUCapabilities(
                passthrough: true, sriovVFs: 20,
                migProfiles: ["1g.10gb", "1g.10gb+me", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"],
                vgpuTypes: ["A100DX-4C", "A100DX-10C", "A100DX-20C", "A100DX-40C", "A100DX-80C"] + migBacked("A100DX"))
            return hgx8(
                "gpu-a100-sxm8", host: host, words: words, cpu: ("AMD EPYC 7763", 64, 128),
                gpu: ("A100-SXM4-80GB", 81_920, 0x07, 12), caps: caps, bmcVendor: "Dell iDRAC9", fabric: .hgxA100)
        }, randomWordsPerHost: 16)

    /// An HGX 8-GPU host: two sockets (one NUMA node each, 1 TiB per node), eight SXM GPUs with
    /// module IDs on one NVSwitch fabric (`links` NVLinks per GPU), 200 Gb/s NICs.
    static func hgx8(
        _ template: String, host: Int, words: [UInt64], cpu: (model: String, cores: Int, threadsPerNode: Int),
        gpu: (model: String, vramMB: Int, busBase: Int, links: Int), caps: GPUCapabilities, bmcVendor: String,
        fabric: NVSwitchFabric
    ) -> HostTopology {
        HostTopology(
            template: template, sockets: sockets(cpu.model, count: 2, cores: cpu.cores, smt: 2),
            numaNodes: numa(
                perSocket: 1, sockets: 2, cpusPerNode: cpu.threadsPerNode, memoryMB: 1_048_576, huge1G: 128),
            gpus: gpus(
                8, model: gpu.model, vramMB: gpu.vramMB, perNUMA: 4, busBase: gpu.busBase, caps: caps, words: words,
                modules: true),
            gpuLinks: links(8) { _, _ in .nvswitch(links: gpu.links) },
            nics: nics(vmSpeed: 200, numaNodes: 2),
            bmc: BMCInfo(address: bmcAddress(host), vendor: bmcVendor), nvswitchFabric: fabric)
    }

    /// The MIG-backed vGPU types of an 80 GB board: `<board>-<g>-<GB>C`, one per MIG profile.
    static func migBacked(_ board: String) -> [String] {
        ["1-10C", "1-20C", "2-20C", "3-40C", "4-40C", "7-80C"].map { "\(board)-\($0)" }
    }
}
