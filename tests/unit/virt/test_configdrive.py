"""The config drive image: ISO 9660 labelled config-2, cloud-init's names kept."""
import io
import types

import pycdlib

from mininova.virt import configdrive


def _read(path: str) -> tuple[bytes, dict[str, bytes]]:
    iso = pycdlib.PyCdlib()
    iso.open(path)
    try:
        files = {}
        for root, _dirs, names in iso.walk(rr_path="/"):
            for name in names:
                rr_path = f"{root.rstrip('/')}/{name}"
                out = io.BytesIO()
                iso.get_file_from_iso_fp(out, rr_path=rr_path)
                files[rr_path.lstrip("/")] = out.getvalue()
        return iso.pvd.volume_identifier.strip(), files
    finally:
        iso.close()


def test_make_drive_keeps_names_and_content(tmp_path):
    files = {"openstack/latest/meta_data.json": b"{}", "openstack/latest/user_data": b"#!",
             "openstack/2012-08-10/vendor_data2.json": b"{}",
             "ec2/latest/meta-data.json": b"{}"}
    path = str(tmp_path / "disk.config")
    configdrive.make_drive(path, files)
    label, found = _read(path)
    assert label == b"config-2"
    assert found == files


def test_required_by():
    assert configdrive.required_by(types.SimpleNamespace(config_drive=True), force=False)
    assert not configdrive.required_by(types.SimpleNamespace(config_drive=False), force=False)
    assert configdrive.required_by(types.SimpleNamespace(config_drive=False), force=True)
    assert not configdrive.required_by(types.SimpleNamespace(), force=False)
