import ArgumentParser
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Server URL, token and output format, from flags or the environment.
struct CtlOptions: ParsableArguments {
    @Option(help: "Control-plane URL (or CLOUDPLANE_URL).") var url: String?
    @Option(help: "API token (or CLOUDPLANE_TOKEN).") var token: String?
    @Option(help: "Output: table or json.") var format: CtlFormat = .table

    var baseURL: String {
        (url ?? ProcessInfo.processInfo.environment["CLOUDPLANE_URL"] ?? "http://127.0.0.1:5007")
            .trimmingCharacters(in: CharacterSet(charactersIn: "/"))
    }

    var bearer: String? { token ?? ProcessInfo.processInfo.environment["CLOUDPLANE_TOKEN"] }

    var client: CtlClient { CtlClient(base: baseURL, token: bearer) }
}

enum CtlFormat: String, ExpressibleByArgument, CaseIterable { case table, json }

/// A refusal of the server, printed as its problem `message` (exit 1).
struct CtlFailure: Error, CustomStringConvertible {
    let description: String
}

/// A small JSON-over-HTTP client of the control plane's API.
struct CtlClient {
    let base: String
    let token: String?

    /// Sends a request; returns the decoded JSON body, or throws the server's message.
    func call(_ method: String, _ path: String, body: Any? = nil, idempotencyKey: String? = nil) async throws -> Any {
        guard let u = URL(string: base + path) else { throw CtlFailure(description: "bad URL '\(base + path)'") }
        var r = URLRequest(url: u)
        r.httpMethod = method
        r.setValue("application/json", forHTTPHeaderField: "Accept")
        if let token { r.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let idempotencyKey { r.setValue(idempotencyKey, forHTTPHeaderField: "Idempotency-Key") }
        if let body {
            r.setValue("application/json", forHTTPHeaderField: "Content-Type")
            r.httpBody = try JSONSerialization.data(withJSONObject: body)
        }
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await URLSession.shared.data(for: r)
        } catch {
            throw CtlFailure(description: "cannot reach \(base): \(error.localizedDescription)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let json = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        guard (200..<300).contains(status) else {
            let message = (json as? [String: Any])?["message"] as? String ?? String(decoding: data, as: UTF8.self)
            throw CtlFailure(description: "\(status): \(message)")
        }
        return json ?? [:]
    }

    /// Waits for task `id` to stop, printing a progress line to stderr; throws unless it ended OK.
    func wait(task id: String) async throws -> [String: Any] {
        var last = ""
        while true {
            let t = try await call("GET", "/api/v1/tasks/\(id)") as? [String: Any] ?? [:]
            let status = t["status"] as? String ?? "?"
            let line = "task \(id) \(t["type"] as? String ?? ""): \(status) (\(t["progress"] as? Int ?? 0)%)"
            if line != last { FileHandle.standardError.write(Data((line + "\n").utf8)) }
            last = line
            if status == "stopped" {
                let exit = t["exitstatus"] as? String ?? ""
                guard exit == "OK" else { throw CtlFailure(description: "task \(id) failed: \(exit)") }
                return t
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}

/// Prints `value` as JSON, or as a table of `columns` (dotted keys reach into objects).
func ctlPrint(_ value: Any, _ format: CtlFormat, columns: [String]) {
    if format == .json {
        let data =
            (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .prettyPrinted])) ?? Data()
        print(String(decoding: data, as: UTF8.self))
        return
    }
    let rows = (value as? [[String: Any]]) ?? [(value as? [String: Any]) ?? [:]]
    let cells = rows.map { row in columns.map { ctlCell(row, $0) } }
    let widths = columns.indices.map { i in max(columns[i].count, cells.map { $0[i].count }.max() ?? 0) }
    func line(_ v: [String]) -> String {
        zip(v, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
    }
    print(line(columns.map { $0.uppercased() }))
    for c in cells { print(line(c)) }
}

func ctlCell(_ row: [String: Any], _ key: String) -> String {
    var v: Any? = row
    for part in key.split(separator: ".") { v = (v as? [String: Any])?[String(part)] }
    switch v {
    case nil, is NSNull: return "-"
    case let s as String: return s
    case let n as NSNumber where String(cString: n.objCType) == "c": return n.boolValue ? "true" : "false"
    case let a as [Any]: return a.map { "\($0)" }.joined(separator: ",")
    case let x?: return "\(x)"
    }
}
