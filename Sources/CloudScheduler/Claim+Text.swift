/// A claim as one line of text, for storing it with the record that needs it (the HA record
/// keeps its VM's claim): `host=3;numa=0:4,0,8192,0,0;gpu=pt:1,mig:2:1g.10gb:4;group=web`.
/// Free-form names (vGPU types, MIG profiles, groups) are percent-escaped, so any name round-trips.
/// Deterministic and Foundation-free.
extension Claim {
    /// The claim's text form.
    public var encoded: String {
        let numa = self.numa.map { a in
            "\(a.node):\(a.dedicatedCPUs),\(a.sharedVCPUs),\(a.memoryMB),\(a.huge2M),\(a.huge1G)"
        }
        let gpus = self.gpus.map { g -> String in
            switch g {
            case .passthrough(let i): "pt:\(i)"
            case .vfs(let i, let n): "vf:\(i):\(n)"
            case .vgpu(let i, let t, let n): "vgpu:\(i):\(Self.escape(t)):\(n)"
            case .vgpuMixed(let i, let t, let n, let gb): "vgpumix:\(i):\(Self.escape(t)):\(n):\(gb)"
            case .mig(let i, let p, let s): "mig:\(i):\(Self.escape(p)):\(s)"
            }
        }
        return "host=\(host);numa=\(numa.joined(separator: "|"));gpu=\(gpus.joined(separator: "|"));group="
            + groups.map(Self.escape).joined(separator: "|")
    }

    /// Parses `encoded`; nil when the text is not a claim's text form.
    public init?(encoded text: String) {
        let fields = text.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 4, fields[0].hasPrefix("host="), fields[1].hasPrefix("numa="),
            fields[2].hasPrefix("gpu="), fields[3].hasPrefix("group="), let host = Int(fields[0].dropFirst(5))
        else { return nil }
        var numa: [NUMAAllocation] = []
        for item in Self.items(fields[1].dropFirst(5)) {
            guard let a = Self.numa(item) else { return nil }
            numa.append(a)
        }
        var gpus: [GPUAllocation] = []
        for item in Self.items(fields[2].dropFirst(4)) {
            guard let g = Self.gpu(item) else { return nil }
            gpus.append(g)
        }
        var groups: [String] = []
        for item in Self.items(fields[3].dropFirst(6)) {
            guard let g = Self.unescape(item) else { return nil }
            groups.append(g)
        }
        self.init(host: host, numa: numa, gpus: gpus, groups: groups)
    }

    static func items(_ s: Substring) -> [Substring] {
        s.isEmpty ? [] : s.split(separator: "|", omittingEmptySubsequences: false)
    }

    static func numa(_ item: Substring) -> NUMAAllocation? {
        let parts = item.split(separator: ":")
        guard parts.count == 2, let node = Int(parts[0]) else { return nil }
        let n = parts[1].split(separator: ",").compactMap { Int($0) }
        guard n.count == 5 else { return nil }
        var a = NUMAAllocation(node: node)
        (a.dedicatedCPUs, a.sharedVCPUs, a.memoryMB, a.huge2M, a.huge1G) = (n[0], n[1], n[2], n[3], n[4])
        return a
    }

    static func gpu(_ item: Substring) -> GPUAllocation? {
        let p = item.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard let kind = p.first, p.count >= 2, let i = Int(p[1]) else { return nil }
        switch (kind, p.count) {
        case ("pt", 2): return .passthrough(gpu: i)
        case ("vf", 3): return Int(p[2]).map { .vfs(gpu: i, count: $0) }
        case ("vgpu", 4):
            guard let t = unescape(p[2]), let n = Int(p[3]) else { return nil }
            return .vgpu(gpu: i, type: t, count: n)
        case ("vgpumix", 5):
            guard let t = unescape(p[2]), let n = Int(p[3]), let gb = Int(p[4]) else { return nil }
            return .vgpuMixed(gpu: i, type: t, count: n, gigabytes: gb)
        case ("mig", 4):
            guard let profile = unescape(p[2]), let s = Int(p[3]) else { return nil }
            return .mig(gpu: i, profile: profile, start: s)
        default: return nil
        }
    }

    /// Escapes the separators (`%;|:,=`) of a free-form name as `%XX`.
    static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            if "%;|:,=".unicodeScalars.contains(c) {
                let hex = String(c.value, radix: 16, uppercase: true)
                out += "%" + (hex.count < 2 ? "0" + hex : hex)
            } else {
                out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func unescape<S: StringProtocol>(_ s: S) -> String? {
        var out = ""
        var it = s.unicodeScalars.makeIterator()
        while let c = it.next() {
            guard c == "%" else {
                out.unicodeScalars.append(c)
                continue
            }
            guard let a = it.next(), let b = it.next(),
                let v = UInt32(String([Character(a), Character(b)]), radix: 16),
                let scalar = Unicode.Scalar(v)
            else { return nil }
            out.unicodeScalars.append(scalar)
        }
        return out
    }
}
