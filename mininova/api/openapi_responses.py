"""Response schemas of the main resources, for the OpenAPI description (api/openapi.py).

Unlike request bodies, responses have no schema the code validates with: the views build
them. So they are written here once, loosely enough for every microversion served (a
field a later microversion adds is allowed, a field every version answers is required),
and tests/functional/test_openapi.py validates real responses of the running API against
the served document, so a view and its schema cannot drift apart unnoticed.

``RESPONSES`` maps (route template, method) to {status code: schema name}; the names
are keys of ``SCHEMAS`` and become ``#/components/schemas/<name>``.
"""


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(required: dict, optional: dict | None = None) -> dict:
    """An object that must carry ``required`` and may carry ``optional`` (and more)."""
    return {"type": "object", "properties": {**required, **(optional or {})},
            "required": list(required)}


def _list_of(key: str, item: str, optional: dict | None = None) -> dict:
    return _object({key: {"type": "array", "items": _ref(item)}}, optional)


_STRING = {"type": "string"}
_NULLABLE_STRING = {"type": ["string", "null"]}
_INTEGER = {"type": "integer"}
_NUMBER = {"type": "number"}
_LINKS = {"type": "array", "items": _object({"rel": _STRING, "href": _STRING})}
_ID_AND_LINKS = _object({"id": _STRING, "links": _LINKS})

SCHEMAS = {
    "Fault": {
        "description": "Nova's fault body: one key naming the fault (itemNotFound, "
                       "badRequest, ...) around the HTTP code and a message.",
        "type": "object", "minProperties": 1, "maxProperties": 1,
        "additionalProperties": _object({"code": _INTEGER, "message": _STRING}),
    },
    "Version": _object({"id": _STRING, "status": _STRING, "links": _LINKS},
                       {"version": _STRING, "min_version": _STRING,
                        "updated": _STRING, "media-types": {"type": "array"}}),
    "VersionList": _list_of("versions", "Version"),
    "VersionShow": _object({"version": _ref("Version")}),
    "ServerSummary": _object({"id": _STRING, "name": _STRING, "links": _LINKS}),
    "Server": _object(
        {"id": _STRING, "name": _STRING, "status": _STRING, "links": _LINKS,
         "tenant_id": _STRING, "user_id": _STRING, "created": _STRING,
         "updated": _STRING, "hostId": _STRING, "metadata": {"type": "object"},
         "addresses": {"type": "object"},
         # NOTE: ``image`` is "" for a server booted from a volume; ``flavor`` is a
         # reference below 2.47 and the embedded flavor from 2.47 on.
         "image": {"anyOf": [_ID_AND_LINKS, {"type": "string"}]},
         "flavor": {"anyOf": [_ID_AND_LINKS, _object(
             {"original_name": _STRING, "vcpus": _INTEGER, "ram": _INTEGER,
              "disk": _INTEGER})]}},
        {"accessIPv4": _STRING, "accessIPv6": _STRING, "progress": _INTEGER,
         "key_name": _NULLABLE_STRING, "config_drive": _STRING,
         "OS-DCF:diskConfig": _STRING, "OS-EXT-AZ:availability_zone": _STRING,
         "OS-EXT-STS:vm_state": _STRING, "OS-EXT-STS:task_state": _NULLABLE_STRING,
         "OS-EXT-STS:power_state": _INTEGER,
         "OS-SRV-USG:launched_at": _NULLABLE_STRING,
         "OS-SRV-USG:terminated_at": _NULLABLE_STRING,
         "OS-EXT-SRV-ATTR:host": _NULLABLE_STRING,
         "OS-EXT-SRV-ATTR:hypervisor_hostname": _NULLABLE_STRING,
         "OS-EXT-SRV-ATTR:instance_name": _STRING,
         "os-extended-volumes:volumes_attached": {"type": "array"},
         "fault": _object({"code": _INTEGER, "message": _STRING, "created": _STRING},
                          {"details": _STRING}),
         "locked": {"type": "boolean"}, "description": _NULLABLE_STRING,
         "tags": {"type": "array", "items": _STRING}}),
    "ServerList": _list_of("servers", "ServerSummary", {"servers_links": _LINKS}),
    "ServerDetailList": _list_of("servers", "Server", {"servers_links": _LINKS}),
    "ServerShow": _object({"server": _ref("Server")}),
    # NOTE: with return_reservation_id (multi-create) only the reservation id.
    "ServerCreated": {"anyOf": [
        _object({"server": _object(
            {"id": _STRING, "links": _LINKS},
            {"OS-DCF:diskConfig": _STRING, "adminPass": _STRING,
             "security_groups": {"type": "array"}})}),
        _object({"reservation_id": _STRING})]},
    "ServerMetadata": _object({"metadata": {"type": "object",
                                            "additionalProperties": _STRING}}),
    "ServerMetadataItem": _object({"meta": {"type": "object", "minProperties": 1,
                                            "maxProperties": 1,
                                            "additionalProperties": _STRING}}),
    "FlavorSummary": _object({"id": _STRING, "name": _STRING, "links": _LINKS},
                             {"description": _NULLABLE_STRING}),
    "Flavor": _object(
        {"id": _STRING, "name": _STRING, "links": _LINKS, "ram": _INTEGER,
         "vcpus": _INTEGER, "disk": _INTEGER,
         # NOTE: Nova answers "" for a flavor without swap.
         "swap": {"anyOf": [_INTEGER, {"const": ""}]},
         "OS-FLV-EXT-DATA:ephemeral": _INTEGER, "OS-FLV-DISABLED:disabled": {
             "type": "boolean"}, "os-flavor-access:is_public": {"type": "boolean"}},
        {"rxtx_factor": {"type": "number"}, "description": _NULLABLE_STRING,
         "extra_specs": {"type": "object"}}),
    "FlavorList": _list_of("flavors", "FlavorSummary", {"flavors_links": _LINKS}),
    "FlavorDetailList": _list_of("flavors", "Flavor", {"flavors_links": _LINKS}),
    "FlavorShow": _object({"flavor": _ref("Flavor")}),
    "FlavorAccessList": _object({"flavor_access": {"type": "array", "items": _object(
        {"flavor_id": _STRING, "tenant_id": _STRING})}}),
    "Service": _object(
        {"id": {"type": ["integer", "string"]}, "binary": _STRING, "host": _STRING,
         "zone": _STRING, "status": {"enum": ["enabled", "disabled"]},
         "state": {"enum": ["up", "down"]}, "updated_at": _NULLABLE_STRING,
         "disabled_reason": _NULLABLE_STRING},
        {"forced_down": {"type": "boolean"}}),
    "ServiceList": _list_of("services", "Service"),
    "Hypervisor": _object(
        {"id": {"type": ["integer", "string"]}, "hypervisor_hostname": _STRING,
         "state": {"enum": ["up", "down"]}, "status": {"enum": ["enabled", "disabled"]}}),
    "HypervisorList": _list_of("hypervisors", "Hypervisor",
                               {"hypervisors_links": _LINKS}),
    "Limits": _object({"limits": _object(
        {"rate": {"type": "array"},
         "absolute": {"type": "object", "additionalProperties": _INTEGER}})}),
    "InstanceAction": _object(
        {"action": _STRING, "instance_uuid": _STRING, "request_id": _STRING,
         "user_id": _NULLABLE_STRING, "project_id": _NULLABLE_STRING,
         "start_time": _STRING, "message": _NULLABLE_STRING},
        {"events": {"type": "array"}, "updated_at": _NULLABLE_STRING}),
    "InstanceActionList": _list_of("instanceActions", "InstanceAction",
                                   {"links": _LINKS}),
    "ImageV2": _object(
        {"id": _STRING, "name": _NULLABLE_STRING, "status": _STRING,
         "visibility": _STRING, "disk_format": _NULLABLE_STRING,
         "container_format": _NULLABLE_STRING, "size": {"type": ["integer", "null"]},
         "min_disk": _INTEGER, "min_ram": _INTEGER, "tags": {"type": "array"},
         "created_at": _STRING, "updated_at": _STRING, "self": _STRING, "file": _STRING,
         "schema": _STRING}),
    "ImageV2List": _list_of("images", "ImageV2",
                            {"first": _STRING, "next": _STRING, "schema": _STRING}),
    "Keypair": _object(
        {"name": _STRING, "public_key": _STRING, "fingerprint": _STRING},
        {"type": {"enum": ["ssh", "x509"]}, "user_id": _STRING, "private_key": _STRING,
         "id": _INTEGER, "created_at": _STRING, "updated_at": _NULLABLE_STRING,
         "deleted": {"type": "boolean"}, "deleted_at": {"type": "null"}}),
    "KeypairList": _object({"keypairs": {"type": "array", "items": _object(
        {"keypair": _ref("Keypair")})}}, {"keypairs_links": _LINKS}),
    "KeypairShow": _object({"keypair": _ref("Keypair")}),
    "QuotaClassSet": _object({"quota_class_set": {
        "type": "object", "additionalProperties": _INTEGER,
        "properties": {"id": _STRING}}}),
    "TenantUsage": _object(
        {"tenant_id": _STRING, "start": _STRING, "stop": _STRING,
         "total_hours": _NUMBER, "total_vcpus_usage": _NUMBER,
         "total_memory_mb_usage": _NUMBER, "total_local_gb_usage": _NUMBER},
        {"server_usages": {"type": "array", "items": _object(
            {"instance_id": _STRING, "name": _STRING, "tenant_id": _STRING,
             "flavor": _STRING, "hours": _NUMBER, "memory_mb": _INTEGER,
             "local_gb": _INTEGER, "vcpus": _INTEGER, "started_at": _STRING,
             "ended_at": _NULLABLE_STRING, "state": _STRING, "uptime": _INTEGER})}}),
    "TenantUsageList": _list_of("tenant_usages", "TenantUsage",
                                {"tenant_usages_links": _LINKS}),
    # NOTE: {} for a project without usage in the period, as Nova answers.
    "TenantUsageShow": _object({"tenant_usage": {"anyOf": [
        _ref("TenantUsage"), {"type": "object", "maxProperties": 0}]}},
        {"tenant_usage_links": _LINKS}),
    "InstanceUsageAuditLog": _object(
        {"period_beginning": _STRING, "period_ending": _STRING, "num_hosts": _INTEGER,
         "num_hosts_done": _INTEGER, "num_hosts_running": _INTEGER,
         "num_hosts_not_run": _INTEGER, "hosts_not_run": {"type": "array", "items": _STRING},
         "total_instances": _INTEGER, "total_errors": _INTEGER, "overall_status": _STRING,
         "log": {"type": "object", "additionalProperties": _object(
             {"state": _STRING, "instances": _INTEGER, "errors": _INTEGER,
              "message": _STRING})}}),
    "InstanceUsageAuditLogList": _object(
        {"instance_usage_audit_logs": _ref("InstanceUsageAuditLog")}),
    "InstanceUsageAuditLogShow": _object(
        {"instance_usage_audit_log": _ref("InstanceUsageAuditLog")}),
    "OpenAPIDocument": _object({"openapi": _STRING, "info": {"type": "object"},
                                "paths": {"type": "object"}}),
}

RESPONSES = {
    ("/", "GET"): {200: "VersionList"},
    ("/v2", "GET"): {200: "VersionShow"},
    ("/v2.1", "GET"): {200: "VersionShow"},
    ("/v2.1/servers", "GET"): {200: "ServerList"},
    ("/v2.1/servers", "POST"): {202: "ServerCreated"},
    ("/v2.1/servers/detail", "GET"): {200: "ServerDetailList"},
    ("/v2.1/servers/{server_id}", "GET"): {200: "ServerShow"},
    ("/v2.1/servers/{server_id}/os-instance-actions", "GET"): {200: "InstanceActionList"},
    ("/v2.1/servers/{server_id}/metadata", "GET"): {200: "ServerMetadata"},
    ("/v2.1/servers/{server_id}/metadata", "POST"): {200: "ServerMetadata"},
    ("/v2.1/servers/{server_id}/metadata", "PUT"): {200: "ServerMetadata"},
    ("/v2.1/servers/{server_id}/metadata/{key}", "GET"): {200: "ServerMetadataItem"},
    ("/v2.1/servers/{server_id}/metadata/{key}", "PUT"): {200: "ServerMetadataItem"},
    # NOTE: an image's metadata has a server metadata's shape (Nova's one definition).
    ("/v2.1/images/{image_id}/metadata", "GET"): {200: "ServerMetadata"},
    ("/v2.1/images/{image_id}/metadata", "POST"): {200: "ServerMetadata"},
    ("/v2.1/images/{image_id}/metadata", "PUT"): {200: "ServerMetadata"},
    ("/v2.1/images/{image_id}/metadata/{key}", "GET"): {200: "ServerMetadataItem"},
    ("/v2.1/images/{image_id}/metadata/{key}", "PUT"): {200: "ServerMetadataItem"},
    ("/v2.1/flavors", "GET"): {200: "FlavorList"},
    ("/v2.1/flavors/detail", "GET"): {200: "FlavorDetailList"},
    ("/v2.1/flavors/{flavor_id}", "GET"): {200: "FlavorShow"},
    ("/v2.1/flavors/{flavor_id}/os-flavor-access", "GET"): {200: "FlavorAccessList"},
    ("/v2.1/flavors/{flavor_id}/action", "POST"): {200: "FlavorAccessList"},
    ("/v2.1/os-services", "GET"): {200: "ServiceList"},
    ("/v2.1/os-hypervisors", "GET"): {200: "HypervisorList"},
    ("/v2.1/limits", "GET"): {200: "Limits"},
    ("/v2.1/os-keypairs", "GET"): {200: "KeypairList"},
    ("/v2.1/os-keypairs", "POST"): {200: "KeypairShow", 201: "KeypairShow"},
    ("/v2.1/os-keypairs/{keypair_name}", "GET"): {200: "KeypairShow"},
    ("/v2.1/os-quota-class-sets/{class_name}", "GET"): {200: "QuotaClassSet"},
    ("/v2.1/os-simple-tenant-usage", "GET"): {200: "TenantUsageList"},
    ("/v2.1/os-simple-tenant-usage/{tenant_id}", "GET"): {200: "TenantUsageShow"},
    ("/v2.1/os-instance_usage_audit_log", "GET"): {200: "InstanceUsageAuditLogList"},
    ("/v2.1/os-instance_usage_audit_log/{before_timestamp}", "GET"): {
        200: "InstanceUsageAuditLogShow"},
    ("/image/v2/images", "GET"): {200: "ImageV2List"},
    ("/image/v2/images/{image_id}", "GET"): {200: "ImageV2"},
    ("/openapi.json", "GET"): {200: "OpenAPIDocument"},
}
