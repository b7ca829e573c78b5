#!/usr/bin/env python3
"""Writes the API's OpenAPI 3.1 document: docs/openapi.json and the copy the server serves at
/api/openapi.json (Sources/CloudAPI/OpenAPIDocument.swift). Regenerate after changing a route:
    python3 scripts/openapi.py
A test checks that both files are what this script writes and that every route of the router is in
the document."""
import json, os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def opt(t):
    """A field that may be null."""
    return {"type": [t, "null"]}


def obj(props, required=()):
    return {"type": "object", "properties": props, "required": list(required)}


def arr(item):
    return {"type": "array", "items": item}


ID = {"type": "string", "pattern": "^[a-z]+-[A-Za-z0-9_-]{21}$"}
PREFIXES = {"organization_id": "org", "datacenter_id": "dc", "cluster_id": "cls", "node_id": "node",
            "instance_id": "inst", "volume_id": "vol", "storage_pool_id": "pool", "svswitch_id": "svs"}


def id_of(param):
    return {"type": "string", "pattern": f"^{PREFIXES[param]}-[A-Za-z0-9_-]{{21}}$"}


TIMESTAMP = {"type": "string"}
NAME = {"type": "string", "pattern": "^[a-zA-Z0-9_-]{3,64}$"}

SCHEMAS = {
    "Problem": obj({
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "code": {"type": "integer"}, "message": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": arr(obj({"pointer": {"type": "string"}, "field": {"type": "string"}, "detail": {"type": "string"}},
                          ["pointer", "field", "detail"])),
    }, ["type", "title", "status", "detail", "code", "message"]),
    "Empty": {"type": "object"},
    "Created": obj({"id": ID}, ["id"]),
    "TaskStarted": obj({"task_id": {"type": "string", "format": "uuid"}, "instance_id": ID}, ["task_id"]),
    "HealthCheck": obj({"id": opt("string"), "cluster_id_hash": opt("string"), "healthy": {"type": "boolean"},
                        "time": {"type": "integer"}}, ["healthy", "time"]),
    "Session": obj({"authenticated": {"type": "boolean"},
                    "user": {"type": ["object", "null"], "properties": {"name": {"type": "string"}}}},
                   ["authenticated"]),
    "Organization": obj({"id": ID, "name": {"type": "string"}, "is_root": {"type": "boolean"},
                         "creation": TIMESTAMP, "description": opt("string")}, ["id", "name", "is_root", "creation"]),
    "Location": obj({"latitude": {"type": "number"}, "longitude": {"type": "number"}}, ["latitude", "longitude"]),
    "Datacenter": obj({"id": ID, "organization_id": ID, "name": {"type": "string"},
                       "location": {"oneOf": [ref("Location"), {"type": "null"}]}, "creation": TIMESTAMP,
                       "description": opt("string")}, ["id", "organization_id", "name", "creation"]),
    "Cluster": obj({"id": ID, "organization_id": ID, "datacenter_id": ID, "name": {"type": "string"},
                    "creation": TIMESTAMP, "description": opt("string"), "node_count": {"type": "integer"},
                    "fault_tolerance": {"type": "integer"}, "standalone": {"type": "boolean"},
                    "leader_id": opt("string"), "has_leader": {"type": "boolean"}, "zone": opt("string"),
                    "health_status": {"type": "string",
                                      "enum": ["healthy", "degraded", "unhealthy", "dead", "unknown"]},
                    "cluster_federation_id": opt("string")},
                   ["id", "organization_id", "datacenter_id", "name", "creation", "node_count"]),
    "Node": obj({"id": ID, "organization_id": ID, "cluster_id": ID, "name": {"type": "string"},
                 "description": opt("string"), "ip_address": {"type": "string"}, "wol_mac": opt("string"),
                 "creation": TIMESTAMP, "alive": {"type": "boolean"}, "last_seen": opt("string"),
                 "joining": {"type": "boolean"}, "rack": opt("string"), "hardware": {"type": "object"},
                 "schedulable": {"type": "boolean"}, "maintenance": {"type": "boolean"}},
                ["id", "organization_id", "cluster_id", "name", "ip_address", "creation", "alive", "joining",
                 "schedulable", "maintenance"]),
    "CPUShape": obj({"sockets": {"type": "integer"}, "cores": {"type": "integer"}, "threads": {"type": "integer"}},
                    ["sockets", "cores", "threads"]),
    "GPURequest": obj({"mode": {"type": "string", "enum": ["passthrough", "sriov", "vgpu", "mig"]},
                       "count": {"type": "integer", "minimum": 1, "maximum": 64}, "profile": opt("string"),
                       "model": opt("string"), "nvlink": {"type": ["string", "null"],
                                                          "enum": ["required", "preferred", "none", None]}},
                      ["mode"]),
    "Instance": obj({"id": ID, "organization_id": {"type": "string"}, "cluster_id": opt("string"),
                     "node_id": opt("string"), "requested_node_id": opt("string"),
                     "type": {"type": "integer", "enum": [0, 1, 2, 3]}, "name": {"type": "string"},
                     "description": opt("string"), "cpu": ref("CPUShape"), "vcpus": {"type": "integer"},
                     "memory": {"type": "integer"}, "creation": TIMESTAMP, "autostart": {"type": "boolean"},
                     "boot_order": {"type": "integer"}, "state": {"type": "integer", "minimum": 1, "maximum": 12},
                     "state_name": {"type": "string"},
                     "ha_priority": {"type": "string", "enum": ["critical", "high", "normal", "none"]},
                     "flavor": opt("string"), "gpu": {"oneOf": [ref("GPURequest"), {"type": "null"}]},
                     "desired_power": {"type": "string", "enum": ["running", "stopped"]},
                     "task_id": opt("string"), "task_state": opt("string"), "claim": opt("string"),
                     "gpus": arr({"type": "string"}), "metadata": {"type": ["object", "null"]}},
                    ["id", "organization_id", "type", "name", "cpu", "vcpus", "memory", "creation", "state",
                     "state_name", "ha_priority", "desired_power", "gpus"]),
    "TaskLogLine": obj({"n": {"type": "integer"}, "t": {"type": "string"}}, ["n", "t"]),
    "Task": obj({"id": {"type": "string"}, "type": {"type": "string"},
                 "status": {"type": "string", "enum": ["queued", "running", "stopped"]}, "exitstatus": opt("string"),
                 "progress": {"type": "integer", "minimum": 0, "maximum": 100}, "instance_id": opt("string"),
                 "node_id": opt("string"), "organization_id": opt("string"), "user": {"type": "string"},
                 "start_time": TIMESTAMP, "end_time": opt("string"),
                 "arguments": {"type": "object", "additionalProperties": {"type": "string"}},
                 "log": arr(ref("TaskLogLine"))},
                ["id", "type", "status", "progress", "user", "start_time", "arguments", "log"]),
    "DeployRequest": obj({
        "destination": obj({"node_id": id_of("node_id"), "cluster_id": id_of("cluster_id")}),
        "name": {"type": "string", "pattern": "^[a-zA-Z0-9_-]{3,255}$"},
        "description": {"type": "string", "maxLength": 512}, "architecture": {"type": "string"},
        "image": {"type": "string"}, "type": {"type": "integer", "enum": [1, 2]},
        "cpu": obj({"sockets": {"type": "integer", "minimum": 1, "maximum": 8},
                    "cores": {"type": "integer", "minimum": 1, "maximum": 512},
                    "threads": {"type": "integer", "minimum": 1, "maximum": 2}}, ["cores"]),
        "memory": {"type": "integer", "minimum": 64}, "autostart": {"type": "boolean"},
        "imds_enabled": {"type": "boolean"}, "networks": arr({"type": "object"}), "metadata": {"type": "object"},
        "organization_id": id_of("organization_id"), "flavor": {"type": "string"},
        "ha_priority": {"type": "string", "enum": ["critical", "high", "normal", "none"]},
        "gpu": ref("GPURequest")}, ["destination", "name"]),
    "PowerRequest": obj({"action": {"type": "string", "enum": ["start", "stop", "restart", "kill"]}}, ["action"]),
    "MigrateRequest": obj({"node_id": id_of("node_id")}),
    "ResizeRequest": obj({
        "flavor": {"type": "string"},
        "cpu": obj({"sockets": {"type": "integer", "minimum": 1, "maximum": 8},
                    "cores": {"type": "integer", "minimum": 1, "maximum": 512},
                    "threads": {"type": "integer", "minimum": 1, "maximum": 2}}, ["cores"]),
        "memory": {"type": "integer", "minimum": 64, "maximum": 16777216}}),
    "InstancePatch": obj({"name": {"type": "string"}, "description": {"type": "string"},
                          "ha_priority": {"type": "string"}, "data": {"type": "object"}}),
    "OrganizationCreate": obj({"name": NAME, "description": {"type": "string"}}, ["name"]),
    "DatacenterCreate": obj({"name": NAME, "organization_id": id_of("organization_id"),
                             "description": {"type": "string"}, "location": ref("Location")},
                            ["name", "organization_id"]),
    "DatacenterPatch": obj({"name": NAME, "description": {"type": "string"}, "location": ref("Location")}),
}
SCHEMAS["OrganizationDetail"] = obj({"organization": ref("Organization"), "datacenters": arr(ref("Datacenter")),
                                     "clusters": arr(ref("Cluster")), "nodes": arr(ref("Node"))},
                                    ["organization", "datacenters", "clusters", "nodes"])
SCHEMAS["DatacenterDetail"] = obj({"datacenter": ref("Datacenter"), "clusters": arr(ref("Cluster"))},
                                  ["datacenter", "clusters"])
SCHEMAS["ClusterDetail"] = obj({"cluster": ref("Cluster"), "nodes": arr(ref("Node"))}, ["cluster", "nodes"])
SCHEMAS["ClusterHardware"] = obj({"partial": {"type": "boolean"}, "vcpus": {"type": "integer"},
                                  "memory_gb": {"type": "integer"}, "storage_gb": {"type": "integer"}},
                                 ["partial", "vcpus", "memory_gb", "storage_gb"])
SCHEMAS["NodeDetail"] = obj({"node": ref("Node"), "instances": arr(ref("Instance")), "hostname": {"type": "string"},
                             "os": {"type": "object"}, "time": {"type": "object"}, "pce_version": {"type": "string"}},
                            ["node", "instances", "hostname", "os", "time", "pce_version"])
SCHEMAS["InstanceDetail"] = obj({"instance": ref("Instance")}, ["instance"])
VLAN = {"type": ["integer", "string"]}
SCHEMAS.update({
    "NodeStoragePool": obj({"id": ID, "type": {"type": "integer", "enum": [1, 3, 4, 5, 6, 7]}, "name": NAME,
                            "initialized": {"type": "boolean"}, "available": {"type": "boolean"},
                            "can_hold_images": {"type": "boolean"},
                            "usage": obj({"capacity": {"type": "number"}, "allocated": {"type": "number"},
                                          "available": {"type": "number"}, "percent_used": {"type": "number"}},
                                         ["capacity", "allocated", "available", "percent_used"]),
                            "volume_count": {"type": "integer"}},
                           ["id", "type", "name", "initialized", "available", "can_hold_images", "usage",
                            "volume_count"]),
    "ClusterStoragePool": obj({"id": ID, "cluster_id": ID, "name": NAME, "description": opt("string"),
                               "type": {"type": "integer", "enum": [1, 3, 4, 5, 6, 7]},
                               "metadata": obj({"_type": {"type": "integer"}, "target": {"type": "string"}},
                                               ["_type", "target"]),
                               "creation": TIMESTAMP, "node_count": {"type": "integer", "minimum": 1},
                               "can_hold_images": {"type": "boolean"}, "is_default": {"type": "boolean"},
                               "capacity_gb": {"type": "number"}, "allocated_gb": {"type": "number"},
                               "node_pools": arr(ID)},
                              ["id", "cluster_id", "name", "type", "metadata", "creation", "node_count",
                               "can_hold_images", "is_default", "capacity_gb", "allocated_gb", "node_pools"]),
    "Image": obj({"name": {"type": "string"}, "size": {"type": "number"}, "creation": TIMESTAMP,
                  "type": {"type": "integer", "enum": [0, 1, 2, 3]}, "storage_pool_id": opt("string"),
                  "node_id": ID}, ["name", "size", "creation", "type", "storage_pool_id"]),
    "Volume": obj({"id": ID, "storage_pool_id": ID, "node_id": ID, "name": {"type": "string"},
                   "fq_name": {"type": "string"}, "description": opt("string"),
                   "status": {"type": "integer", "minimum": 0, "maximum": 6}, "size": {"type": "number"},
                   "metadata": obj({"driver": {"type": "string", "enum": ["qcow2", "vmdk", "raw"]}}, ["driver"]),
                   "attached": {"type": "boolean"}, "attached_to": opt("string"), "creation": TIMESTAMP},
                  ["id", "storage_pool_id", "node_id", "name", "fq_name", "status", "size", "metadata", "attached",
                   "creation"]),
    "VolumeCreate": obj({"name": NAME, "size": {"type": "number", "minimum": 0.001, "maximum": 1048576},
                         "description": {"type": "string", "maxLength": 512},
                         "driver": {"type": "string", "enum": ["qcow2", "vmdk", "raw"]}}, ["name", "size"]),
    "VolumePatch": obj({"description": {"type": "string", "maxLength": 512}}),
    "VolumeResize": obj({"size": {"type": "number", "minimum": 0.001, "maximum": 1048576}}, ["size"]),
    "VolumeCreated": obj({"volume_id": ID}, ["volume_id"]),
    "TaskOnly": obj({"task_id": {"type": "string", "format": "uuid"}}, ["task_id"]),
    "VSwitch": obj({"id": ID, "type": {"type": "integer", "enum": [1, 2]}, "node_id": ID, "cluster_id": ID,
                    "name": {"type": "string"}, "description": opt("string"), "config": {"type": "object"},
                    "creation": TIMESTAMP, "port_group_count": {"type": "integer"},
                    "uplinks": arr({"type": "string"}), "uplink_count": {"type": "integer"}},
                   ["id", "type", "node_id", "name", "config", "creation", "port_group_count", "uplink_count"]),
    "VSwitchCreate": obj({"name": {"type": "string", "pattern": "^svswitch[0-9]+$", "maxLength": 16},
                          "description": {"type": "string", "maxLength": 512}, "config": {"type": "object"}},
                         ["name"]),
    "VSwitchPatch": obj({"description": {"type": "string", "maxLength": 512}, "config": {"type": "object"}}),
    "PortGroupConfig": obj({"type": {"type": "integer", "enum": [1, 2, 3]},
                            "data": obj({"_type": {"type": "integer", "enum": [1, 2, 3]}, "vlan_id": VLAN,
                                         "trunk_vlans": arr(VLAN), "native_vlan_id": VLAN}, ["_type"])},
                           ["type", "data"]),
    "PortGroup": obj({"vswitch_id": ID, "node_id": ID, "name": {"type": "string"}, "description": opt("string"),
                      "config": ref("PortGroupConfig"), "creation": TIMESTAMP},
                     ["vswitch_id", "name", "config", "creation"]),
    "PortGroupCreate": obj({"name": NAME, "description": {"type": "string", "maxLength": 512},
                            "config": ref("PortGroupConfig")}, ["name", "config"]),
    "PortGroupCreated": obj({"name": {"type": "string"}}, ["name"]),
})
SCHEMAS["ClusterPatch"] = obj({"name": NAME, "description": {"type": "string", "maxLength": 512}})
SCHEMAS["NodePatch"] = obj({"name": NAME, "description": {"type": "string", "maxLength": 512},
                            "wol_mac": {"type": "string", "pattern": "^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$"}})
SCHEMAS["InstanceState"] = obj({"id": ID, "state": {"type": "integer"}}, ["id", "state"])

PAGE = [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
        {"name": "cursor", "in": "query", "schema": {"type": "string"}}]


def q(name, kind=None):
    return {"name": name, "in": "query", "schema": id_of(kind) if kind else {"type": "string"}}


def path_param(name):
    if name == "task_id":
        schema = {"type": "string", "format": "uuid"}
    elif name == "port_group_name":
        schema = {"type": "string"}
    else:
        schema = id_of(name)
    return {"name": name, "in": "path", "required": True, "schema": schema}


def op(summary, response, params=(), body=None, tag="", mutating=False, paged=False):
    o = {"summary": summary, "tags": [tag] if tag else [], "parameters": list(params) + (PAGE if paged else []),
         "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": response}}},
                       "default": {"description": "A problem (RFC 9457, with `code` and `message`)",
                                   "content": {"application/problem+json": {"schema": ref("Problem")}}}}}
    if mutating:
        o["parameters"].append({"name": "Idempotency-Key", "in": "header", "schema": {"type": "string"}})
    if body:
        o["requestBody"] = {"required": True, "content": {"application/json": {"schema": ref(body)}}}
    return o


def routes():
    p = {}

    def add(path, method, o):
        names = [seg[1:-1] for seg in path.split("/") if seg.startswith("{")]
        o["parameters"] = [path_param(n) for n in names] + o["parameters"]
        p.setdefault(path, {})[method] = o
    add("/api/v1/healthcheck", "get", op("Health of this control-plane node (no token needed)", ref("HealthCheck"),
                                          tag="health"))
    add("/api/v1/users/session", "get", op("The caller's session", ref("Session"), tag="session"))
    add("/api/v1/organizations", "get", op("List organizations", arr(ref("Organization")), tag="organizations",
                                           paged=True))
    add("/api/v1/organizations", "post", op("Create an organization", ref("Created"), body="OrganizationCreate",
                                            tag="organizations", mutating=True))
    add("/api/v1/organizations/{organization_id}", "get", op("An organization with its tree",
                                                             ref("OrganizationDetail"), tag="organizations"))
    add("/api/v1/organizations/{organization_id}", "delete", op("Delete an empty organization", ref("Empty"),
                                                                tag="organizations", mutating=True))
    add("/api/v1/datacenters", "get", op("List datacenters", arr(ref("Datacenter")),
                                         [q("organization_id", "organization_id")], tag="datacenters", paged=True))
    add("/api/v1/datacenters", "post", op("Create a datacenter", ref("Created"), body="DatacenterCreate",
                                          tag="datacenters", mutating=True))
    add("/api/v1/datacenters/{datacenter_id}", "get", op("A datacenter and its clusters", ref("DatacenterDetail"),
                                                         tag="datacenters"))
    add("/api/v1/datacenters/{datacenter_id}", "patch", op("Update a datacenter", ref("Datacenter"),
                                                           [{"name": "If-Match", "in": "header",
                                                             "schema": {"type": "string"}}],
                                                           body="DatacenterPatch", tag="datacenters", mutating=True))
    add("/api/v1/datacenters/{datacenter_id}", "delete", op("Delete an empty datacenter", ref("Empty"),
                                                            tag="datacenters", mutating=True))
    add("/api/v1/clusters", "get", op("List clusters", arr(ref("Cluster")), [q("datacenter_id", "datacenter_id")],
                                      tag="clusters", paged=True))
    add("/api/v1/clusters/{cluster_id}", "get", op("A cluster and its nodes", ref("ClusterDetail"), tag="clusters"))
    add("/api/v1/clusters/{cluster_id}", "patch", op("Rename or describe a cluster", ref("Empty"),
                                                     [{"name": "If-Match", "in": "header",
                                                       "schema": {"type": "string"}}],
                                                     body="ClusterPatch", tag="clusters", mutating=True))
    add("/api/v1/nodes/{node_id}", "patch", op("Rename or describe a node, or set its Wake-on-LAN MAC", ref("Node"),
                                               [{"name": "If-Match", "in": "header", "schema": {"type": "string"}}],
                                               body="NodePatch", tag="nodes", mutating=True))
    add("/api/v1/clusters/{cluster_id}/hardware", "get", op("A cluster's capacity", ref("ClusterHardware"),
                                                            tag="clusters"))
    add("/api/v1/clusters/{cluster_id}/storage_pools", "get",
        op("A cluster's storage pools: one per name and type, over the nodes that have it",
           arr(ref("ClusterStoragePool")), tag="clusters", paged=True))
    add("/api/v1/clusters/{cluster_id}/storage_pools/{storage_pool_id}", "get",
        op("One of a cluster's storage pools, by the ID of any of its node pools", ref("ClusterStoragePool"),
           tag="clusters"))
    add("/api/v1/nodes", "get", op("List nodes", arr(ref("Node")), [q("cluster_id", "cluster_id")], tag="nodes",
                                   paged=True))
    add("/api/v1/nodes/tasks", "get", op("Recent tasks of every node", arr(ref("Task")),
                                         [{"name": "maxPoints", "in": "query",
                                           "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}],
                                         tag="tasks"))
    add("/api/v1/nodes/{node_id}", "get", op("A node, its instances, OS and time", ref("NodeDetail"), tag="nodes"))
    for sub, summary, schema in [
        ("hardware", "A node's hardware", {"type": "object"}), ("hardware/pci", "A node's PCI devices",
                                                                 arr({"type": "object"})),
        ("hardware/usb", "A node's USB devices", {"type": "object"}),
        ("capabilities", "A node's hypervisor capabilities", {"type": "object"}),
        ("storage/pools", "A node's storage pools with their usage", arr(ref("NodeStoragePool"))),
        ("images/images", "A node's instance images", arr(ref("Image"))),
        ("tasks", "A node's tasks", arr(ref("Task")))]:
        add(f"/api/v1/nodes/{{node_id}}/{sub}", "get", op(summary, schema, tag="nodes"))
    for action in ["cordon", "uncordon", "maintenance"]:
        add(f"/api/v1/nodes/{{node_id}}/{action}", "post", op(f"{action.capitalize()} a node", ref("Node"),
                                                               tag="nodes", mutating=True))
    storage_routes(add)
    inst = [q("node_id", "node_id"), q("cluster_id", "cluster_id"), q("organization_id", "organization_id"),
            {"name": "state", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 12}},
            q("name")]
    add("/api/v1/instances", "get", op("List instances", arr(ref("Instance")), inst, tag="instances", paged=True))
    add("/api/v1/instances/states", "get", op("Instance states", arr(ref("InstanceState")),
                                              inst + [q("ids")], tag="instances"))
    add("/api/v2/instances", "post", op("Deploy an instance (returns its task at once)", ref("TaskStarted"),
                                        body="DeployRequest", tag="instances", mutating=True))
    ifmatch = [{"name": "If-Match", "in": "header", "schema": {"type": "string"}}]
    add("/api/v1/instances/{instance_id}", "get", op("An instance (ETag: its version)", ref("InstanceDetail"),
                                                     tag="instances"))
    add("/api/v1/instances/{instance_id}", "patch", op("Rename, describe or re-tier an instance", ref("Instance"),
                                                       ifmatch, body="InstancePatch", tag="instances", mutating=True))
    add("/api/v1/instances/{instance_id}", "delete", op("Destroy an instance (a task); its volumes are detached, or "
                                                        "destroyed with destroy_volumes=true", ref("TaskStarted"),
                                                        ifmatch + [{"name": "destroy_volumes", "in": "query",
                                                                    "schema": {"type": "string",
                                                                               "enum": ["true", "false"]}}],
                                                        tag="instances", mutating=True))
    add("/api/v1/instances/{instance_id}/power", "post", op("Start, stop, restart or kill (a task)",
                                                            ref("TaskStarted"), ifmatch, body="PowerRequest",
                                                            tag="instances", mutating=True))
    add("/api/v1/instances/{instance_id}/migrate", "post", op("Live-migrate (a task)", ref("TaskStarted"), ifmatch,
                                                              body="MigrateRequest", tag="instances", mutating=True))
    add("/api/v1/instances/{instance_id}/resize", "post", op("Cold-resize to a flavor or new CPU and memory sizes "
                                                             "(a task)", ref("TaskStarted"), ifmatch,
                                                             body="ResizeRequest", tag="instances", mutating=True))
    add("/api/v1/instances/{instance_id}/devices", "get", op("An instance's devices", arr({"type": "object"}),
                                                             tag="instances"))
    add("/api/v1/tasks", "get", op("List tasks", arr(ref("Task")),
                                   [q("instance_id", "instance_id"),
                                    {"name": "status", "in": "query",
                                     "schema": {"type": "string", "enum": ["queued", "running", "stopped"]}}],
                                   tag="tasks", paged=True))
    add("/api/v1/tasks/{task_id}", "get", op("A task: status, progress and log", ref("Task"), tag="tasks"))
    add("/api/v1/tasks/{task_id}/log", "get", op("A task's log lines", arr(ref("TaskLogLine")),
                                                 [{"name": "start", "in": "query", "schema": {"type": "integer"}},
                                                  {"name": "limit", "in": "query", "schema": {"type": "integer"}}],
                                                 tag="tasks"))
    return p


def storage_routes(add):
    tag = "storage and networks"
    ifmatch = [{"name": "If-Match", "in": "header", "schema": {"type": "string"}}]
    add("/api/v1/volumes", "get", op("Volumes of a node or a storage pool (one of the two is required)",
                                     arr(ref("Volume")), [q("node_id", "node_id"),
                                                          q("storage_pool_id", "storage_pool_id")],
                                     tag=tag, paged=True))
    add("/api/v1/volumes", "post", op("Create a volume in a node's pool", ref("VolumeCreated"),
                                      [dict(q("node_id", "node_id"), required=True),
                                       dict(q("storage_pool_id", "storage_pool_id"), required=True)],
                                      body="VolumeCreate", tag=tag, mutating=True))
    add("/api/v1/volumes/{volume_id}", "get", op("A volume (ETag: its version)", ref("Volume"), tag=tag))
    add("/api/v1/volumes/{volume_id}", "patch", op("Describe a volume", ref("Empty"), ifmatch, body="VolumePatch",
                                                   tag=tag, mutating=True))
    add("/api/v1/volumes/{volume_id}", "delete", op("Destroy a volume that is not attached (a task)",
                                                    ref("TaskOnly"), tag=tag, mutating=True))
    add("/api/v1/volumes/{volume_id}/resize", "post", op("Grow a volume (a task)", ref("TaskOnly"),
                                                         body="VolumeResize", tag=tag, mutating=True))
    base = "/api/v1/networks/vswitches/standalone"
    add(base, "get", op("Standalone vSwitches (of a node)", arr(ref("VSwitch")), [q("node_id", "node_id")], tag=tag,
                        paged=True))
    add(base, "post", op("Create a standalone vSwitch on a node", ref("Created"),
                         [dict(q("node_id", "node_id"), required=True)], body="VSwitchCreate", tag=tag,
                         mutating=True))
    add(base + "/port_groups", "get", op("Port groups (of a node)", arr(ref("PortGroup")), [q("node_id", "node_id")],
                                         tag=tag, paged=True))
    add(base + "/{svswitch_id}", "get", op("A vSwitch (ETag: its version)", ref("VSwitch"), tag=tag))
    add(base + "/{svswitch_id}", "patch", op("Describe or configure a vSwitch", ref("Empty"), ifmatch,
                                             body="VSwitchPatch", tag=tag, mutating=True))
    add(base + "/{svswitch_id}", "delete", op("Delete a vSwitch without port groups", ref("Empty"), tag=tag,
                                              mutating=True))
    add(base + "/{svswitch_id}/port_groups", "get", op("A vSwitch's port groups", arr(ref("PortGroup")), tag=tag,
                                                       paged=True))
    add(base + "/{svswitch_id}/port_groups", "post", op("Create a port group", ref("PortGroupCreated"),
                                                        body="PortGroupCreate", tag=tag, mutating=True))
    add(base + "/{svswitch_id}/port_groups/{port_group_name}", "get", op("A port group", ref("PortGroup"), tag=tag))
    add(base + "/{svswitch_id}/port_groups/{port_group_name}", "delete", op("Delete a port group", ref("Empty"),
                                                                           tag=tag, mutating=True))


def document():
    return {
        "openapi": "3.1.0",
        "info": {"title": "CloudPlane API", "version": "0.5.0",
                 "description": "The control plane's REST API: the reference PCE API's core routes and wire names "
                                "plus CloudPlane's additions, under /api. Every route but the health check needs "
                                "`Authorization: Bearer <token>`. Errors are RFC 9457 problems with `code` and "
                                "`message`. Mutating calls take an `Idempotency-Key` (kept 24 h)."},
        "servers": [{"url": "http://127.0.0.1:5007"}],
        "security": [{"bearer": []}],
        "paths": routes(),
        "components": {"schemas": SCHEMAS,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }


def main():
    text = json.dumps(document(), indent=2, sort_keys=True) + "\n"
    with open(os.path.join(ROOT, "docs", "openapi.json"), "w") as f:
        f.write(text)
    swift = ("// Generated by scripts/openapi.py from the same description as docs/openapi.json: do not edit.\n"
             "// Regenerate: python3 scripts/openapi.py\n\n"
             "/// The OpenAPI 3.1 document served at `/api/openapi.json`.\n"
             "public enum OpenAPIDocument {\n"
             "    public static let json = #\"\"\"\n"
             + "".join("        " + line + "\n" if line else "\n" for line in text.rstrip("\n").split("\n"))
             + "        \"\"\"#\n}\n")
    with open(os.path.join(ROOT, "Sources", "CloudAPI", "OpenAPIDocument.swift"), "w") as f:
        f.write(swift)


if __name__ == "__main__":
    main()
