"""The image store's API, behind both the Image API v2 subset and Nova's image proxy.

Who may see and change what (Glance's defaults, reduced): an admin sees and deletes
everything; others see public and community images and their own project's, and change
only their own project's. Publishing an image (visibility ``public``) is for admins.
"""
import uuid
from typing import BinaryIO

from oslo_log import log as logging

from mininova import exception
from mininova import objects
from mininova import quota
from mininova.image import store

LOG = logging.getLogger(__name__)

QUEUED, SAVING, ACTIVE = "queued", "saving", "active"


def _visible(ctxt, image) -> bool:
    return (ctxt.is_admin or image.visibility in ("public", "community")
            or image.owner == ctxt.project_id)


def _check_owner(ctxt, image, action: str) -> None:
    if not (ctxt.is_admin or image.owner == ctxt.project_id):
        raise exception.Forbidden(message=f"You are not permitted to {action} image "
                                          f"{image.id}.")


def get(ctxt, image_id: str) -> "objects.Image":
    """The image, if ``ctxt`` may see it (else ImageNotFound, as if it did not exist)."""
    image = objects.Image.get_by_id(ctxt, image_id)
    if not _visible(ctxt, image):
        raise exception.ImageNotFound(image_id=image_id)
    return image


def get_page(ctxt, filters: dict, limit: int, marker: str | None,
             properties: dict | None = None,
             at_least: dict | None = None) -> "objects.ImageList":
    """A page of the images ``ctxt`` may see (filters as ImageList.get_page takes them)."""
    if marker is not None:
        get(ctxt, marker)  # a marker the caller cannot see does not exist for them
    return objects.ImageList.get_page(ctxt, filters, limit=limit, marker=marker,
                                      properties=properties, at_least=at_least)


def update_properties(ctxt, image_id: str, properties: dict,
                      replace: bool = False) -> "objects.Image":
    """Merge ``properties`` into the image's (or, with ``replace``, make them its only
    ones); a value of None removes that property. Owner or admin only (Glance's rule),
    and at most ``metadata_items`` properties (Nova's rule for its proxy, 403 beyond).
    """
    image = get(ctxt, image_id)
    _check_owner(ctxt, image, "modify")
    merged = {} if replace else dict(image.properties)
    merged.update(properties)
    merged = {key: value for key, value in merged.items() if value is not None}
    limit = quota.get_limits(ctxt.project_id)["metadata_items"]
    if 0 <= limit < len(merged):
        raise exception.ImageMetadataLimitExceeded()
    image.properties = merged
    image.save()
    return image


def create(ctxt, body: dict) -> "objects.Image":
    """Record a ``queued`` image owned by the caller's project; its bits come later."""
    core = ("id", "name", "disk_format", "container_format", "visibility", "min_disk",
            "min_ram")
    properties = {k: v for k, v in body.items()
                  if k not in core and k not in ("protected", "os_hidden", "tags")}
    visibility = body.get("visibility", "shared")
    if visibility == "public" and not ctxt.is_admin:
        raise exception.Forbidden(action="publicize_image")
    image_id = body.get("id") or str(uuid.uuid4())
    try:
        objects.Image.get_by_id(ctxt, image_id)
    except exception.ImageNotFound:
        pass
    else:
        raise exception.Conflict(message=f"An image with identifier {image_id} already "
                                         "exists")
    image = objects.Image(
        ctxt, id=image_id, name=body.get("name") or "",
        disk_format=body.get("disk_format") or "", container_format=body.get(
            "container_format") or "", size=0, checksum=None, os_hash_value=None,
        file_path=None, status=QUEUED, min_disk=body.get("min_disk", 0),
        min_ram=body.get("min_ram", 0), properties=properties, owner=ctxt.project_id,
        visibility=visibility)
    image.create()
    return image


def upload(ctxt, image_id: str, data: BinaryIO) -> "objects.Image":
    """Stream ``data`` into the store and make the image ``active``.

    Only a ``queued`` image takes data, and only one upload at a time: the status moves
    queued -> saving by compare-and-swap, so a concurrent upload gets 409.
    """
    image = get(ctxt, image_id)
    _check_owner(ctxt, image, "upload data to")
    if not image.disk_format or not image.container_format:
        raise exception.Invalid(reason="Properties disk_format and container_format must be "
                                       "set prior to uploading image data.")
    image.status = SAVING
    image.save(expected_status=[QUEUED])
    try:
        stored = store.write(image.id, data)
    except BaseException:
        LOG.exception("Upload of image %s failed; it is queued again", image.id)
        image.status = QUEUED
        image.save(expected_status=[SAVING])
        raise
    image.status, image.size, image.file_path = ACTIVE, stored.size, stored.path
    image.checksum, image.os_hash_value = stored.checksum, stored.os_hash_value
    try:
        image.save(expected_status=[SAVING])
    except (exception.ImageNotFound, exception.Conflict):
        # NOTE: deleted while we were writing: the file has no record to belong to.
        store.delete(stored.path)
        raise
    LOG.info("Image %s active: %d bytes, md5 %s", image.id, stored.size, stored.checksum)
    return image


def delete(ctxt, image_id: str) -> None:
    """Remove the record, then its file (a file without a record is harmless)."""
    image = get(ctxt, image_id)
    _check_owner(ctxt, image, "delete")
    image.destroy()
    store.delete(image.file_path or store.image_path(image.id))
    LOG.info("Image %s deleted", image.id)
