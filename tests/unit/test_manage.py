"""mininova-manage as an operator runs it: a real process, a real SQLite file."""
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def _manage(conf: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "mininova-manage"), "--config-file", str(conf), *args],
                          capture_output=True, text=True, check=check, timeout=60)


@pytest.fixture
def conf(tmp_path) -> Path:
    path = tmp_path / "mininova.conf"
    path.write_text(f"[DEFAULT]\nstate_path = {tmp_path}\n")
    _manage(path, "db", "sync")
    return path


def test_db_sync_twice_and_version(conf):
    synced = _manage(conf, "db", "sync").stdout.strip()
    assert synced.startswith("Database is at revision 0")
    assert _manage(conf, "db", "version").stdout.strip() == synced.rsplit(" ", 1)[1]


def test_flavor_create_list_and_duplicate(conf):
    _manage(conf, "flavor", "create", "m1.tiny", "--ram", "512", "--vcpus", "1", "--disk",
            "1", "--id", "1")
    assert "m1.tiny" in _manage(conf, "flavor", "list").stdout
    dup = _manage(conf, "flavor", "create", "m1.tiny", "--ram", "1", "--vcpus", "1",
                  "--disk", "1", check=False)
    assert dup.returncode != 0
    assert "already exists" in dup.stderr and "Traceback" not in dup.stderr


def test_image_create_copies_the_file_into_the_store(conf, tmp_path):
    source = tmp_path / "disk.raw"
    source.write_bytes(b"\0" * 4096 + b"mininova")
    image_id = _manage(conf, "image", "create", "tiny", "--disk-format", "raw", "--file",
                       str(source), "--property", "os_command_line=console=ttyS0").stdout
    stored = tmp_path / "images" / image_id.strip()
    assert stored.read_bytes() == source.read_bytes()
    listing = _manage(conf, "image", "list").stdout
    assert "tiny" in listing and "4104" in listing
    assert hashlib.md5(source.read_bytes()).hexdigest()  # noqa: S324 - same as Glance's


def test_image_create_with_missing_file_is_a_clear_error(conf):
    result = _manage(conf, "image", "create", "x", "--file", "/nonexistent", check=False)
    assert result.returncode != 0
    assert "no such file" in result.stderr and "Traceback" not in result.stderr
