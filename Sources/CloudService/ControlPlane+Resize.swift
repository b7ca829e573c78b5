import CloudModel
import CloudStore
import Foundation

/// A resize request: the new CPU shape and memory, and the flavor they came from.
struct ResizeRequest {
    var cpu: CPUShape?
    var memory: Int?
    var flavor: Flavor?
}

extension ControlPlane {
    /// Reads a resize body `{flavor?, cpu?: {sockets?, cores, threads?}, memory?}`: a flavor
    /// gives both sizes, `cpu` or `memory` override it; at least one is required.
    static func parseResize(_ bytes: [UInt8]) throws -> ResizeRequest {
        let b = try JSONBody(bytes)
        var r = ResizeRequest()
        r.flavor = parseFlavor(b)
        r.cpu = b.object("cpu").map(parseCPU)
        r.memory = b.int("memory", in: 64...(16 << 20))
        if !b.has("flavor") && !b.has("cpu") && !b.has("memory") {
            b.reject("flavor", "a resize names a flavor, cpu or memory")
        }
        try b.finish()
        return r
    }

    /// `POST /api/v1/instances/{id}/resize`: a cold resize to a flavor or to new CPU and memory
    /// sizes, as a task (`instance.resize`). The instance must be running or stopped with no
    /// action in progress; the new size is checked against what the fleet offers first (422
    /// naming the field when no node could hold it), and a resize never changes GPUs.
    public func resize(
        _ p: Principal, instance id: String, body bytes: [UInt8], ifMatch: UInt64?, idempotencyKey: String?,
        admission: (any InstanceBackend)?
    ) async throws -> ServiceReply {
        let r = try Self.parseResize(bytes)
        let current = try await get(InstanceRecord.self, Table.instances, id, "instance").value
        let target = try Self.resized(current, r)
        if let admission, let e = await admission.validate(target) { throw ServiceError.invalid([e]) }
        var args = [
            "sockets": "\(target.cpu.sockets)", "cores": "\(target.cpu.cores)", "threads": "\(target.cpu.threads)",
            "memory": "\(target.memory)",
        ]
        if let f = r.flavor { args["flavor"] = f.name }
        return try await act(
            p, instance: id, action: "resize", arguments: args, ifMatch: ifMatch, idempotencyKey: idempotencyKey,
            request: bytes)
    }

    /// `inst` at the requested size; 422 when it is the same size or the flavor would change GPUs.
    static func resized(_ inst: InstanceRecord, _ r: ResizeRequest) throws(ServiceError) -> InstanceRecord {
        var out = inst
        if let f = r.flavor {
            let gpus = inst.gpu?.mode == "passthrough" ? inst.gpu?.count ?? 0 : 0
            guard f.gpus == gpus && (f.gpus > 0 || inst.gpu == nil) else {
                throw .invalid(
                    ["flavor"], "flavor '\(f.name)' has \(f.gpus) GPUs; a resize keeps the instance's GPUs (\(gpus))")
            }
            out.cpu = CPUShape(cores: f.vcpus)
            out.memory = f.memoryMB
            out.flavor = f.name
        } else {
            out.flavor = nil
        }
        if let c = r.cpu { out.cpu = c }
        if let m = r.memory { out.memory = m }
        out.vcpus = out.cpu.vcpus
        guard out.cpu != inst.cpu || out.memory != inst.memory else {
            throw .invalid(
                [r.flavor != nil ? "flavor" : r.cpu != nil ? "cpu" : "memory"],
                "is the instance's current size (\(inst.vcpus) vCPUs, \(inst.memory) MB)")
        }
        return out
    }

    /// The size a resize task asks for, from its arguments (nil when they are malformed).
    public static func resizeTarget(_ inst: InstanceRecord, _ args: [String: String]) -> InstanceRecord? {
        guard let sockets = args["sockets"].flatMap(Int.init), let cores = args["cores"].flatMap(Int.init),
            let threads = args["threads"].flatMap(Int.init), let memory = args["memory"].flatMap(Int.init)
        else { return nil }
        var out = inst
        out.cpu = CPUShape(sockets: sockets, cores: cores, threads: threads)
        out.vcpus = out.cpu.vcpus
        out.memory = memory
        out.flavor = args["flavor"]
        return out
    }
}
