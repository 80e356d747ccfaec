"""Usage queries for the admin reports: instances alive in a time window
(os-simple-tenant-usage) and the runs of the instance usage audit (task_log)."""
import datetime

import sqlalchemy as sa

from mininova import exception
from mininova.db import api as db_api
from mininova.db import models


def instance_get_active_by_window(begin: datetime.datetime, end: datetime.datetime,
                                  project_id: str | None = None, limit: int | None = None,
                                  marker: str | None = None,
                                  host: str | None = None) -> list[models.Instance]:
    """Instances launched before ``end`` and not terminated before ``begin``, deleted ones
    included (a deleted instance counts for its lifetime), ordered by project then uuid
    (Nova's order, so a marker pages across projects); ``marker`` is the last uuid seen."""
    inst = models.Instance
    begin, end = db_api.naive(begin), db_api.naive(end)
    query = sa.select(inst).where(
        sa.or_(inst.terminated_at.is_(None), inst.terminated_at > begin),
        inst.launched_at < end)
    if project_id is not None:
        query = query.where(inst.project_id == project_id)
    if host is not None:
        query = query.where(inst.host == host)
    query = query.order_by(inst.project_id, inst.uuid)
    with db_api.session() as sess:
        if marker is not None:
            last = sess.scalars(sa.select(inst).where(inst.uuid == marker)).first()
            if last is None:
                raise exception.MarkerNotFound(marker=marker)
            query = query.where(sa.or_(
                inst.project_id > last.project_id,
                sa.and_(inst.project_id == last.project_id, inst.uuid > last.uuid)))
        if limit is not None:
            query = query.limit(limit)
        return list(sess.scalars(query))


def task_log_get_all(task_name: str, begin: datetime.datetime, end: datetime.datetime,
                     host: str | None = None) -> list[models.TaskLog]:
    """The runs of ``task_name`` on every host (or one) for exactly the period
    [begin, end)."""
    log = models.TaskLog
    query = sa.select(log).where(
        log.task_name == task_name, log.period_beginning == db_api.naive(begin),
        log.period_ending == db_api.naive(end)).order_by(log.host)
    if host is not None:
        query = query.where(log.host == host)
    with db_api.session() as sess:
        return list(sess.scalars(query))


def task_log_begin_task(task_name: str, host: str, begin: datetime.datetime,
                        end: datetime.datetime) -> models.TaskLog:
    """Insert the RUNNING row of a run; its items are the instances alive on the host in
    the period. TaskAlreadyRunning when the period has a row for the host already."""
    items = len(instance_get_active_by_window(begin, end, host=host))
    row = models.TaskLog(task_name=task_name, host=host, state="RUNNING",
                         period_beginning=db_api.naive(begin),
                         period_ending=db_api.naive(end), task_items=items, errors=0,
                         message="Instance usage audit started...")
    try:
        with db_api.session() as sess:
            sess.add(row)
    except sa.exc.IntegrityError as exc:
        raise exception.TaskAlreadyRunning(task_name=task_name, host=host) from exc
    return row


def task_log_end_task(task_name: str, host: str, begin: datetime.datetime,
                      end: datetime.datetime, errors: int, message: str) -> models.TaskLog:
    """Mark a run DONE."""
    log = models.TaskLog
    with db_api.session() as sess:
        row = sess.scalars(sa.select(log).where(
            log.task_name == task_name, log.host == host,
            log.period_beginning == db_api.naive(begin),
            log.period_ending == db_api.naive(end))).one()
        row.state, row.errors, row.message = "DONE", errors, message[:255]
    return row
