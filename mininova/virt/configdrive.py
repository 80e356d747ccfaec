"""The config drive: the server's metadata as an ISO 9660 image the guest mounts.

The compute host builds it (with pycdlib: ISO 9660 with Rock Ridge and Joliet names,
volume label ``config-2``, as cloud-init looks for it) from ``api/metadata/base.py``'s
``InstanceMetadata``, the same content the metadata service serves. The libvirt driver
attaches the file as a read-only cdrom.

A server gets one when it asked for it (``config_drive`` at create) or when the cloud
forces it (``[DEFAULT] force_config_drive``), as Nova's ``required_by``.
"""
from __future__ import annotations

import io
import os
import re
from typing import Any

from mininova import exception
from mininova.api.metadata import base as metadata_base

VOLUME_LABEL = "config-2"
FILE_NAME = "disk.config"  # in the instance directory, Nova's name


def required_by(instance: Any, force: bool) -> bool:
    """Whether ``instance`` gets a config drive (asked for, or forced by the cloud)."""
    asked = (instance.obj_attr_is_set("config_drive") and instance.config_drive
             if hasattr(instance, "obj_attr_is_set") else getattr(instance, "config_drive", False))
    return bool(asked or force)


def _iso_name(name: str, is_file: bool) -> str:
    """An ISO 9660 (level 3) name for ``name``: d-characters, one dot, ``;1`` on files.
    Rock Ridge and Joliet keep the real name; this one is what plain ISO 9660 sees."""
    stem, dot, ext = name.upper().rpartition(".") if is_file and "." in name else (
        name.upper(), "", "")
    stem = re.sub(r"[^A-Z0-9_]", "_", stem)[:30]
    ext = re.sub(r"[^A-Z0-9_]", "_", ext)[:30 - len(stem)]
    return f"{stem}{dot}{ext};1" if is_file else stem


def make_drive(path: str, files: dict[str, bytes]) -> None:
    """Write an ISO 9660 image at ``path`` holding ``files`` (relative path -> bytes)."""
    # NOTE: imported here: config drives are off by default, and a compute that builds
    # none need not hold pycdlib.
    import pycdlib

    iso = pycdlib.PyCdlib()
    iso.new(interchange_level=3, vol_ident=VOLUME_LABEL, sys_ident="LINUX",
            joliet=3, rock_ridge="1.09")
    made = set()
    try:
        for rel_path in sorted(files):
            parts = rel_path.split("/")
            for depth in range(1, len(parts)):
                directory = "/".join(parts[:depth])
                if directory in made:
                    continue
                iso.add_directory(
                    iso_path="/" + "/".join(_iso_name(p, False) for p in parts[:depth]),
                    rr_name=parts[depth - 1], joliet_path="/" + directory)
                made.add(directory)
            data = files[rel_path]
            iso_path = "/" + "/".join([*(_iso_name(p, False) for p in parts[:-1]),
                                       _iso_name(parts[-1], True)])
            iso.add_fp(io.BytesIO(data), len(data), iso_path=iso_path, rr_name=parts[-1],
                       joliet_path="/" + rel_path)
        tmp = f"{path}.tmp"
        iso.write(tmp)
        os.replace(tmp, path)
    except (pycdlib.pycdlibexception.PyCdlibException, OSError) as exc:
        raise exception.ConfigDriveError(reason=str(exc)) from exc
    finally:
        iso.close()


def build(path: str, instance: Any, server_metadata: dict[str, str] | None = None,
          network_info: list[dict] | None = None) -> None:
    """Write ``instance``'s config drive at ``path``."""
    metadata = metadata_base.InstanceMetadata(instance, server_metadata, network_info)
    make_drive(path, metadata.config_drive_files())
