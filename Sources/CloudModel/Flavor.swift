/// A named bundle of instance resources (general purpose, database, inference GPU, training GPU).
public struct Flavor: Hashable, Sendable, Codable {
    public var name: String
    public var vcpus: Int
    public var memoryMB: Int
    public var gpus: Int

    public init(name: String, vcpus: Int, memoryMB: Int, gpus: Int = 0) {
        self.name = name
        self.vcpus = vcpus
        self.memoryMB = memoryMB
        self.gpus = gpus
    }

    enum CodingKeys: String, CodingKey {
        case name, vcpus, gpus
        case memoryMB = "memory_mb"
    }

    /// The built-in flavors.
    public static let builtIn: [Flavor] = [
        Flavor(name: "m1.small", vcpus: 2, memoryMB: 4096),
        Flavor(name: "m1.medium", vcpus: 4, memoryMB: 8192),
        Flavor(name: "m1.large", vcpus: 8, memoryMB: 32768),
        Flavor(name: "m1.xlarge", vcpus: 16, memoryMB: 65536),
        Flavor(name: "db.large", vcpus: 16, memoryMB: 131_072),
        Flavor(name: "gpu.inference", vcpus: 16, memoryMB: 131_072, gpus: 1),
        Flavor(name: "gpu.training4", vcpus: 64, memoryMB: 524_288, gpus: 4),
        Flavor(name: "gpu.training8", vcpus: 128, memoryMB: 1_048_576, gpus: 8),
    ]

    /// Looks a built-in flavor up by name.
    public static func named(_ name: String) -> Flavor? { builtIn.first { $0.name == name } }
}
