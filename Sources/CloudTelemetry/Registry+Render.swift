import Synchronization

/// One rendered scrape.
public struct ScrapeBody: Sendable {
    /// The body, ready to send.
    public let bytes: [UInt8]
    /// Sample lines written (histogram buckets, sums and counts included).
    public let samples: Int
}

extension MetricRegistry {
    /// The scrape body: registered and collected families merged by name, in name order, each
    /// one group, series in label order.
    public func render(format: ExpositionFormat, sizeHint: Int = 1 << 16) -> ScrapeBody {
        var out: [UInt8] = []
        out.reserveCapacity(sizeHint)
        let samples = render(format: format, into: &out)
        return ScrapeBody(bytes: out, samples: samples)
    }

    /// Renders into `out` (emptied first, its capacity kept: no new allocation once it is big
    /// enough) and returns the sample lines written.
    @discardableResult
    public func render(format: ExpositionFormat, extra: [MetricFamily] = [], into out: inout [UInt8]) -> Int {
        out.removeAll(keepingCapacity: true)
        let collected = Exposition.merged(collect() + extra)
        var samples = 0
        var ci = 0
        for name in names() {
            while ci < collected.count && collected[ci].name < name {
                samples += write(collected[ci], format, &out)
                ci += 1
            }
            guard let store = families.withLock({ $0[name] }) else { continue }
            var extra: MetricFamily?
            if ci < collected.count && collected[ci].name == name {
                extra = collected[ci]
                ci += 1
            }
            samples += store.render(format, &out, extra: extra)
        }
        while ci < collected.count {
            samples += write(collected[ci], format, &out)
            ci += 1
        }
        if format == .openMetrics { ByteWriter.append("# EOF\n", to: &out) }
        return samples
    }

    func write(_ f: MetricFamily, _ format: ExpositionFormat, _ out: inout [UInt8]) -> Int {
        Exposition.write(f, format, &out)
        return f.samples.reduce(0) { n, s in
            if case .histogram(let b, _, _) = s.value { return n + b.count + 3 }
            return n + 1
        }
    }
}

extension FamilyStore {
    /// Writes the header and every live series; `extra` (a collector's family of the same name
    /// and kind) joins the same group. Returns the sample lines written.
    func render(_ format: ExpositionFormat, _ out: inout [UInt8], extra: MetricFamily?) -> Int {
        Exposition.writeHeader(name: name, sampleName: sampleName, help: help, kind: kind, unit: unit, format, &out)
        let leTexts = bounds.map { Array(Exposition.canonical($0).utf8) }
        var written = 0
        table.withLock { t in
            let order = t.sortedOrder()
            let width = bounds.count + 1
            t.arena.withUnsafeBufferPointer { arena in
                for s in order {
                    let labels = UnsafeBufferPointer(rebasing: arena[t.starts[s]..<t.starts[s + 1]])
                    if kind == .histogram {
                        var cumulative: UInt64 = 0
                        for i in 0..<width {
                            cumulative &+= t.counts[s * width + i]
                            ByteWriter.append(name, to: &out)
                            ByteWriter.append("_bucket{", to: &out)
                            out.append(contentsOf: labels)
                            if !labels.isEmpty { out.append(0x2C) }
                            ByteWriter.append("le=\"", to: &out)
                            if i < bounds.count {
                                out.append(contentsOf: leTexts[i])
                            } else {
                                ByteWriter.append("+Inf", to: &out)
                            }
                            ByteWriter.append("\"} ", to: &out)
                            ByteWriter.appendCount(cumulative, to: &out)
                            out.append(0x0A)
                        }
                        line(name + "_sum", labels, t.values[s], &out)
                        line(name + "_count", labels, Double(cumulative), &out)
                        written += width + 2
                    } else {
                        line(sampleName, labels, t.values[s], &out)
                        written += 1
                    }
                }
            }
        }
        if let extra, extra.kind == kind {
            let f = MetricFamily(name: name, help: help, kind: kind, unit: unit, samples: extra.samples)
            for s in Exposition.sortedSamples(f) { Exposition.writeSample(f, s, &out) }
            written += extra.samples.count
        }
        return written
    }

    @inline(__always)
    func line(_ name: String, _ labels: UnsafeBufferPointer<UInt8>, _ v: Double, _ out: inout [UInt8]) {
        ByteWriter.append(name, to: &out)
        if !labels.isEmpty {
            out.append(0x7B)
            out.append(contentsOf: labels)
            out.append(0x7D)
        }
        out.append(0x20)
        ByteWriter.appendNumber(v, to: &out)
        out.append(0x0A)
    }
}
