"""Migrations (resize, cold and live migration): the rows os-migrations and
/servers/{id}/migrations list, and the queries the move flows need."""
import datetime

import sqlalchemy as sa
from oslo_utils import strutils

from mininova import exception
from mininova.db import api as db_api
from mininova.db import models

# Statuses of a move that is over: everything else is in progress (Nova's list).
DONE_STATUSES = ("completed", "done", "error", "failed", "cancelled", "confirmed",
                 "reverted")


def migration_create(values: dict) -> models.Migration:
    row = models.Migration(**values)
    with db_api.session() as sess:
        sess.add(row)
    return row


def migration_get(migration_id: int) -> models.Migration:
    with db_api.session() as sess:
        row = sess.get(models.Migration, migration_id)
    if row is None:
        raise exception.MigrationNotFound(migration_id=migration_id)
    return row


def migration_update(migration_id: int, values: dict,
                     expected_status: list[str] | None = None) -> models.Migration:
    """Update one migration; with ``expected_status`` only while its status is one of
    them (MigrationNotFound otherwise): the status is the flows' compare-and-swap."""
    mig = models.Migration
    values = {key: db_api.naive(value) for key, value in values.items()}
    values["updated_at"] = db_api.utcnow()
    stmt = sa.update(mig).where(mig.id == migration_id)
    if expected_status is not None:
        stmt = stmt.where(mig.status.in_(expected_status))
    with db_api.session() as sess:
        if sess.execute(stmt.values(**values)).rowcount != 1:
            raise exception.MigrationNotFound(migration_id=migration_id)
        return sess.get(models.Migration, migration_id, populate_existing=True)


def migration_get_by_instance_and_status(instance_uuid: str,
                                         status: str) -> models.Migration:
    """The instance's newest migration in ``status`` (MigrationNotFoundByStatus if none)."""
    mig = models.Migration
    with db_api.session() as sess:
        row = sess.scalars(sa.select(mig).where(
            mig.instance_uuid == instance_uuid, mig.status == status)
            .order_by(mig.id.desc())).first()
    if row is None:
        raise exception.MigrationNotFoundByStatus(instance_id=instance_uuid, status=status)
    return row


def migration_get_all(filters: dict, limit: int | None = None,
                      marker: str | None = None) -> list:
    """Migrations matching ``filters``, newest first, after ``marker`` (a uuid).

    ``host`` matches the source or the destination; ``hidden`` is a boolean string; the
    changes filters bound the last change (both ends included), as Nova's.
    """
    mig = models.Migration
    filters = dict(filters)
    query = sa.select(mig)
    changed = sa.func.coalesce(mig.updated_at, mig.created_at)
    if filters.get("changes_since") is not None:
        query = query.where(changed >= db_api.naive(filters["changes_since"]))
    if filters.get("changes_before") is not None:
        query = query.where(changed <= db_api.naive(filters["changes_before"]))
    for key in ("changes_since", "changes_before"):
        filters.pop(key, None)
    if "host" in filters:
        host = filters.pop("host")
        query = query.where(sa.or_(mig.source_compute == host, mig.dest_compute == host))
    if "hidden" in filters:
        query = query.where(mig.hidden == strutils.bool_from_string(filters.pop("hidden")))
    for key, value in filters.items():
        query = query.where(getattr(mig, key) == value)
    query = query.order_by(mig.created_at.desc(), mig.id.desc())
    with db_api.session() as sess:
        if marker is not None:
            mrow = sess.scalars(sa.select(mig).where(mig.uuid == marker)).first()
            if mrow is None:
                raise exception.MarkerNotFound(marker=marker)
            query = query.where(sa.or_(mig.created_at < mrow.created_at, sa.and_(
                mig.created_at == mrow.created_at, mig.id < mrow.id)))
        if limit is not None:
            query = query.limit(limit)
        return list(sess.scalars(query))


def migration_get_in_progress_by_instance(instance_uuid: str,
                                          migration_type: str | None = None) -> list:
    """The instance's migrations that are still running."""
    mig = models.Migration
    query = sa.select(mig).where(mig.instance_uuid == instance_uuid,
                                 mig.status.not_in(DONE_STATUSES))
    if migration_type is not None:
        query = query.where(mig.migration_type == migration_type)
    with db_api.session() as sess:
        return list(sess.scalars(query.order_by(mig.id)))


def migration_get_unconfirmed_by_dest_compute(confirm_window: int,
                                              dest_compute: str) -> list:
    """Finished resizes to ``dest_compute`` left unconfirmed for ``confirm_window``
    seconds (the resize_confirm_window auto-confirm)."""
    mig = models.Migration
    cutoff = db_api.utcnow() - datetime.timedelta(seconds=confirm_window)
    with db_api.session() as sess:
        return list(sess.scalars(sa.select(mig).where(
            mig.status == "finished", mig.dest_compute == dest_compute,
            sa.func.coalesce(mig.updated_at, mig.created_at) <= cutoff)))


# -- live migration: the two ends of a move, each one transaction ----------------------
# NOTE: the instance's task_state (migrating) and the migration's status are compared and
# swapped together, so of the destination's switch and a rollback (the source's, the
# conductor's, a restarted compute's) exactly one happens.

class _Lost(Exception):
    """Rolls the transaction back: the other end of the move happened first."""


def _end_live_migration(sess, migration_id: int, instance_uuid: str, status: str,
                        expected_status: list[str], instance_values: dict) -> None:
    inst, mig = models.Instance, models.Migration
    now = db_api.utcnow()
    moved = sess.execute(sa.update(inst).where(
        inst.uuid == instance_uuid, inst.deleted == 0, inst.task_state == "migrating")
        .values(task_state=None, updated_at=now, **instance_values)
        .execution_options(synchronize_session=False))
    ended = sess.execute(sa.update(mig).where(
        mig.id == migration_id, mig.status.in_(expected_status))
        .values(status=status, updated_at=now)
        .execution_options(synchronize_session=False))
    if moved.rowcount != 1 or ended.rowcount != 1:
        raise _Lost()


def live_migration_switch(migration_id: int, migration_uuid: str, instance_uuid: str,
                          dest: str) -> bool:
    """The destination takes the server: its host becomes ``dest`` (ACTIVE, no task),
    the migration ``completed``, the source's claim (the migration's) freed. False when
    the move was rolled back first (nothing is changed)."""
    alloc = models.Allocation
    try:
        with db_api.session() as sess:
            _end_live_migration(sess, migration_id, instance_uuid, "completed",
                                ["running"], {"host": dest, "node": dest,
                                              "vm_state": "active"})
            sess.execute(sa.delete(alloc).where(alloc.consumer_uuid == migration_uuid)
                         .execution_options(synchronize_session=False))
    except _Lost:
        return False
    return True


def live_migration_rollback(migration_id: int, migration_uuid: str, instance_uuid: str,
                            source: str, status: str = "error",
                            instance_values: dict | None = None) -> bool:
    """The server stays on its source (ACTIVE, no task, unless ``instance_values`` says
    what the source's hypervisor shows), the migration ends in ``status`` (error, or
    cancelled for an abort), the destination's claim goes and the source's comes back
    to the instance. False when the move is over already."""
    alloc = models.Allocation
    try:
        with db_api.session() as sess:
            _end_live_migration(sess, migration_id, instance_uuid, status,
                                ["accepted", "preparing", "running"],
                                {"vm_state": "active", **(instance_values or {})})
            held = sess.scalar(sa.select(alloc.id).where(
                alloc.consumer_uuid == migration_uuid))
            gone = sa.delete(alloc).where(alloc.consumer_uuid == instance_uuid)
            if held is None:
                # NOTE: nothing was handed to the migration: only a claim the scheduler
                # made on the destination goes.
                gone = gone.where(alloc.host != source)
            sess.execute(gone.execution_options(synchronize_session=False))
            if held is not None:
                sess.execute(sa.update(alloc).where(alloc.id == held)
                             .values(consumer_uuid=instance_uuid)
                             .execution_options(synchronize_session=False))
    except _Lost:
        return False
    return True
