import Foundation

/// Any JSON value, kept as given (a vSwitch's `config`, a port group's `data`): Codable, so a
/// record can store a client's object and return it unchanged. Objects keep their keys sorted.
public enum JSONValue: Sendable, Equatable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The value of a `JSONSerialization` tree (nil for anything JSON cannot hold).
    public init?(any v: Any) {
        switch v {
        case is NSNull: self = .null
        case let n as NSNumber where JSONBody.isBool(n): self = .bool(n.boolValue)
        case let n as NSNumber: self = .number(n.doubleValue)
        case let s as String: self = .string(s)
        case let a as [Any]:
            var out: [JSONValue] = []
            for e in a {
                guard let j = JSONValue(any: e) else { return nil }
                out.append(j)
            }
            self = .array(out)
        case let o as [String: Any]:
            var out: [String: JSONValue] = [:]
            for (k, e) in o {
                guard let j = JSONValue(any: e) else { return nil }
                out[k] = j
            }
            self = .object(out)
        default: return nil
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let n = try? c.decode(Double.self) {
            self = .number(n)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n):
            if n == n.rounded(), abs(n) < 1e15 { try c.encode(Int64(n)) } else { try c.encode(n) }
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    /// The member `key` of an object (nil otherwise).
    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }
}

extension JSONBody {
    /// An array of integers in `range` (numbers or numeric strings); nil when absent or wrong,
    /// each bad element named by its index.
    public func intArray(_ key: String, required: Bool = false, in range: ClosedRange<Int>) -> [Int]? {
        guard let v = value(key) else {
            if required { fail(key, "is required") }
            return nil
        }
        guard let a = v as? [Any] else {
            fail(key, "must be an array of integers")
            return nil
        }
        var out: [Int] = []
        for (i, e) in a.enumerated() {
            var n: Int?
            if let s = e as? String {
                n = Int(s.trimmingCharacters(in: .whitespaces))
            } else if let num = e as? NSNumber, !Self.isBool(num), num.doubleValue.rounded() == num.doubleValue,
                abs(num.doubleValue) < 9e15
            {
                n = Int(num.doubleValue)
            }
            guard let n, range.contains(n) else {
                sink.errors.append(
                    FieldError(
                        path: path + [key, String(i)],
                        detail: "must be an integer between \(range.lowerBound) and \(range.upperBound)"))
                return nil
            }
            out.append(n)
        }
        return out
    }
}
