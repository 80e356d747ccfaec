"""Image views for Nova's image proxy (/v2.1/images): Glance's image in Nova's words."""
from urllib import parse

import falcon

from mininova.api.views import isotime
from mininova.api.views import links

# NOTE: Nova's translation of Glance statuses (an image still taking its bits is SAVING)
# and the progress it shows for each.
_STATUS = {"queued": ("SAVING", 25), "saving": ("SAVING", 50), "active": ("ACTIVE", 100),
           "killed": ("ERROR", 0), "deleted": ("DELETED", 0),
           "pending_delete": ("DELETED", 0)}


def basic(base_url: str, image) -> dict:
    return {"id": image.id, "name": image.name, "links": links(base_url, "images", image.id)}


def show(base_url: str, image) -> dict:
    status, progress = _STATUS.get(image.status, ("UNKNOWN", 0))
    body = {**basic(base_url, image), "status": status,
            "created": isotime(image.created_at),
            "updated": isotime(image.updated_at or image.created_at),
            "minDisk": image.min_disk, "minRam": image.min_ram, "progress": progress,
            "metadata": dict(image.properties), "OS-EXT-IMG-SIZE:size": image.size}
    server_id = image.properties.get("instance_uuid")
    if server_id:
        # NOTE: a snapshot names the server it was taken from (Nova's view does).
        body["server"] = {"id": server_id, "links": links(base_url, "servers", server_id)}
    return body


def next_links(req: falcon.Request, images, limit: int) -> list[dict]:
    """``images_links``: a "next" link when the page came back full."""
    if not images or len(images) < limit:
        return []
    query = {key: value for key, value in req.params.items() if key != "marker"}
    query["marker"] = images[-1].id
    return [{"rel": "next",
             "href": f"{req.prefix}{req.path}?{parse.urlencode(query, doseq=True)}"}]
