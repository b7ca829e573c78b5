import CoreMetrics
import Testing

@testable import CloudTelemetry

@Suite struct RegistryTests {
    func text(_ r: MetricRegistry, _ f: ExpositionFormat = .text004) -> String {
        String(decoding: r.render(format: f).bytes, as: UTF8.self)
    }

    @Test func manySeriesInOneFamilyRenderSortedOnce() {
        let r = MetricRegistry()
        for i in (0..<50_000).reversed() {
            r.gauge("cloudplane_vm_memory_bytes", help: "Memory.", unit: "bytes", labels: [("vm", "vm-\(i)")])
                .set(Double(i))
        }
        let body = text(r)
        let lines = body.split(separator: "\n")
        #expect(lines.count == 50_002)
        #expect(lines[2] == "cloudplane_vm_memory_bytes{vm=\"vm-0\"} 0")
        let values = lines.dropFirst(2).map { $0.split(separator: " ")[0] }
        #expect(values == values.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }

    @Test func labelOrderIsNotIdentity() {
        let r = MetricRegistry()
        let a = r.counter("cloudplane_requests", help: "R.", labels: [("a", "1"), ("b", "2")])
        let b = r.counter("cloudplane_requests", help: "R.", labels: [("b", "2"), ("a", "1")])
        a.increment()
        b.increment(by: 2)
        #expect(
            text(r) == "# HELP cloudplane_requests_total R.\n# TYPE cloudplane_requests_total counter\n"
                + "cloudplane_requests_total{a=\"1\",b=\"2\"} 3\n")
    }

    @Test func histogramsAreCumulativeWithInf() {
        let r = MetricRegistry()
        let h = r.histogram("cloudplane_op_seconds", help: "Op.", unit: "seconds", buckets: [1, 0.1, 10])
        for v in [0.05, 0.5, 0.5, 20] { h.observe(v) }
        let body = text(r, .openMetrics)
        #expect(body.contains("cloudplane_op_seconds_bucket{le=\"0.1\"} 1\n"))
        #expect(body.contains("cloudplane_op_seconds_bucket{le=\"1.0\"} 3\n"))
        #expect(body.contains("cloudplane_op_seconds_bucket{le=\"10.0\"} 3\n"))
        #expect(body.contains("cloudplane_op_seconds_bucket{le=\"+Inf\"} 4\n"))
        #expect(body.contains("cloudplane_op_seconds_count 4\n"))
        #expect(body.contains("# UNIT cloudplane_op_seconds seconds\n"))
        #expect(body.hasSuffix("# EOF\n"))
    }

    @Test func collectorsMergeInNameOrderAndRemovedSeriesVanish() {
        let r = MetricRegistry()
        r.gauge("cloudplane_b", help: "B.").set(1)
        r.gauge("cloudplane_host_up", help: "Up.", labels: [("host", "x")]).set(1)
        r.remove("cloudplane_host_up", labels: [("host", "x")])
        r.register(collector: "sim") {
            [
                MetricFamily(name: "cloudplane_a", help: "A.", kind: .gauge, samples: [Sample([], 7)]),
                MetricFamily(name: "cloudplane_c", help: "C.", kind: .gauge, samples: [Sample([("k", "v\"\n")], .nan)]),
            ]
        }
        let body = text(r)
        let order = ["cloudplane_a ", "cloudplane_b ", "cloudplane_c{"].map { body.firstRange(of: $0)?.lowerBound }
        #expect(order.allSatisfy { $0 != nil })
        #expect(order.compactMap { $0 } == order.compactMap { $0 }.sorted())
        #expect(body.contains("cloudplane_c{k=\"v\\\"\\n\"} NaN\n"))
        #expect(!body.contains("host=\"x\""))
        #expect(r.render(format: .text004).samples == 3)
    }

    @Test func swiftMetricsLandInTheRegistry() {
        let r = MetricRegistry()
        let f = CloudMetricsFactory(registry: r, help: ["cloudplane_jobs": "Jobs done."])
        Counter(label: "cloudplane_jobs_total", dimensions: [("kind", "a")], factory: f).increment(by: 3)
        Timer(label: "cloudplane_step", factory: f).recordNanoseconds(2_000_000)
        Gauge(label: "cloudplane.queue-depth", factory: f).record(4)
        Recorder(label: "cloudplane_batch_size", factory: f).record(150)
        let body = text(r)
        #expect(body.contains("# HELP cloudplane_jobs_total Jobs done.\n"))
        #expect(body.contains("cloudplane_jobs_total{kind=\"a\"} 3\n"))
        #expect(body.contains("cloudplane_step_seconds_bucket{le=\"0.0025\"} 1\n"))
        #expect(body.contains("cloudplane_queue_depth 4\n"))
        #expect(body.contains("cloudplane_batch_size_bucket{le=\"1000.0\"} 1\n"))
    }

    @Test(arguments: [
        (0.0, "0"), (-12.0, "-12"), (1e15, "1000000000000000"), (1e17, "1e+17"), (2.5, "2.5"),
        (Double.infinity, "+Inf"),
        (-Double.infinity, "-Inf"), (123_456_789.0, "123456789"),
    ])
    func numbersAreSpelledForBothFormats(value: Double, spelled: String) {
        var out: [UInt8] = []
        ByteWriter.appendNumber(value, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == spelled)
    }
}
