"""Migrations (resize and cold migration): the rows os-migrations and
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
