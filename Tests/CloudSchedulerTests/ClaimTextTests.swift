import CloudScheduler
import Testing

/// A claim survives its text form (how the HA record stores it), names with separators included.
@Suite struct ClaimTextTests {
    static var node: NUMAAllocation {
        var a = NUMAAllocation(node: 1)
        (a.dedicatedCPUs, a.sharedVCPUs, a.memoryMB, a.huge2M, a.huge1G) = (4, 2, 8192, 16, 1)
        return a
    }

    static let claims: [Claim] = [
        Claim(host: 0, numa: [], gpus: [], groups: []),
        Claim(host: 7, numa: [node, NUMAAllocation(node: 0)], gpus: [.passthrough(gpu: 3)], groups: ["web"]),
        Claim(
            host: 12, numa: [node],
            gpus: [
                .vfs(gpu: 0, count: 2), .vgpu(gpu: 1, type: "A100-4C", count: 3),
                .vgpuMixed(gpu: 2, type: "L40S-8Q", count: 1, gigabytes: 8), .mig(gpu: 4, profile: "1g.10gb", start: 6),
            ], groups: ["a;b|c:d,e=f%g", "ünï"]),
    ]

    @Test(arguments: claims)
    func roundTrips(_ c: Claim) throws {
        let decoded = try #require(Claim(encoded: c.encoded))
        #expect(decoded == c)
    }

    @Test(arguments: [
        "", "host=1", "host=x;numa=;gpu=;group=", "host=1;numa=0:1,2;gpu=;group=", "host=1;numa=;gpu=zz:1;group=",
    ])
    func rejectsTextThatIsNotAClaim(_ text: String) {
        #expect(Claim(encoded: text) == nil)
    }
}
