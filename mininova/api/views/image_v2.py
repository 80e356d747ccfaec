"""Image API v2 views: Glance's flat image document, properties as top-level keys."""
from mininova.api.views import isotime


def version_doc(base_url: str) -> dict:
    """The Image API versions this root serves; clients discover ``v2`` from it."""
    href = f"{base_url}/image/v2/"
    return {"versions": [
        {"id": "v2.1", "status": "CURRENT", "links": [{"rel": "self", "href": href}]},
        {"id": "v2.0", "status": "SUPPORTED", "links": [{"rel": "self", "href": href}]},
    ]}


def show(image) -> dict:
    # NOTE: properties first, so that no property can shadow a core attribute.
    body = dict(image.properties)
    body.update({
        "id": image.id,
        "name": image.name,
        "status": image.status.lower(),
        "visibility": image.visibility,
        "protected": False,
        "os_hidden": False,
        "owner": image.owner,
        "disk_format": image.disk_format,
        "container_format": image.container_format,
        "size": image.size if image.status == "active" else None,
        "virtual_size": None,
        "checksum": image.checksum,
        "os_hash_algo": "sha512" if image.os_hash_value else None,
        "os_hash_value": image.os_hash_value,
        "min_disk": image.min_disk,
        "min_ram": image.min_ram,
        "tags": [],
        "created_at": isotime(image.created_at),
        "updated_at": isotime(image.updated_at or image.created_at),
        # Glance's links are relative to the Image API root.
        "self": f"/v2/images/{image.id}",
        "file": f"/v2/images/{image.id}/file",
        "schema": "/v2/schemas/image",
    })
    return body


def index(images, next_query: str | None) -> dict:
    body = {"images": [show(image) for image in images], "first": "/v2/images",
            "schema": "/v2/schemas/images"}
    if next_query:
        body["next"] = f"/v2/images?{next_query}"
    return body
