import CloudScheduler
import Foundation

/// A placement request in JSON that cannot be used: which field and why.
public struct RequestError: Error, Equatable, CustomStringConvertible, Sendable {
    public let field: String
    public let message: String
    public var description: String { field.isEmpty ? message : "field '\(field)': \(message)" }
}

/// Reads the JSON form of a placement request (`scheduler explain --request`):
///
/// ```json
/// {"profile": "inference-gpu", "vcpus": 8, "cpu_policy": "shared", "memory_mb": 65536,
///  "hugepages": "1G", "numa": "require", "cluster": "gpu", "zone": "az-1", "labels": ["ssd=true"],
///  "groups": [{"group": "db", "kind": "anti_affinity", "strength": "strict"}],
///  "gpu": {"mode": "mig", "profile": "3g.40gb", "count": 1, "model": "H100-SXM5-80GB", "nvlink": "none"}}
/// ```
/// `profile` starts from a named resource profile; the other keys override it.
public enum RequestParser {
    static let keys = [
        "profile", "vcpus", "cpu_policy", "memory_mb", "hugepages", "numa", "cluster", "zone", "labels",
        "groups", "gpu",
    ]

    public static func parse(_ text: String) throws(RequestError) -> ResourceRequest {
        let any: Any
        do {
            any = try JSONSerialization.jsonObject(with: Data(text.utf8))
        } catch {
            throw RequestError(field: "", message: "malformed JSON: \(error.localizedDescription)")
        }
        guard let o = any as? [String: Any] else { throw RequestError(field: "", message: "expected a JSON object") }
        try checkKeys(o, keys, prefix: "")
        var r: ResourceRequest
        if let p = o["profile"] {
            let name = try string(p, "profile")
            guard let base = ResourceProfiles.named(name) else {
                let known = ResourceProfiles.builtIn.map(\.name).joined(separator: ", ")
                throw RequestError(field: "profile", message: "unknown profile '\(name)' (known: \(known))")
            }
            r = base
        } else {
            guard o["vcpus"] != nil, o["memory_mb"] != nil else {
                throw RequestError(
                    field: o["vcpus"] == nil ? "vcpus" : "memory_mb", message: "required without 'profile'")
            }
            r = ResourceRequest(vcpus: 1, memoryMB: 64)
        }
        if let v = o["vcpus"] { r.vcpus = try int(v, "vcpus", 1...4096) }
        if let v = o["memory_mb"] { r.memoryMB = try int(v, "memory_mb", 64...67_108_864) }
        if let v = o["cpu_policy"] { r.cpuPolicy = try enumValue(v, "cpu_policy") }
        if let v = o["hugepages"] { r.hugepages = try enumValue(v, "hugepages") }
        if let v = o["numa"] { r.numa = try enumValue(v, "numa") }
        if let v = o["cluster"] { r.cluster = try string(v, "cluster") }
        if let v = o["zone"] { r.zone = try string(v, "zone") }
        if let v = o["labels"] {
            guard let list = v as? [Any] else {
                throw RequestError(field: "labels", message: "expected a list of key=value")
            }
            r.labels = try list.enumerated().map { i, l throws(RequestError) in try string(l, "labels[\(i)]") }.sorted()
        }
        if let v = o["groups"] { r.groups = try groups(v) }
        if let v = o["gpu"] { r.gpu = try gpu(v, base: r.gpu) }
        return r
    }

    static func checkKeys(_ o: [String: Any], _ allowed: [String], prefix: String) throws(RequestError) {
        for k in o.keys.sorted() where !allowed.contains(k) {
            throw RequestError(field: prefix + k, message: "unknown key (allowed: \(allowed.joined(separator: ", ")))")
        }
    }

    static func string(_ v: Any, _ field: String) throws(RequestError) -> String {
        guard let s = v as? String, !s.isEmpty else {
            throw RequestError(field: field, message: "expected a non-empty string")
        }
        return s
    }

    static func int(_ v: Any, _ field: String, _ range: ClosedRange<Int>) throws(RequestError) -> Int {
        if isBool(v) { throw RequestError(field: field, message: "expected an integer, found a boolean") }
        guard let n = v as? NSNumber, n.doubleValue == n.doubleValue.rounded(),
            abs(n.doubleValue) < 1e15
        else { throw RequestError(field: field, message: "expected an integer, found \(v)") }
        guard range.contains(n.intValue) else {
            throw RequestError(
                field: field, message: "\(n.intValue) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return n.intValue
    }

    /// JSON `true`/`false`: Foundation hands every JSON number over as an NSNumber that also casts
    /// to Bool, so a boolean is told apart by its storage type, never by `is Bool`.
    static func isBool(_ v: Any) -> Bool {
        guard let n = v as? NSNumber else { return false }
        return String(cString: n.objCType) == "c"
    }

    static func enumValue<E: RawRepresentable & CaseIterable>(_ v: Any, _ field: String) throws(RequestError) -> E
    where E.RawValue == String {
        let s = try string(v, field)
        guard let e = E(rawValue: s) else {
            throw RequestError(
                field: field,
                message: "unknown value '\(s)' (known: \(E.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return e
    }

    static func groups(_ v: Any) throws(RequestError) -> [GroupRule] {
        guard let list = v as? [Any] else { throw RequestError(field: "groups", message: "expected a list") }
        var out: [GroupRule] = []
        for (i, item) in list.enumerated() {
            let f = "groups[\(i)]"
            guard let o = item as? [String: Any] else { throw RequestError(field: f, message: "expected an object") }
            try checkKeys(o, ["group", "kind", "strength"], prefix: f + ".")
            guard let g = o["group"], let k = o["kind"] else {
                throw RequestError(field: f, message: "needs 'group' and 'kind'")
            }
            out.append(
                GroupRule(
                    group: try string(g, f + ".group"), kind: try enumValue(k, f + ".kind"),
                    strength: try o["strength"].map { s throws(RequestError) in try enumValue(s, f + ".strength") }
                        ?? .strict))
        }
        return out
    }

    static func gpu(_ v: Any, base: GPURequest?) throws(RequestError) -> GPURequest {
        guard let o = v as? [String: Any] else { throw RequestError(field: "gpu", message: "expected an object") }
        try checkKeys(o, ["mode", "profile", "count", "model", "nvlink"], prefix: "gpu.")
        var g = base ?? GPURequest(mode: .passthrough)
        if let m = o["mode"] {
            g.mode = try enumValue(m, "gpu.mode")
        } else if base == nil {
            throw RequestError(field: "gpu.mode", message: "required (passthrough, sriov, vgpu, mig)")
        }
        if let p = o["profile"] { g.profile = try string(p, "gpu.profile") }
        if let c = o["count"] { g.count = try int(c, "gpu.count", 1...Scheduler.maxGPUCount) }
        if let m = o["model"] { g.model = try string(m, "gpu.model") }
        if let n = o["nvlink"] { g.nvlink = try enumValue(n, "gpu.nvlink") }
        return g
    }
}
