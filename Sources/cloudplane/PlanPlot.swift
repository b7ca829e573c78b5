import Foundation

/// Minimal SVG charts for `cloudplane plan --plot`: a line chart (step lines for CDFs) and a
/// horizontal bar chart, with axes, ticks and a legend.
enum PlanPlot {
    static let width = 720.0
    static let height = 420.0
    static let margin = (left: 70.0, right: 170.0, top: 40.0, bottom: 55.0)
    static let colors = ["#d62728", "#ff7f0e", "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]

    /// One line: a name and its points (drawn as steps when `steps`).
    struct Series {
        var name: String
        var points: [(Double, Double)]
    }

    static func lineChart(
        title: String, xLabel: String, yLabel: String, series: [Series], steps: Bool, marker: (Double, String)? = nil
    ) -> String {
        let xs = series.flatMap { $0.points.map(\.0) } + (marker.map { [$0.0] } ?? [])
        let ys = series.flatMap { $0.points.map(\.1) }
        let xMax = niceCeiling(xs.max() ?? 1)
        let yMax = niceCeiling(ys.max() ?? 1)
        let pw = width - margin.left - margin.right
        let ph = height - margin.top - margin.bottom
        func px(_ x: Double) -> Double { margin.left + x / xMax * pw }
        func py(_ y: Double) -> Double { margin.top + ph - y / yMax * ph }
        var out = header(title)
        out += axes(xMax: xMax, yMax: yMax, xLabel: xLabel, yLabel: yLabel, px: px, py: py)
        for (i, s) in series.enumerated() where !s.points.isEmpty {
            var d = "M\(f(px(s.points[0].0))),\(f(py(steps ? 0 : s.points[0].1)))"
            for (j, p) in s.points.enumerated() {
                if steps && j > 0 { d += " L\(f(px(p.0))),\(f(py(s.points[j - 1].1)))" }
                d += " L\(f(px(p.0))),\(f(py(p.1)))"
            }
            let c = colors[i % colors.count]
            out += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(c)\" stroke-width=\"2\"/>\n"
            out += legend(i, s.name, c)
        }
        if let (x, label) = marker {
            out += "<line x1=\"\(f(px(x)))\" y1=\"\(f(margin.top))\" x2=\"\(f(px(x)))\" y2=\"\(f(margin.top + ph))\" "
            out += "stroke=\"#444\" stroke-dasharray=\"5,4\"/>\n"
            out += text(px(x) + 4, margin.top + 12, label, anchor: "start")
        }
        return out + "</svg>\n"
    }

    static func barChart(title: String, xLabel: String, bars: [(String, Double)]) -> String {
        let xMax = niceCeiling(bars.map(\.1).max() ?? 1)
        let left = 230.0
        let pw = width - left - 40
        let rowH = min(36, (height - margin.top - margin.bottom) / Double(max(1, bars.count)))
        var out = header(title)
        for (i, b) in bars.enumerated() {
            let y = margin.top + Double(i) * rowH
            let w = b.1 / xMax * pw
            out += "<rect x=\"\(f(left))\" y=\"\(f(y + 4))\" width=\"\(f(w))\" height=\"\(f(rowH - 8))\" "
            out += "fill=\"\(colors[i % colors.count])\"/>\n"
            out += text(left - 6, y + rowH / 2 + 4, b.0, anchor: "end")
            out += text(left + w + 4, y + rowH / 2 + 4, format(b.1), anchor: "start")
        }
        out += text(left + pw / 2, height - 15, xLabel, anchor: "middle")
        return out + "</svg>\n"
    }

    static func header(_ title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" "
            + "viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
            + text(width / 2, 22, title, anchor: "middle", size: 15)
    }

    static func axes(
        xMax: Double, yMax: Double, xLabel: String, yLabel: String, px: (Double) -> Double, py: (Double) -> Double
    ) -> String {
        var out = ""
        let x0 = px(0)
        let y0 = py(0)
        out += "<line x1=\"\(f(x0))\" y1=\"\(f(y0))\" x2=\"\(f(px(xMax)))\" y2=\"\(f(y0))\" stroke=\"black\"/>\n"
        out += "<line x1=\"\(f(x0))\" y1=\"\(f(y0))\" x2=\"\(f(x0))\" y2=\"\(f(py(yMax)))\" stroke=\"black\"/>\n"
        for i in 0...5 {
            let xv = xMax * Double(i) / 5
            let yv = yMax * Double(i) / 5
            out +=
                "<line x1=\"\(f(px(xv)))\" y1=\"\(f(y0))\" x2=\"\(f(px(xv)))\" y2=\"\(f(y0 + 5))\" stroke=\"black\"/>\n"
            out += text(px(xv), y0 + 18, format(xv), anchor: "middle")
            out += "<line x1=\"\(f(x0 - 5))\" y1=\"\(f(py(yv)))\" x2=\"\(f(px(xMax)))\" y2=\"\(f(py(yv)))\" "
            out += "stroke=\"#ddd\"/>\n"
            out += text(x0 - 8, py(yv) + 4, format(yv), anchor: "end")
        }
        out += text((x0 + px(xMax)) / 2, height - 15, xLabel, anchor: "middle")
        out += "<text x=\"18\" y=\"\(f((y0 + py(yMax)) / 2))\" text-anchor=\"middle\" "
        out += "transform=\"rotate(-90 18 \(f((y0 + py(yMax)) / 2)))\">\(escape(yLabel))</text>\n"
        return out
    }

    static func legend(_ i: Int, _ name: String, _ color: String) -> String {
        let x = width - margin.right + 15
        let y = margin.top + 10 + Double(i) * 20
        return "<line x1=\"\(f(x))\" y1=\"\(f(y))\" x2=\"\(f(x + 20))\" y2=\"\(f(y))\" stroke=\"\(color)\" "
            + "stroke-width=\"3\"/>\n" + text(x + 26, y + 4, name, anchor: "start")
    }

    static func text(_ x: Double, _ y: Double, _ s: String, anchor: String, size: Int = 12) -> String {
        "<text x=\"\(f(x))\" y=\"\(f(y))\" text-anchor=\"\(anchor)\" font-size=\"\(size)\">\(escape(s))</text>\n"
    }

    /// The smallest of 1, 2, 2.5, 5 × 10ⁿ at or above `v`.
    static func niceCeiling(_ v: Double) -> Double {
        guard v > 0, v.isFinite else { return 1 }
        let p = pow(10, floor(log10(v)))
        for m in [1.0, 2, 2.5, 5, 10] where m * p >= v { return m * p }
        return 10 * p
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }
    static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e9 ? String(Int(v)) : String(format: v < 10 ? "%.2f" : "%.1f", v)
    }
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    /// Writes `svg` to `path` (the caller checked the extension).
    static func write(_ svg: String, to path: String) throws {
        try Data(svg.utf8).write(to: URL(fileURLWithPath: path))
    }
}
