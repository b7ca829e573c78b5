import Foundation

/// A JSON request body read field by field: each read names its path, numbers may come as
/// numeric strings (the reference API accepts both), and `finish()` rejects fields nobody read.
/// Every problem is collected, so one 422 names them all.
public final class JSONBody {
    let object: [String: Any]
    let path: [String]
    var read: Set<String> = []
    let sink: ErrorSink
    var children: [JSONBody] = []

    final class ErrorSink {
        var errors: [FieldError] = []
    }

    /// Parses `bytes` as a JSON object; a body that is not one is a 400.
    public convenience init(_ bytes: [UInt8], maxBytes: Int = 1 << 20) throws(ServiceError) {
        guard bytes.count <= maxBytes else {
            throw ServiceError(413, "Content Too Large", "the body has \(bytes.count) bytes; at most \(maxBytes)")
        }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(bytes.isEmpty ? Array("{}".utf8) : bytes))
        } catch {
            throw .badRequest("the body is not valid JSON: \(Self.reason(error))")
        }
        guard let o = parsed as? [String: Any] else { throw .badRequest("the body must be a JSON object") }
        self.init(object: o, path: [], sink: ErrorSink())
    }

    init(object: [String: Any], path: [String], sink: ErrorSink) {
        self.object = object
        self.path = path
        self.sink = sink
    }

    static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        return (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? ns.localizedDescription
    }

    func fail(_ key: String, _ detail: String) { sink.errors.append(FieldError(path: path + [key], detail: detail)) }

    func value(_ key: String) -> Any? {
        read.insert(key)
        guard let v = object[key], !(v is NSNull) else { return nil }
        return v
    }

    /// True when the body has `key` (null counts as absent).
    public func has(_ key: String) -> Bool { object[key].map { !($0 is NSNull) } ?? false }

    /// A string field; nil when absent (and reported when `required`).
    public func string(_ key: String, required: Bool = false, maxLength: Int = 255) -> String? {
        guard let v = value(key) else {
            if required { fail(key, "is required") }
            return nil
        }
        guard let s = v as? String else {
            fail(key, "must be a string")
            return nil
        }
        if s.count > maxLength { fail(key, "must be at most \(maxLength) characters") }
        return s
    }

    /// An integer field in `range`; a JSON number or a numeric string.
    public func int(_ key: String, required: Bool = false, in range: ClosedRange<Int> = Int.min...Int.max) -> Int? {
        guard let v = value(key) else {
            if required { fail(key, "is required") }
            return nil
        }
        var n: Int?
        if let s = v as? String {
            n = Int(s.trimmingCharacters(in: .whitespaces))
        } else if let num = v as? NSNumber, !Self.isBool(num) {
            let d = num.doubleValue
            if d.rounded() == d && abs(d) < 9e15 { n = Int(d) }
        }
        guard let n else {
            fail(key, "must be an integer")
            return nil
        }
        guard range.contains(n) else {
            fail(key, "must be between \(range.lowerBound) and \(range.upperBound), got \(n)")
            return nil
        }
        return n
    }

    /// A number field (JSON number or numeric string).
    public func double(_ key: String, required: Bool = false, in range: ClosedRange<Double>) -> Double? {
        guard let v = value(key) else {
            if required { fail(key, "is required") }
            return nil
        }
        var d: Double?
        if let s = v as? String {
            d = Double(s)
        } else if let num = v as? NSNumber, !Self.isBool(num) {
            d = num.doubleValue
        }
        guard let d, d.isFinite else {
            fail(key, "must be a number")
            return nil
        }
        guard range.contains(d) else {
            fail(key, "must be between \(range.lowerBound) and \(range.upperBound), got \(d)")
            return nil
        }
        return d
    }

    /// JSON booleans arrive as NSNumber of ObjC type `c` (JSONSerialization never makes other chars).
    static func isBool(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }

    /// A boolean field.
    public func bool(_ key: String) -> Bool? {
        guard let v = value(key) else { return nil }
        guard let n = v as? NSNumber, Self.isBool(n) else {
            fail(key, "must be true or false")
            return nil
        }
        return n.boolValue
    }

    /// A string that must be one of `allowed`.
    public func choice(_ key: String, _ allowed: [String], required: Bool = false) -> String? {
        guard let s = string(key, required: required) else { return nil }
        guard allowed.contains(s) else {
            fail(key, "must be one of \(allowed.joined(separator: ", ")), got '\(s)'")
            return nil
        }
        return s
    }

    /// A nested object field.
    public func object(_ key: String, required: Bool = false) -> JSONBody? {
        guard let v = value(key) else {
            if required { fail(key, "is required") }
            return nil
        }
        guard let o = v as? [String: Any] else {
            fail(key, "must be an object")
            return nil
        }
        let child = JSONBody(object: o, path: path + [key], sink: sink)
        children.append(child)
        return child
    }

    /// Reports `detail` against field `key` (a rule that spans fields).
    public func reject(_ key: String, _ detail: String) { fail(key, detail) }

    /// Throws a 422 naming every problem found, including fields no read asked for.
    public func finish() throws(ServiceError) {
        collectUnknown()
        if !sink.errors.isEmpty { throw .invalid(sink.errors) }
    }

    func collectUnknown() {
        for key in object.keys.sorted() where !read.contains(key) { fail(key, "is not a known field") }
        for c in children { c.collectUnknown() }
    }
}

extension JSONBody {
    /// A field kept as given (arrays of networks, per-type metadata): only its JSON type is
    /// checked. Returns it re-encoded, or nil when absent.
    public func opaque(_ key: String, array: Bool) -> [UInt8]? {
        guard let v = value(key) else { return nil }
        guard array ? v is [Any] : v is [String: Any] else {
            fail(key, array ? "must be an array" : "must be an object")
            return nil
        }
        return (try? JSONSerialization.data(withJSONObject: v, options: [.sortedKeys])).map(Array.init)
    }
}
