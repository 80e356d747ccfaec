"""mininova-manage as an operator runs it: a real process, a real SQLite file."""
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def _manage(conf: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "mininova-manage"), "--config-file", str(conf), *args],
                          capture_output=True, text=True, check=check, timeout=60)


@pytest.fixture
def conf(tmp_path, migrated_template) -> Path:
    """A config whose database (the default file under state_path) is already at head."""
    path = tmp_path / "mininova.conf"
    path.write_text(f"[DEFAULT]\nstate_path = {tmp_path}\n")
    shutil.copyfile(migrated_template, tmp_path / "mininova.sqlite")
    return path


def test_db_sync_twice_and_version(tmp_path):
    conf = tmp_path / "mininova.conf"
    conf.write_text(f"[DEFAULT]\nstate_path = {tmp_path}\n")
    first = _manage(conf, "db", "sync").stdout.strip()
    synced = _manage(conf, "db", "sync").stdout.strip()
    assert synced == first
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


def test_heal_allocations_counts_placed_instances_once(conf, tmp_path):
    import sqlalchemy as sa
    engine = sa.create_engine(f"sqlite:///{tmp_path}/mininova.sqlite")
    with engine.begin() as conn:
        for uuid, host, state, launched in (
                ("11111111-1111-4111-8111-111111111111", "compute1", "active", "2026-01-01"),
                ("22222222-2222-4222-8222-222222222222", None, "error", None),
                ("33333333-3333-4333-8333-333333333333", "compute1", "error", None)):
            conn.execute(sa.text(
                "INSERT INTO instances (uuid, display_name, project_id, user_id, image_ref,"
                " flavor_id, flavor_name, memory_mb, vcpus, root_gb, ephemeral_gb, host,"
                " vm_state, power_state, deleted, created_at, launched_at, locked, swap,"
                " launch_index, auto_disk_config) VALUES (:u, 'vm', 'p', 'u', 'i', '1', 'f',"
                " 512, 1, 1, 0, :h, :s, 0, 0, '2026-01-01', :l, 0, 0, 0, 0)"),
                {"u": uuid, "h": host, "s": state, "l": launched})
    engine.dispose()
    healed = _manage(conf, "placement", "heal_allocations")
    # NOTE: the ERROR build that never launched holds nothing, as in Nova.
    assert "11111111-1111-4111-8111-111111111111" in healed.stdout
    assert "Processed 1 instance(s)." in healed.stdout
    again = _manage(conf, "placement", "heal_allocations", check=False)
    assert again.returncode == 4 and "Processed 0 instance(s)." in again.stdout
