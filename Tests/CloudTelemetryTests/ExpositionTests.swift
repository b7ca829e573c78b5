import Testing

@testable import CloudTelemetry

@Suite struct ExpositionTests {
    let families = [
        MetricFamily(
            name: "cloudplane_requests", help: "Requests \"served\".\nSecond line \\ end.", kind: .counter,
            samples: [Sample([("route", "b")], 2), Sample([("route", "a\"quoted\"\n\\")], 1)]),
        MetricFamily(name: "cloudplane_build", help: "Build.", kind: .info, samples: [Sample([("version", "1.0")], 1)]),
        MetricFamily(
            name: "cloudplane_latency_seconds", help: "Latency.", kind: .histogram, unit: "seconds",
            samples: [
                Sample([("op", "place")], .histogram(buckets: [(0.005, 3), (1, 7), (1e6, 9)], sum: 12.5, count: 10))
            ]),
        MetricFamily(
            name: "cloudplane_temperature_celsius", help: "Temp.", kind: .gauge, unit: "celsius",
            samples: [Sample([("z", "1"), ("a", "2")], .nan), Sample([("a", "1")], .infinity)]),
    ]

    @Test func text004SortsEscapesAndSuffixes() {
        let text = Exposition.render(families, format: .text004)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "# HELP cloudplane_build_info Build.")
        #expect(lines.contains("# TYPE cloudplane_build_info gauge"))
        #expect(lines.contains(#"# HELP cloudplane_requests_total Requests "served".\nSecond line \\ end."#))
        #expect(lines.contains(#"cloudplane_requests_total{route="a\"quoted\"\n\\"} 1"#))
        let a = lines.firstIndex { $0.hasPrefix("cloudplane_requests_total{route=\"a") } ?? -1
        let b = lines.firstIndex { $0 == "cloudplane_requests_total{route=\"b\"} 2" } ?? -1
        #expect(a >= 0 && a < b)
        #expect(lines.contains(#"cloudplane_latency_seconds_bucket{op="place",le="1.0"} 7"#))
        #expect(lines.contains(#"cloudplane_latency_seconds_bucket{op="place",le="1e+06"} 9"#))
        #expect(lines.contains(#"cloudplane_latency_seconds_bucket{op="place",le="+Inf"} 10"#))
        #expect(lines.contains(#"cloudplane_latency_seconds_count{op="place"} 10"#))
        #expect(lines.contains(#"cloudplane_temperature_celsius{a="2",z="1"} NaN"#))
        #expect(lines.contains(#"cloudplane_temperature_celsius{a="1"} +Inf"#))
        #expect(text.hasSuffix("\n") && !text.contains("# EOF"))
    }

    @Test func openMetricsHasFamilyMetadataUnitsAndEOF() {
        let text = Exposition.render(families, format: .openMetrics)
        #expect(text.hasSuffix("# EOF\n"))
        #expect(text.contains("# TYPE cloudplane_requests counter\n"))
        #expect(text.contains("# TYPE cloudplane_build info\n"))
        #expect(text.contains("# UNIT cloudplane_latency_seconds seconds\n"))
        #expect(text.contains(#"# HELP cloudplane_requests Requests \"served\".\nSecond line \\ end."#))
        #expect(text.contains("cloudplane_build_info{version=\"1.0\"} 1\n"))
    }

    @Test(arguments: [
        (0.005, "0.005"), (1.0, "1.0"), (10.0, "10.0"), (1e6, "1e+06"), (123456.0, "123456.0"), (2.5, "2.5"),
        (1e-7, "1e-07"), (0.0001, "0.0001"), (1.5e16, "1.5e+16"), (Double.infinity, "+Inf"), (0.1, "0.1"),
    ])
    func canonicalNumbersMatchGo(value: Double, text: String) {
        #expect(Exposition.canonical(value) == text)
    }

    @Test(arguments: [
        (nil as String?, ExpositionFormat.text004),
        ("text/plain;version=0.0.4", .text004),
        (
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
            .openMetrics
        ),
        ("application/openmetrics-text;version=1.0.0;q=0.2,text/plain;q=0.9", .text004),
        ("application/openmetrics-text;version=0.0.1", .text004),
    ])
    func negotiatesLikePrometheusExpects(accept: String?, format: ExpositionFormat) {
        #expect(ExpositionFormat.negotiate(accept: accept) == format)
    }

    @Test func sameNameFamiliesMergeIntoOneGroup() {
        let a = MetricFamily(
            name: "x_bytes", help: "X.", kind: .gauge, unit: "bytes", samples: [Sample([("k", "1")], 1)])
        let b = MetricFamily(
            name: "x_bytes", help: "X.", kind: .gauge, unit: "bytes", samples: [Sample([("k", "0")], 2)])
        let text = Exposition.render([a, b], format: .text004)
        #expect(text == "# HELP x_bytes X.\n# TYPE x_bytes gauge\nx_bytes{k=\"0\"} 2\nx_bytes{k=\"1\"} 1\n")
    }

    @Test(arguments: ["cloudplane_ok", "_x", "a1"]) func validNames(name: String) {
        #expect(MetricFamily.isValidName(name))
    }

    @Test(arguments: ["", "1a", "a:b", "a-b", "a b"]) func invalidNames(name: String) {
        #expect(!MetricFamily.isValidName(name))
    }
}
