"""Live migration in the libvirt driver (virt/libvirt/migration.py): the shared-storage
probe and Nova's block-migration rules, the pause point of the test hypervisor (abort,
force-complete), each step on libvirt's in-process test hypervisor, and the QEMU move's
libvirt call and its watch (tests/functional_qemu/test_moves_qemu.py moves real guests)."""
import random
import threading
import time
import types
import uuid
from unittest import mock

import libvirt
import pytest

from mininova import exception
from mininova.compute import power_state
from mininova.virt.libvirt import migration


@pytest.fixture
def instance(drv):
    inst = types.SimpleNamespace(uuid=str(uuid.uuid4()),
                                 name=f"instance-{random.getrandbits(31):08x}",
                                 memory_mb=512, vcpus=1, root_gb=1, image_ref="i",
                                 launched_at=None)
    yield inst
    drv.destroy(None, inst)


@pytest.mark.parametrize("block, shared, decided", [
    (None, True, False), (False, True, False), (None, False, True), (True, False, True)])
def test_the_probe_decides_block_migration(tmp_path, block, shared, decided):
    dest_path, other = tmp_path / "dest", tmp_path / "source"
    name = migration.make_probe(str(dest_path))
    source_path = dest_path if shared else other
    data = migration.decide(str(source_path), "src", {"block_migration": block,
                                                      "probe": name})
    assert (data["block_migration"], data["is_shared_instance_path"]) == (decided, shared)
    migration.remove_probe(str(dest_path), name)
    assert list(dest_path.iterdir()) == []


@pytest.mark.parametrize("block, shared, error", [
    (True, True, exception.InvalidLocalStorage),
    (False, False, exception.InvalidSharedStorage)])
def test_novas_refusals(tmp_path, block, shared, error):
    name = migration.make_probe(str(tmp_path / "dest"))
    source_path = tmp_path / ("dest" if shared else "source")
    with pytest.raises(error):
        migration.decide(str(source_path), "src", {"block_migration": block, "probe": name})


def _hold(jobs, outcome: str | None):
    """Run a 30 s hold in a thread, signal ``outcome`` once it runs; (seconds, error)."""
    result = {}

    def run():
        started = time.monotonic()
        try:
            jobs.run("u1", 30)
        except exception.LiveMigrationAborted as exc:
            result["error"] = exc
        result["took"] = time.monotonic() - started

    thread = threading.Thread(target=run)
    thread.start()
    end = time.monotonic() + 10
    while outcome and not jobs.signal("u1", outcome):
        assert time.monotonic() < end, "the hold never started"
        time.sleep(0.01)
    thread.join(timeout=20)
    return result.get("took"), result.get("error")


def test_force_complete_ends_the_hold_and_abort_cancels_it():
    jobs = migration.Jobs()
    assert not jobs.signal("u1", "abort")
    took, error = _hold(jobs, "complete")
    assert took < 10 and error is None
    took, error = _hold(jobs, "abort")
    assert took < 10 and isinstance(error, exception.LiveMigrationAborted)
    jobs.run("u1", 0)  # no hold: immediate


def test_each_step_on_the_test_hypervisor(db, drv, instance, tmp_path):
    drv.spawn(None, instance, None)
    check = drv.check_can_live_migrate_destination(None, instance, None)
    data = drv.check_can_live_migrate_source(None, instance, check)
    drv.cleanup_live_migration_destination_check(None, check)
    assert data["is_shared_instance_path"] and data["block_migration"] is False
    drv.live_migration(None, instance, "dst", data)
    drv.post_live_migration(None, instance, data)  # the source's copy goes
    with pytest.raises(exception.InstanceNotFound):
        drv.get_info(instance)
    drv.pre_live_migration(None, instance, data)  # the destination defines it, off
    assert drv.get_info(instance).state == power_state.SHUTDOWN
    drv.rollback_live_migration_at_destination(None, instance)
    with pytest.raises(exception.InstanceNotFound):
        drv.get_info(instance)
    drv.pre_live_migration(None, instance, data)
    drv.post_live_migration_at_destination(None, instance)
    assert drv.get_info(instance).state == power_state.RUNNING
    assert (tmp_path / "instances" / instance.uuid / "host").read_text() == "fake-host"


def test_a_guest_that_is_not_running_cannot_leave(drv, instance):
    drv.spawn(None, instance, None)
    drv.power_off(instance)
    with pytest.raises(exception.MigrationPreCheckError, match="not running"):
        drv.check_can_live_migrate_source(None, instance, {"block_migration": None})


def test_a_qemu_destination_names_its_address_and_block_migration_is_refused(
        drv, instance, flags):
    flags(live_migration_inbound_addr="10.0.0.7", group="libvirt")
    drv.spawn(None, instance, None)
    with mock.patch.object(drv._host, "is_test_driver", return_value=False):
        check = drv.check_can_live_migrate_destination(None, instance, None)
        assert check["target_connect_addr"] == "10.0.0.7"
        data = drv.check_can_live_migrate_source(None, instance, check)
        assert data["is_shared_instance_path"] and not data["block_migration"]
        drv.cleanup_live_migration_destination_check(None, check)
        unshared = drv.check_can_live_migrate_destination(None, instance, None)
        drv.cleanup_live_migration_destination_check(None, unshared)
        with pytest.raises(exception.MigrationPreCheckError, match="block migration"):
            drv.check_can_live_migrate_source(None, instance,
                                              dict(unshared, block_migration=True,
                                                   probe="elsewhere"))


def test_the_qemu_move_is_novas_peer_to_peer_migration(drv, instance):
    domain = mock.Mock()
    with mock.patch.object(drv._host, "get_domain", return_value=domain):
        drv._live_migrate_guest(instance, "dst", {"target_connect_addr": "10.0.0.7",
                                                  "is_shared_instance_path": True})
    uri, params, flags = domain.migrateToURI3.call_args.args
    assert (uri, params) == ("qemu+tcp://10.0.0.7/system",
                             {libvirt.VIR_MIGRATE_PARAM_URI: "tcp://10.0.0.7"})
    for flag in (libvirt.VIR_MIGRATE_LIVE, libvirt.VIR_MIGRATE_PEER2PEER,
                 libvirt.VIR_MIGRATE_PERSIST_DEST, libvirt.VIR_MIGRATE_UNDEFINE_SOURCE,
                 libvirt.VIR_MIGRATE_UNSAFE):
        assert flags & flag
    with mock.patch.object(drv._host, "get_domain", return_value=domain):
        drv._live_migrate_guest(instance, "dst", {"is_shared_instance_path": False})
    uri, params, flags = domain.migrateToURI3.call_args.args
    assert (uri, params) == ("qemu+tcp://dst/system", {})
    assert not flags & libvirt.VIR_MIGRATE_UNSAFE


def _watched(jobs, outcome=None, timeout=0.0, timeout_action="abort"):
    """A 'migration' that lasts until an action ends it, watched by ``jobs.monitor``;
    (actions taken, error raised)."""
    done, taken, result = threading.Event(), [], {}

    def migrate():
        assert done.wait(20), "no action ended the move"
        if taken == ["abort"]:
            raise RuntimeError("operation aborted: migration job: canceled by client")

    def act(name):
        taken.append(name)
        done.set()

    def run():
        try:
            jobs.monitor("u1", migrate, {"abort": lambda: act("abort"),
                                         "complete": lambda: act("complete")},
                         timeout=timeout, timeout_action=timeout_action, poll=0.05)
        except Exception as exc:
            result["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    end = time.monotonic() + 10
    while outcome and not jobs.signal("u1", outcome):
        assert time.monotonic() < end, "the watch never started"
        time.sleep(0.01)
    thread.join(timeout=20)
    return taken, result.get("error")


def test_the_watch_aborts_completes_and_times_out():
    jobs = migration.Jobs()
    taken, error = _watched(jobs, "abort")
    assert taken == ["abort"] and isinstance(error, exception.LiveMigrationAborted)
    taken, error = _watched(jobs, "complete")
    assert taken == ["complete"] and error is None
    taken, error = _watched(jobs, timeout=0.2, timeout_action="complete")
    assert taken == ["complete"] and error is None
    taken, error = _watched(jobs, timeout=0.2)
    assert taken == ["abort"] and isinstance(error, exception.LiveMigrationAborted)
    assert not jobs.signal("u1", "abort")  # nothing left running


def test_a_failed_forced_move_resumes_the_guest_on_its_source(drv, instance):
    domain = mock.Mock()
    started = threading.Event()

    def migrate(*args):
        started.set()
        time.sleep(0.5)
        raise libvirt.libvirtError("migration failed")
    domain.migrateToURI3.side_effect = migrate

    def force():
        assert started.wait(10)
        assert drv.live_migration_force_complete(instance)

    forcer = threading.Thread(target=force)
    forcer.start()
    with mock.patch.object(drv._host, "get_domain", return_value=domain):
        with pytest.raises(exception.HypervisorError, match="migration failed"):
            drv._live_migrate_guest(instance, "dst", {"is_shared_instance_path": True})
    forcer.join(10)
    assert domain.suspend.called and domain.resume.called
