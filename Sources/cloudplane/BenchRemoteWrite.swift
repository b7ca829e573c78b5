import ArgumentParser
import CloudRemoteWrite
import CloudScenario

struct BenchRemoteWrite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remote-write",
        abstract: "Remote-write 1.0 encode + Snappy compress throughput on one core (no network).")

    @Option(help: "Samples encoded and compressed in total.") var samples = 10_000_000
    @Option(help: "Distinct series (4 labels plus __name__).") var series = 100_000
    @Option(help: "Samples per request.") var batch = 2000
    @Option(help: "Measured runs (the median is reported).") var runs = 3
    @Option(help: "text or json.") var format: OutputFormat = .text

    func validate() throws {
        guard samples >= 1 && series >= 1 && batch >= 1 && runs >= 1 else {
            throw ValidationError("--samples, --series, --batch and --runs must be at least 1")
        }
    }

    func run() throws {
        var encoder = RequestEncoder()
        for i in 0..<series {
            _ = encoder.add(series: [
                ("__name__", "cloudplane_vm_cpu_seconds_total"), ("host", "host-\(i % 997)"),
                ("tenant", "tenant-\(i % 31)"), ("vm", "vm-\(i)"), ("zone", "az-\(i % 3)"),
            ])
        }
        let base: Int64 = 1_790_000_000_000
        var rates: [Double] = []
        var compressed = 0
        var raw = 0
        let clock = ContinuousClock()
        for _ in 0..<runs {
            compressed = 0
            raw = 0
            var done = 0
            var buffer: [UInt8] = []
            var pending: [PendingSample] = []
            pending.reserveCapacity(batch)
            let start = clock.now
            while done < samples {
                let n = min(batch, samples - done)
                pending.removeAll(keepingCapacity: true)
                for k in 0..<n {
                    let i = done + k
                    pending.append(
                        PendingSample(
                            series: Int32(i % series), timestamp: base + Int64(i / series) * 15_000,
                            value: Double(i % 1000) * 0.37))
                }
                buffer.removeAll(keepingCapacity: true)
                encoder.encodeV1(pending[...], into: &buffer)
                raw += buffer.count
                compressed += Snappy.compress(buffer).count
                done += n
            }
            rates.append(Double(samples) / seconds(clock.now - start))
        }
        let report = JSON.object([
            ("benchmark", .string("remote_write.encode_compress")),
            ("protocol", .string("1.0")),
            ("samples", .int(Int64(samples))),
            ("series", .int(Int64(series))),
            ("samples_per_request", .int(Int64(batch))),
            ("runs", .int(Int64(runs))),
            ("samples_per_second", .int(Int64(median(rates)))),
            ("samples_per_second_runs", .array(rates.map { .int(Int64($0)) })),
            ("raw_bytes_per_sample", JSON.rounded(Double(raw) / Double(samples), 2)),
            ("bytes_per_sample", JSON.rounded(Double(compressed) / Double(samples), 2)),
            ("threads", .int(1)),
        ])
        print(format == .json ? report.serialized() : report.pretty())
    }
}
