"""Instances, their tags and the per-project usage of a host (os-hosts)."""
import contextlib
import types

import sqlalchemy as sa
from sqlalchemy import orm

from mininova import exception
from mininova.db import actions as db_actions
from mininova.db import allocations as db_allocations
from mininova.db import api as db_api
from mininova.db import compute_migrations as db_migrations
from mininova.db import fixed_ips as db_fixed_ips
from mininova.db import instance_metadata as db_metadata
from mininova.db import models


def instance_create(values: dict, action: dict | None = None) -> models.Instance:
    """Insert an instance and, given its ``action`` row (db/actions.action_start's
    values), the action that creates it, in one transaction."""
    row = models.Instance(**values)
    with db_api.session() as sess:
        sess.add(row)
        if action is not None:
            sess.flush()
            db_actions.action_start(action, sess)
    return row


def loaded_fixed_ips(row) -> list:
    """The row's fixed IPs as loaded with it (a mapped row, or a listing's plain one from
    instance_get_all); none for a row just inserted, which has no addresses yet (nor a
    loaded collection)."""
    if not isinstance(row, models.Instance):
        return row.fixed_ips
    return [] if "fixed_ips" in sa.inspect(row).unloaded else row.fixed_ips


def _one_instance(sess, *conditions) -> models.Instance | None:
    """The instance row matching ``conditions``, its addresses in the same query: for
    one row a join costs a third less than the second query of the model's selectin
    loading, which listings keep (one IN query for the whole page)."""
    inst = models.Instance
    return sess.scalars(sa.select(inst).where(*conditions).options(
        orm.joinedload(inst.fixed_ips))).unique().first()


def instance_get_by_uuid(uuid: str, read_deleted: bool = False) -> models.Instance:
    inst = models.Instance
    conditions = [inst.uuid == uuid] if read_deleted else [inst.uuid == uuid,
                                                           inst.deleted == 0]
    with db_api.session() as sess:
        row = _one_instance(sess, *conditions)
    if row is None:
        raise exception.InstanceNotFound(instance_id=uuid)
    return row


def instance_get_states(uuid: str) -> tuple[str, str | None]:
    """(vm_state, task_state) of a live instance, and nothing else."""
    inst = models.Instance
    with db_api.session() as sess:
        row = sess.execute(sa.select(inst.vm_state, inst.task_state).where(
            inst.uuid == uuid, inst.deleted == 0)).first()
    if row is None:
        raise exception.InstanceNotFound(instance_id=uuid)
    return row.vm_state, row.task_state


SORT_KEYS = ("created_at", "updated_at", "launched_at", "display_name", "uuid", "host",
             "vm_state", "task_state", "project_id", "user_id")


def instance_get_all(filters: dict, limit: int | None = None, marker: str | None = None,
                     sort_key: str = "created_at", sort_dir: str = "desc",
                     columns: tuple[str, ...] | None = None) -> list:
    """Instances matching ``filters``, sorted, paged by ``marker`` (the last one seen), as
    plain rows (their columns, and ``fixed_ips``), not mapped objects; with ``columns``,
    only those columns and no ``fixed_ips`` (a list that shows ids and names).

    Exact-match filters name columns; ``name`` is a regular expression on the display
    name and ``regex`` maps more columns to regular expressions (dates as their stored
    text); ``changes_since`` / ``changes_before`` bound the last change and also return
    instances deleted in that window, as Nova does; ``deleted`` True lists only deleted
    instances; ``tags`` (all of), ``tags_any``, ``not_tags`` (not all of) and
    ``not_tags_any`` (none of) take lists of tags; ``ip`` is a regular expression one of
    the instance's addresses matches from its start (Nova's re.match).
    """
    inst = models.Instance
    filters = dict(filters)
    changes_since = filters.pop("changes_since", None)
    changes_before = filters.pop("changes_before", None)
    regex = dict(filters.pop("regex", {}))
    if "name" in filters:
        regex["display_name"] = filters.pop("name")
    table = inst.__table__
    query = (sa.select(*(table.c[name] for name in columns)) if columns
             else sa.select(table)).where(*_tag_conditions(filters))
    if "ip" in filters:
        fip = models.FixedIp
        query = query.where(sa.exists().where(
            fip.instance_uuid == inst.uuid,
            fip.address.regexp_match(f"^(?:{filters.pop('ip')})")))
    changed = sa.func.coalesce(inst.updated_at, inst.created_at)
    if filters.pop("deleted", False):
        query = query.where(inst.deleted != 0)
    elif changes_since is None and changes_before is None:
        query = query.where(inst.deleted == 0)
    if changes_since is not None:
        query = query.where(changed >= db_api.naive(changes_since))
    if changes_before is not None:
        query = query.where(changed <= db_api.naive(changes_before))
    for key, pattern in regex.items():
        column = getattr(inst, key)
        if isinstance(column.type, sa.DateTime):
            column = sa.cast(column, sa.String)
        query = query.where(column.regexp_match(pattern))
    for key, value in filters.items():
        query = query.where(getattr(inst, key) == value)
    column = getattr(inst, sort_key)
    order = sa.desc if sort_dir == "desc" else sa.asc
    query = query.order_by(order(column), order(inst.id))
    with db_api.session() as sess:
        if marker is not None:
            mrow = sess.scalars(sa.select(inst).where(inst.uuid == marker)).first()
            if mrow is None:
                raise exception.Invalid(reason=f"marker [{marker}] not found")
            mkey = getattr(mrow, sort_key)
            after = column < mkey if sort_dir == "desc" else column > mkey
            tie = sa.and_(column == mkey,
                          inst.id < mrow.id if sort_dir == "desc" else inst.id > mrow.id)
            query = query.where(sa.or_(after, tie))
        if limit is not None:
            query = query.limit(limit)
        # NOTE: run on the connection (Core), not through the ORM session, whose result
        # wraps each row again: a third of the time of reading a thousand rows.
        result = sess.connection().execute(query)
        keys = tuple(result.keys())
        rows = result.all()
        ips = {} if columns else _fixed_ips_of(sess, [row.uuid for row in rows])
    # NOTE: plain rows, not mapped objects: a listing only reads them, and building a
    # thousand tracked ORM objects (and their addresses') was a third of its time.
    listed = []
    for row in rows:
        item = types.SimpleNamespace(fixed_ips=ips.get(row.uuid, []))
        item.__dict__.update(zip(keys, row, strict=True))
        listed.append(item)
    return listed


_IN_CHUNK = 500


def _fixed_ips_of(sess, uuids: list[str]) -> dict[str, list]:
    """The addresses of the instances ``uuids``, by instance, in allocation order."""
    fip = models.FixedIp.__table__
    found: dict[str, list] = {}
    for start in range(0, len(uuids), _IN_CHUNK):
        chunk = uuids[start:start + _IN_CHUNK]
        for row in sess.connection().execute(
                sa.select(fip).where(fip.c.instance_uuid.in_(chunk)).order_by(fip.c.id)
        ).all():
            found.setdefault(row.instance_uuid, []).append(row)
    return found


def _tag_conditions(filters: dict) -> list:
    """Pop the tag filters out of ``filters``; their WHERE conditions."""
    inst, tag = models.Instance, models.InstanceTag

    def has(value: str):
        return sa.exists().where(tag.instance_uuid == inst.uuid, tag.tag == value)

    def has_any(values: list[str]):
        return sa.exists().where(tag.instance_uuid == inst.uuid, tag.tag.in_(values))

    conds = []
    if filters.get("tags"):
        conds.append(sa.and_(*[has(value) for value in filters["tags"]]))
    if filters.get("tags_any"):
        conds.append(has_any(filters["tags_any"]))
    if filters.get("not_tags"):
        conds.append(sa.not_(sa.and_(*[has(value) for value in filters["not_tags"]])))
    if filters.get("not_tags_any"):
        conds.append(sa.not_(has_any(filters["not_tags_any"])))
    for key in ("tags", "tags_any", "not_tags", "not_tags_any"):
        filters.pop(key, None)
    return conds


def instance_update(uuid: str, values: dict, expected_task_state: list | None = None,
                    expected_vm_state: list | None = None) -> models.Instance:
    """Update one live instance atomically.

    With ``expected_task_state`` (a list; ``None`` inside means "no task"), the update only
    happens if the row's task_state is one of them at that instant, so of two concurrent
    writers exactly one wins; the loser gets UnexpectedTaskStateError.
    """
    with db_api.session() as sess:
        return _update_in(sess, uuid, values, expected_task_state, expected_vm_state)


def instance_update_and_record_event(uuid: str, values: dict, request_id: str,
                                     event: dict,
                                     expected_task_state: list | None = None,
                                     expected_vm_state: list | None = None
                                     ) -> models.Instance:
    """instance_update and db/actions.action_event_record in one transaction: the new
    state and the event that led to it show together, or neither does."""
    with db_api.session() as sess:
        row = _update_in(sess, uuid, values, expected_task_state, expected_vm_state)
        _record_event(sess, uuid, request_id, event)
    return row


def instance_update_and_start_action(uuid: str, values: dict, action: dict,
                                     expected_task_state: list | None = None,
                                     expected_vm_state: list | None = None
                                     ) -> tuple[models.Instance, models.InstanceAction]:
    """instance_update and db/actions.action_start in one transaction: the action is
    recorded if, and only if, the compare-and-swap wins."""
    with db_api.session() as sess:
        row = _update_in(sess, uuid, values, expected_task_state, expected_vm_state)
        return row, db_actions.action_start(action, sess)


def _record_event(sess, uuid: str, request_id: str, event: dict) -> None:
    # NOTE: the state is what matters; an action gone (or never recorded) costs only
    # its event, as Nova's EventReporter lets a missing action pass.
    with contextlib.suppress(exception.InstanceActionNotFound):
        db_actions.action_event_record(uuid, request_id, event, sess)


def _update_in(sess, uuid: str, values: dict, expected_task_state: list | None,
               expected_vm_state: list | None) -> models.Instance:
    """The compare-and-swap UPDATE of instance_update, then the row as written."""
    inst = models.Instance
    values = {key: db_api.naive(value) for key, value in values.items()}
    values["updated_at"] = db_api.utcnow()
    stmt = sa.update(inst).where(inst.uuid == uuid, inst.deleted == 0)
    for column, expected in ((inst.task_state, expected_task_state),
                             (inst.vm_state, expected_vm_state)):
        if expected is None:
            continue
        conds = [column.is_(None)] if None in expected else []
        named = [e for e in expected if e is not None]
        if named:
            conds.append(column.in_(named))
        stmt = stmt.where(sa.or_(*conds))
    # NOTE: nothing of this session holds the row yet: no ORM bookkeeping to update.
    result = sess.execute(stmt.values(**values).execution_options(synchronize_session=False))
    if result.rowcount == 1:
        return _one_instance(sess, inst.uuid == uuid)
    row = _one_instance(sess, inst.uuid == uuid, inst.deleted == 0)
    if row is None:
        raise exception.InstanceNotFound(instance_id=uuid)
    if expected_task_state is not None:
        raise exception.UnexpectedTaskStateError(
            instance_uuid=uuid, expected=expected_task_state, actual=row.task_state)
    raise exception.InstanceInvalidState(action="update", instance_uuid=uuid,
                                         attr="vm_state", state=row.vm_state)


def instance_destroy(uuid: str, request_id: str | None = None,
                     event: dict | None = None) -> models.Instance:
    """Soft-delete: the row stays for the action history, marked deleted. With
    ``event``, db/actions.action_event_record of ``request_id``'s action in the same
    transaction."""
    inst = models.Instance
    now = db_api.utcnow()
    with db_api.session() as sess:
        row = _one_instance(sess, inst.uuid == uuid, inst.deleted == 0)
        if row is None:
            raise exception.InstanceNotFound(instance_id=uuid)
        row.deleted = row.id
        row.deleted_at = now
        row.terminated_at = now
        row.vm_state = "deleted"
        row.task_state = None
        sess.execute(sa.delete(models.InstanceTag).where(
            models.InstanceTag.instance_uuid == uuid))
        db_metadata.metadata_destroy(sess, uuid)
        # NOTE: the addresses are freed with the delete itself, whichever service
        # deletes (the compute through the conductor, or the API locally).
        db_fixed_ips.release_for_instance(uuid, sess)
        # NOTE: last, once the instance row is locked (db/allocations.py's lock order).
        sess.flush()
        db_allocations.release_in(sess, uuid)
        _end_migrations(sess, uuid)
        if event is not None:
            _record_event(sess, uuid, request_id, event)
    return row


def _end_migrations(sess, uuid: str) -> None:
    """A deleted instance's moves end with it: each in-progress migration frees the
    source host's claim it held, and is confirmed (a resize waiting for confirmation,
    as Nova confirms it on delete) or failed."""
    mig = models.Migration
    for row in sess.scalars(sa.select(mig).where(
            mig.instance_uuid == uuid, mig.status.not_in(db_migrations.DONE_STATUSES))):
        db_allocations.release_in(sess, row.uuid)
        row.status = "confirmed" if row.status in ("finished", "confirming") else "error"


def instance_tag_get_by_uuids(uuids: list[str]) -> dict[str, list[str]]:
    """The tags of each instance (sorted), in one query."""
    if not uuids:
        return {}
    tag = models.InstanceTag
    found: dict[str, list[str]] = {}
    with db_api.session() as sess:
        for row in sess.scalars(sa.select(tag).where(tag.instance_uuid.in_(uuids))
                                .order_by(tag.tag)):
            found.setdefault(row.instance_uuid, []).append(row.tag)
    return found


def instance_tag_exists(uuid: str, value: str) -> bool:
    tag = models.InstanceTag
    with db_api.session() as sess:
        return sess.scalars(sa.select(tag).where(tag.instance_uuid == uuid,
                                                 tag.tag == value)).first() is not None


def instance_tag_add(uuid: str, value: str, max_count: int) -> bool:
    """Add one tag; False when the instance already has it. Over ``max_count``: 400."""
    tag = models.InstanceTag
    with db_api.session() as sess:
        current = set(sess.scalars(sa.select(tag.tag).where(tag.instance_uuid == uuid)))
        if value in current:
            return False
        if len(current) >= max_count:
            raise exception.Invalid(message=f"The number of tags exceeded the per-server "
                                            f"limit {max_count}")
        sess.add(models.InstanceTag(instance_uuid=uuid, tag=value))
        try:
            sess.flush()
        except sa.exc.IntegrityError:
            # NOTE: a concurrent request added the same tag first: it is there, as asked.
            return False
    return True


def instance_tag_set(uuid: str, values: list[str]) -> None:
    """Replace every tag of the instance with ``values`` in one transaction."""
    tag = models.InstanceTag
    with db_api.session() as sess:
        sess.execute(sa.delete(tag).where(tag.instance_uuid == uuid))
        sess.add_all([models.InstanceTag(instance_uuid=uuid, tag=value)
                      for value in dict.fromkeys(values)])


def instance_tag_delete(uuid: str, value: str) -> None:
    tag = models.InstanceTag
    with db_api.session() as sess:
        result = sess.execute(sa.delete(tag).where(tag.instance_uuid == uuid,
                                                   tag.tag == value))
    if result.rowcount == 0:
        raise exception.TagNotFound(tag=value, instance_id=uuid)


def host_usage_by_project(host: str) -> dict[str, dict]:
    """Resources the live instances on ``host`` take, per project (os-hosts show)."""
    inst = models.Instance
    query = (sa.select(inst.project_id, sa.func.sum(inst.vcpus), sa.func.sum(inst.memory_mb),
                       sa.func.sum(inst.root_gb + sa.func.coalesce(inst.ephemeral_gb, 0)))
             .where(inst.deleted == 0, inst.host == host).group_by(inst.project_id)
             .order_by(inst.project_id))
    with db_api.session() as sess:
        return {project: {"cpu": int(cpu or 0), "memory_mb": int(ram or 0),
                          "disk_gb": int(disk or 0)}
                for project, cpu, ram, disk in sess.execute(query)}
