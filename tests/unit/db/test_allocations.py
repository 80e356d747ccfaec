"""Claims on SQLite: within the limits or not at all, never twice the same room, released
with the instance, healed on upgrade."""
import concurrent.futures
import threading
import uuid

import pytest
import sqlalchemy as sa

from mininova import conf
from mininova import exception
from mininova.db import allocations as db_allocations
from mininova.db import api as db_api
from mininova.db import instances as db_instances
from mininova.db import migration
from mininova.db import services as db_services

LIMITS = db_allocations.Resources(vcpus=4, memory_mb=2048, disk_gb=20)
TINY = db_allocations.Resources(vcpus=1, memory_mb=512, disk_gb=1)


def _node(host: str) -> None:
    db_services.compute_node_update_or_create(host, {
        "hypervisor_hostname": host, "hypervisor_type": "TEST", "hypervisor_version": 1,
        "vcpus": 4, "memory_mb": 2048, "local_gb": 20})


def _instance(**values) -> str:
    uid = str(uuid.uuid4())
    db_instances.instance_create({
        "uuid": uid, "display_name": "vm", "project_id": "p1", "user_id": "u",
        "image_ref": "i", "flavor_id": "1", "flavor_name": "f", "memory_mb": 512,
        "vcpus": 1, "root_gb": 1, "vm_state": "building", **values})
    return uid


def _generation(host: str) -> int:
    with db_api.session() as sess:
        return sess.scalar(sa.text("SELECT generation FROM compute_nodes WHERE host = :h"),
                           {"h": host})


def test_claim_within_limits_places_the_instance_and_bumps_the_generation(db):
    _node("c1")
    uid = _instance()
    assert db_allocations.claim(uid, "c1", TINY, LIMITS)
    assert db_instances.instance_get_by_uuid(uid).host == "c1"
    assert db_allocations.usage_by_host() == {
        "c1": {"instances": 1, "vcpus": 1, "memory_mb": 512, "disk_gb": 1}}
    assert _generation("c1") == 1


def test_claim_over_any_limit_writes_nothing(db):
    _node("c1")
    first, second = _instance(), _instance()
    assert db_allocations.claim(first, "c1", TINY._replace(memory_mb=1536), LIMITS)
    assert not db_allocations.claim(second, "c1", TINY._replace(memory_mb=513), LIMITS)
    assert not db_allocations.claim(second, "c1", TINY._replace(vcpus=4), LIMITS)
    assert not db_allocations.claim(second, "c1", TINY._replace(disk_gb=20), LIMITS)
    assert db_instances.instance_get_by_uuid(second).host is None
    assert db_allocations.get_by_consumer(second) is None
    # Exactly full is allowed.
    assert db_allocations.claim(second, "c1", TINY, LIMITS)
    assert db_allocations.usage_by_host()["c1"]["memory_mb"] == 2048


def test_claim_on_a_host_without_node_or_for_a_deleted_instance(db):
    _node("c1")
    uid = _instance()
    assert not db_allocations.claim(uid, "nowhere", TINY, LIMITS)
    db_instances.instance_destroy(uid)
    with pytest.raises(exception.InstanceNotFound):
        db_allocations.claim(uid, "c1", TINY, LIMITS)
    assert db_allocations.usage_by_host() == {}


def test_a_claim_replaces_what_the_consumer_held(db):
    _node("c1")
    _node("c2")
    uid = _instance()
    assert db_allocations.claim(uid, "c1", TINY, LIMITS)
    assert db_allocations.claim(uid, "c2", TINY, LIMITS)
    assert set(db_allocations.usage_by_host()) == {"c2"}


def test_delete_and_release_free_the_claim(db):
    _node("c1")
    kept, failed = _instance(), _instance()
    for uid in (kept, failed):
        assert db_allocations.claim(uid, "c1", TINY, LIMITS)
    db_instances.instance_destroy(kept)
    assert db_allocations.release(failed)
    assert not db_allocations.release(failed)
    assert db_allocations.usage_by_host() == {}


def test_concurrent_claims_never_exceed_the_limits(db):
    """Ten threads (each its own connection) race for four slots of one host."""
    _node("c1")
    uids = [_instance() for _ in range(10)]
    barrier = threading.Barrier(len(uids))

    def claim(uid):
        barrier.wait(timeout=10)
        return db_allocations.claim(uid, "c1", TINY, LIMITS)

    with concurrent.futures.ThreadPoolExecutor(len(uids)) as pool:
        results = list(pool.map(claim, uids))
    assert results.count(True) == 4
    usage = db_allocations.usage_by_host()["c1"]
    assert (usage["instances"], usage["memory_mb"]) == (4, 2048)


def test_move_allocations_hands_the_claim_over(db):
    _node("c1")
    uid, migration_uuid = _instance(), str(uuid.uuid4())
    assert db_allocations.claim(uid, "c1", TINY, LIMITS)
    assert db_allocations.move_allocations(uid, migration_uuid)
    assert db_allocations.get_by_consumer(uid) is None
    assert db_allocations.get_by_consumer(migration_uuid).host == "c1"
    assert not db_allocations.move_allocations(uid, migration_uuid)


def test_upgrade_to_0009_counts_existing_servers(tmp_path, flags):
    flags(connection=f"sqlite:///{tmp_path}/old.sqlite", group="database")
    db_api.dispose_engine()
    migration.db_sync("0008")
    engine = sa.create_engine(conf.CONF.database.connection)
    with engine.begin() as conn:
        for uid, host, state, launched, deleted in (
                ("a", "c1", "active", "2026-01-01 00:00:00", 0),
                ("b", "c1", "stopped", "2026-01-01 00:00:00", 0),
                ("c", "c1", "error", None, 0),  # a failed build: Nova freed it
                ("d", None, "error", None, 0),  # never placed
                ("e", "c1", "deleted", "2026-01-01 00:00:00", 5)):
            conn.execute(sa.text(
                "INSERT INTO instances (uuid, display_name, project_id, user_id, image_ref,"
                " flavor_id, flavor_name, memory_mb, vcpus, root_gb, ephemeral_gb, host,"
                " vm_state, power_state, deleted, created_at, launched_at, locked, swap,"
                " launch_index, auto_disk_config) VALUES (:u, 'vm', 'p', 'u', 'i', '1', 'f',"
                " 512, 1, 1, 2, :h, :s, 0, :d, '2026-01-01 00:00:00', :l, 0, 0, 0, 0)"),
                {"u": uid, "h": host, "s": state, "l": launched, "d": deleted})
    engine.dispose()
    migration.db_sync()
    assert db_allocations.usage_by_host() == {
        "c1": {"instances": 2, "vcpus": 2, "memory_mb": 1024, "disk_gb": 6}}
    assert db_allocations.heal() == []
    db_api.dispose_engine()


def test_a_deadlock_victim_is_run_again(db, monkeypatch):
    """PostgreSQL's 40P01 and MariaDB's 1213 mean "run the transaction again"."""
    _node("c1")
    uid = _instance()
    real_used, calls = db_allocations._used, []

    class PgDeadlock(Exception):
        pgcode = "40P01"

    def used_once_deadlocked(sess, host):
        calls.append(host)
        if len(calls) == 1:
            raise sa.exc.OperationalError("SELECT", {}, PgDeadlock())
        return real_used(sess, host)

    monkeypatch.setattr(db_allocations, "_used", used_once_deadlocked)
    assert db_allocations.claim(uid, "c1", TINY, LIMITS)
    assert calls == ["c1", "c1"]
    assert _generation("c1") == 1  # the victim's bump was rolled back

    def always_waiting(sess, host):
        calls.append(host)
        raise sa.exc.OperationalError("SELECT", {}, Exception(1205, "lock wait timeout"))

    calls.clear()
    monkeypatch.setattr(db_allocations, "_used", always_waiting)
    with pytest.raises(sa.exc.OperationalError):
        db_allocations.claim(uid, "c1", TINY, LIMITS)
    assert len(calls) == db_allocations._DEADLOCK_RETRIES
