"""Image file store: one file per image id under ``[image] store_path``.

Both ways an image gets its bits use this module: ``mininova-manage image create --file``
(copy from a local file) and the Image API's ``PUT /image/v2/images/{id}/file`` (stream
from the request body). A write goes to ``<id>.part`` and is renamed into place once
complete, so a reader (a compute host on shared storage) never sees half an image.
"""
import dataclasses
import hashlib
import os
from typing import BinaryIO

from mininova import conf

CONF = conf.CONF
_CHUNK = 1 << 20


@dataclasses.dataclass(frozen=True)
class StoredImage:
    """Where an image's bits landed and what they hash to (Glance's fields)."""

    path: str
    size: int
    checksum: str  # md5, as Glance's ``checksum``
    os_hash_value: str  # sha512, as Glance's ``os_hash_value``

    os_hash_algo = "sha512"


def image_path(image_id: str) -> str:
    """The store path of ``image_id``'s file (whether or not it exists yet)."""
    return os.path.join(CONF.image.store_path, image_id)


def write(image_id: str, data: BinaryIO) -> StoredImage:
    """Stream ``data`` (a readable binary file) into the store as ``image_id``.

    The file is complete and renamed into place before this returns; on any error the
    partial file is removed and the error propagates.
    """
    os.makedirs(CONF.image.store_path, exist_ok=True)
    target = image_path(image_id)
    partial = target + ".part"
    md5 = hashlib.md5(usedforsecurity=False)
    sha512 = hashlib.sha512()
    size = 0
    try:
        with open(partial, "wb") as dst:
            for chunk in iter(lambda: data.read(_CHUNK), b""):
                md5.update(chunk)
                sha512.update(chunk)
                dst.write(chunk)
                size += len(chunk)
        os.chmod(partial, 0o644)
        os.replace(partial, target)
    except BaseException:
        _remove(partial)
        raise
    return StoredImage(target, size, md5.hexdigest(), sha512.hexdigest())


def copy_file(source: str, image_id: str) -> StoredImage:
    """Copy the local file ``source`` into the store as ``image_id``."""
    with open(source, "rb") as src:
        return write(image_id, src)


def delete(path: str | None) -> None:
    """Remove an image's file; a file already gone is not an error."""
    if path:
        _remove(path)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
