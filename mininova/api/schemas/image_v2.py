"""Request bodies of the Image API v2 subset (/image/v2/images)."""
from mininova.api.schemas import MAX_INT

DISK_FORMATS = ["ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso",
                "ploop"]
CONTAINER_FORMATS = ["ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"]
VISIBILITIES = ["public", "private", "shared", "community"]

# NOTE: what Glance computes or owns itself; a create body naming one is refused (403),
# as Glance does, rather than silently ignored.
READ_ONLY = ["status", "size", "virtual_size", "checksum", "os_hash_algo", "os_hash_value",
             "created_at", "updated_at", "self", "file", "schema", "direct_url",
             "locations", "owner"]

create = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "format": "uuid",
               "pattern": "^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$"},
        "name": {"type": ["string", "null"], "maxLength": 255},
        "disk_format": {"type": ["string", "null"], "enum": [None, *DISK_FORMATS]},
        "container_format": {"type": ["string", "null"], "enum": [None, *CONTAINER_FORMATS]},
        "visibility": {"type": "string", "enum": VISIBILITIES},
        "min_disk": {"type": "integer", "minimum": 0, "maximum": MAX_INT},
        "min_ram": {"type": "integer", "minimum": 0, "maximum": MAX_INT},
        "protected": {"type": "boolean", "enum": [False]},
        "os_hidden": {"type": "boolean", "enum": [False]},
        "tags": {"type": "array", "maxItems": 0},
    },
    # Anything else is a free-form image property: a string, as in Glance.
    "additionalProperties": {"type": "string", "maxLength": 65535},
    "propertyNames": {"maxLength": 255, "not": {"enum": READ_ONLY}},
}
