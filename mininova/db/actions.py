"""Instance actions, their events, and instance faults."""
import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from mininova import exception
from mininova.db import api as db_api
from mininova.db import models


def action_start(values: dict, sess: orm.Session | None = None) -> models.InstanceAction:
    """Insert an action (with ``sess``, inside that transaction)."""
    row = models.InstanceAction(**values)
    if sess is not None:
        sess.add(row)
        sess.flush()
        return row
    with db_api.session() as own:
        own.add(row)
    return row


def _action_by_request(sess: orm.Session, instance_uuid: str,
                       request_id: str) -> models.InstanceAction | None:
    return sess.scalars(sa.select(models.InstanceAction).where(
        models.InstanceAction.instance_uuid == instance_uuid,
        models.InstanceAction.request_id == request_id)
        .order_by(models.InstanceAction.id.desc())).first()


def action_get_by_request_id(instance_uuid: str, request_id: str) -> models.InstanceAction:
    with db_api.session() as sess:
        row = _action_by_request(sess, instance_uuid, request_id)
    if row is None:
        raise exception.InstanceActionNotFound(request_id=request_id,
                                               instance_uuid=instance_uuid)
    return row


def actions_get(instance_uuid: str, limit: int | None = None, marker: str | None = None,
                changes_since: datetime.datetime | None = None,
                changes_before: datetime.datetime | None = None) -> list:
    """An instance's actions, newest first; ``marker`` is the request id of the last one
    seen; the changes filters bound updated_at (both ends included), as Nova does."""
    act = models.InstanceAction
    query = (sa.select(act).where(act.instance_uuid == instance_uuid)
             .order_by(act.start_time.desc(), act.id.desc()))
    # NOTE: rows from before 0005 may never have been updated: their start is their change.
    changed = sa.func.coalesce(act.updated_at, act.start_time)
    if changes_since is not None:
        query = query.where(changed >= db_api.naive(changes_since))
    if changes_before is not None:
        query = query.where(changed <= db_api.naive(changes_before))
    with db_api.session() as sess:
        if marker is not None:
            mrow = _action_by_request(sess, instance_uuid, marker)
            if mrow is None:
                raise exception.MarkerNotFound(marker=marker)
            query = query.where(sa.or_(act.start_time < mrow.start_time, sa.and_(
                act.start_time == mrow.start_time, act.id < mrow.id)))
        if limit is not None:
            query = query.limit(limit)
        return list(sess.scalars(query))


def action_event_start(instance_uuid: str, request_id: str, values: dict) -> None:
    with db_api.session() as sess:
        action = _action_by_request(sess, instance_uuid, request_id)
        if action is None:
            raise exception.InstanceActionNotFound(request_id=request_id,
                                                   instance_uuid=instance_uuid)
        sess.add(models.InstanceActionEvent(action_id=action.id, **values))
        # NOTE: an event is a change of its action (2.58 updated_at, changes-since).
        action.updated_at = values["start_time"]


def action_event_finish(instance_uuid: str, request_id: str, event: str,
                        values: dict) -> None:
    """Close the event and, on error, mark its action failed (Nova's message 'Error')."""
    with db_api.session() as sess:
        action = _action_by_request(sess, instance_uuid, request_id)
        if action is None:
            raise exception.InstanceActionNotFound(request_id=request_id,
                                                   instance_uuid=instance_uuid)
        row = sess.scalars(sa.select(models.InstanceActionEvent).where(
            models.InstanceActionEvent.action_id == action.id,
            models.InstanceActionEvent.event == event)
            .order_by(models.InstanceActionEvent.id.desc())).first()
        if row is None:
            row = models.InstanceActionEvent(action_id=action.id, event=event,
                                             start_time=values["finish_time"])
            sess.add(row)
        for key, value in values.items():
            setattr(row, key, value)
        action.finish_time = values["finish_time"]
        action.updated_at = values["finish_time"]
        if values.get("result") == "Error":
            action.message = "Error"


def action_event_record(instance_uuid: str, request_id: str, values: dict,
                        sess: orm.Session | None = None) -> None:
    """Write a whole event (start and finish) in one go, and update its action as
    action_event_finish does. With ``sess``, inside that transaction (the instance's
    final save, db/instances.instance_update_and_record_event)."""
    if sess is None:
        with db_api.session() as own:
            action_event_record(instance_uuid, request_id, values, own)
        return
    action = _action_by_request(sess, instance_uuid, request_id)
    if action is None:
        raise exception.InstanceActionNotFound(request_id=request_id,
                                               instance_uuid=instance_uuid)
    sess.add(models.InstanceActionEvent(action_id=action.id, **values))
    action.finish_time = values["finish_time"]
    action.updated_at = values["finish_time"]
    if values.get("result") == "Error":
        action.message = "Error"


def action_events_get(action_id: int) -> list:
    with db_api.session() as sess:
        return list(sess.scalars(sa.select(models.InstanceActionEvent).where(
            models.InstanceActionEvent.action_id == action_id)
            .order_by(models.InstanceActionEvent.id)))


def instance_fault_create(values: dict) -> models.InstanceFault:
    row = models.InstanceFault(**values)
    with db_api.session() as sess:
        sess.add(row)
    return row


def instance_fault_get_latest(instance_uuids: list[str]) -> dict[str, models.InstanceFault]:
    """The newest fault of each instance, in one query (for list views)."""
    if not instance_uuids:
        return {}
    fault = models.InstanceFault
    with db_api.session() as sess:
        rows = sess.scalars(sa.select(fault).where(fault.instance_uuid.in_(instance_uuids))
                            .order_by(fault.id))
        return {row.instance_uuid: row for row in rows}


def unfinished_events(host: str, events: list[str]) -> list[tuple]:
    """The events named ``events`` that ``host`` started and never finished (its
    service died in them), oldest first: (event, instance_uuid, request_id, user_id,
    project_id)."""
    act, ev = models.InstanceAction, models.InstanceActionEvent
    with db_api.session() as sess:
        return [tuple(row) for row in sess.execute(
            sa.select(ev.event, act.instance_uuid, act.request_id, act.user_id,
                      act.project_id)
            .join(act, ev.action_id == act.id)
            .where(ev.host == host, ev.event.in_(events), ev.finish_time.is_(None))
            .order_by(ev.id))]
