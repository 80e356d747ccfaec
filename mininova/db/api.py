"""Database queries used by the objects layer; one function per operation.

The engine is created once per process on first use. The compare-and-swap behind
``Instance.save(expected_task_state=...)`` lives here, as a single UPDATE ... WHERE.
"""
import contextlib
import datetime
import threading
import uuid as uuid_lib
from collections.abc import Iterator

import sqlalchemy as sa
from oslo_log import log as logging
from sqlalchemy import orm

from mininova import conf
from mininova import exception
from mininova.db import models

CONF = conf.CONF
LOG = logging.getLogger(__name__)

class _Engine:
    """Lazily creates this process's engine and session factory from [database]."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessionmaker: orm.sessionmaker | None = None

    def sessionmaker(self) -> orm.sessionmaker:
        with self._lock:
            if self._sessionmaker is None:
                engine = create_engine(CONF.database.connection)
                self._sessionmaker = orm.sessionmaker(bind=engine, expire_on_commit=False)
            return self._sessionmaker

    def reset(self) -> None:
        with self._lock:
            if self._sessionmaker is not None:
                self._sessionmaker.kw["bind"].dispose()
            self._sessionmaker = None


_ENGINE = _Engine()


def create_engine(url: str) -> sa.Engine:
    """An engine tuned per backend: SQLite gets WAL and a busy timeout, since several
    processes write to the same file."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, echo=CONF.database.connection_debug,
                                  connect_args={"timeout": 30, "check_same_thread": False})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return sa.create_engine(url, echo=CONF.database.connection_debug, pool_pre_ping=True,
                            pool_size=CONF.database.max_pool_size)


def dispose_engine() -> None:
    """Forget this process's engine (after fork, or in tests switching databases)."""
    _ENGINE.reset()


@contextlib.contextmanager
def session() -> Iterator[orm.Session]:
    """A transaction: commits on success, rolls back on any exception."""
    with _ENGINE.sessionmaker().begin() as sess:
        yield sess


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def _naive(value):
    """Datetimes are stored as naive UTC on every backend."""
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value


# -- instances --------------------------------------------------------------------------

def instance_create(values: dict) -> models.Instance:
    row = models.Instance(**values)
    with session() as sess:
        sess.add(row)
    return row


def instance_get_by_uuid(uuid: str, read_deleted: bool = False) -> models.Instance:
    query = sa.select(models.Instance).where(models.Instance.uuid == uuid)
    if not read_deleted:
        query = query.where(models.Instance.deleted == 0)
    with session() as sess:
        row = sess.scalars(query).first()
    if row is None:
        raise exception.InstanceNotFound(instance_id=uuid)
    return row


SORT_KEYS = ("created_at", "updated_at", "launched_at", "display_name", "uuid", "host",
             "vm_state", "task_state", "project_id", "user_id")


def instance_get_all(filters: dict, limit: int | None = None, marker: str | None = None,
                     sort_key: str = "created_at", sort_dir: str = "desc") -> list:
    """Instances matching ``filters``, sorted, paged by ``marker`` (the last one seen).

    Exact-match filters name columns; ``name`` is a regular expression on the display
    name and ``regex`` maps more columns to regular expressions (dates as their stored
    text); ``changes_since`` / ``changes_before`` bound the last change and also return
    instances deleted in that window, as Nova does; ``deleted`` True lists only deleted
    instances; ``tags`` (all of), ``tags_any``, ``not_tags`` (not all of) and
    ``not_tags_any`` (none of) take lists of tags.
    """
    inst = models.Instance
    filters = dict(filters)
    changes_since = filters.pop("changes_since", None)
    changes_before = filters.pop("changes_before", None)
    regex = dict(filters.pop("regex", {}))
    if "name" in filters:
        regex["display_name"] = filters.pop("name")
    query = sa.select(inst).where(*_tag_conditions(filters))
    changed = sa.func.coalesce(inst.updated_at, inst.created_at)
    if filters.pop("deleted", False):
        query = query.where(inst.deleted != 0)
    elif changes_since is None and changes_before is None:
        query = query.where(inst.deleted == 0)
    if changes_since is not None:
        query = query.where(changed >= _naive(changes_since))
    if changes_before is not None:
        query = query.where(changed <= _naive(changes_before))
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
    with session() as sess:
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
        return list(sess.scalars(query))


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
    inst = models.Instance
    values = {key: _naive(value) for key, value in values.items()}
    values["updated_at"] = utcnow()
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
    with session() as sess:
        result = sess.execute(stmt.values(**values))
        if result.rowcount == 1:
            return sess.scalars(sa.select(inst).where(inst.uuid == uuid)).one()
        row = sess.scalars(sa.select(inst).where(inst.uuid == uuid, inst.deleted == 0)).first()
    if row is None:
        raise exception.InstanceNotFound(instance_id=uuid)
    if expected_task_state is not None:
        raise exception.UnexpectedTaskStateError(
            instance_uuid=uuid, expected=expected_task_state, actual=row.task_state)
    raise exception.InstanceInvalidState(action="update", instance_uuid=uuid,
                                         attr="vm_state", state=row.vm_state)


def instance_destroy(uuid: str) -> models.Instance:
    """Soft-delete: the row stays for the action history, marked deleted."""
    inst = models.Instance
    now = utcnow()
    with session() as sess:
        row = sess.scalars(sa.select(inst).where(inst.uuid == uuid, inst.deleted == 0)).first()
        if row is None:
            raise exception.InstanceNotFound(instance_id=uuid)
        row.deleted = row.id
        row.deleted_at = now
        row.terminated_at = now
        row.vm_state = "deleted"
        row.task_state = None
        sess.execute(sa.delete(models.InstanceTag).where(
            models.InstanceTag.instance_uuid == uuid))
    return row


def instance_tag_get_by_uuids(uuids: list[str]) -> dict[str, list[str]]:
    """The tags of each instance (sorted), in one query."""
    if not uuids:
        return {}
    tag = models.InstanceTag
    found: dict[str, list[str]] = {}
    with session() as sess:
        for row in sess.scalars(sa.select(tag).where(tag.instance_uuid.in_(uuids))
                                .order_by(tag.tag)):
            found.setdefault(row.instance_uuid, []).append(row.tag)
    return found


def instance_tag_exists(uuid: str, value: str) -> bool:
    tag = models.InstanceTag
    with session() as sess:
        return sess.scalars(sa.select(tag).where(tag.instance_uuid == uuid,
                                                 tag.tag == value)).first() is not None


def instance_tag_add(uuid: str, value: str, max_count: int) -> bool:
    """Add one tag; False when the instance already has it. Over ``max_count``: 400."""
    tag = models.InstanceTag
    with session() as sess:
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
    with session() as sess:
        sess.execute(sa.delete(tag).where(tag.instance_uuid == uuid))
        sess.add_all([models.InstanceTag(instance_uuid=uuid, tag=value)
                      for value in dict.fromkeys(values)])


def instance_tag_delete(uuid: str, value: str) -> None:
    tag = models.InstanceTag
    with session() as sess:
        result = sess.execute(sa.delete(tag).where(tag.instance_uuid == uuid,
                                                   tag.tag == value))
    if result.rowcount == 0:
        raise exception.TagNotFound(tag=value, instance_id=uuid)


def host_usage() -> dict[str, dict]:
    """Resources claimed per host by live instances: the scheduler's view of usage."""
    inst = models.Instance
    query = (sa.select(inst.host, sa.func.count(), sa.func.sum(inst.memory_mb),
                       sa.func.sum(inst.vcpus), sa.func.sum(inst.root_gb))
             .where(inst.deleted == 0, inst.host.is_not(None)).group_by(inst.host))
    with session() as sess:
        return {host: {"instances": n, "memory_mb": int(ram or 0), "vcpus": int(cpu or 0),
                       "root_gb": int(disk or 0)}
                for host, n, ram, cpu, disk in sess.execute(query)}


# -- flavors and images -----------------------------------------------------------------

def flavor_create(values: dict) -> models.Flavor:
    inst = models.Flavor
    with session() as sess:
        clash = sess.scalars(sa.select(inst).where(sa.or_(
            inst.name == values["name"], inst.flavorid == values["flavorid"]))).first()
        if clash is not None:
            raise exception.FlavorExists(name=values["name"])
        specs = values.pop("extra_specs", None) or {}
        row = models.Flavor(**values, extra_specs=[
            models.FlavorExtraSpec(key=key, value=value) for key, value in specs.items()])
        sess.add(row)
        try:
            sess.flush()
        except sa.exc.IntegrityError as exc:
            # NOTE: a concurrent create of the same name or id won between check and insert.
            raise exception.FlavorExists(name=values["name"]) from exc
    return row


def flavor_get_by_flavor_id(flavorid: str) -> models.Flavor:
    with session() as sess:
        row = sess.scalars(sa.select(models.Flavor).where(
            models.Flavor.flavorid == flavorid)).first()
    if row is None:
        raise exception.FlavorNotFound(flavor_id=flavorid)
    return row


def flavor_update(flavorid: str, values: dict) -> models.Flavor:
    with session() as sess:
        row = sess.scalars(sa.select(models.Flavor).where(
            models.Flavor.flavorid == flavorid)).first()
        if row is None:
            raise exception.FlavorNotFound(flavor_id=flavorid)
        for key, value in values.items():
            setattr(row, key, value)
    return row


def flavor_destroy(flavorid: str) -> None:
    """Hard-delete, extra specs included: instances carry their own copy of the
    flavor's sizes and extra specs."""
    with session() as sess:
        row = sess.scalars(sa.select(models.Flavor).where(
            models.Flavor.flavorid == flavorid)).first()
        if row is None:
            raise exception.FlavorNotFound(flavor_id=flavorid)
        sess.delete(row)


def flavor_get_all() -> list:
    with session() as sess:
        return list(sess.scalars(sa.select(models.Flavor).order_by(
            models.Flavor.memory_mb, models.Flavor.flavorid)))


# NOTE: Nova's number of tries when concurrent writers of the same new key collide.
_EXTRA_SPEC_RETRIES = 10


def _flavor_row(sess: orm.Session, flavorid: str) -> models.Flavor:
    row = sess.scalars(sa.select(models.Flavor).where(
        models.Flavor.flavorid == flavorid)).first()
    if row is None:
        raise exception.FlavorNotFound(flavor_id=flavorid)
    return row


def flavor_extra_specs_update_or_create(flavorid: str, specs: dict[str, str]) -> dict:
    """Add or overwrite the keys of ``specs`` in one transaction; return all the specs.

    Two requests adding the same new key at once collide on the unique key: the loser
    reads again and overwrites, as Nova does, and gives up (409) only after retries.
    """
    for _attempt in range(_EXTRA_SPEC_RETRIES):
        try:
            with session() as sess:
                row = _flavor_row(sess, flavorid)
                existing = {spec.key: spec for spec in row.extra_specs}
                for key, value in specs.items():
                    if key in existing:
                        existing[key].value = value
                    else:
                        row.extra_specs.append(models.FlavorExtraSpec(key=key, value=value))
            return {spec.key: spec.value for spec in row.extra_specs}
        except sa.exc.IntegrityError:
            LOG.debug("Concurrent write of extra specs of flavor %s; retrying", flavorid)
    raise exception.FlavorExtraSpecUpdateCreateFailed(id=flavorid,
                                                      retries=_EXTRA_SPEC_RETRIES)


def flavor_extra_specs_delete(flavorid: str, key: str) -> None:
    """Remove one key; FlavorExtraSpecsNotFound (404) when the flavor has no such key."""
    with session() as sess:
        row = _flavor_row(sess, flavorid)
        spec = next((spec for spec in row.extra_specs if spec.key == key), None)
        if spec is None:
            raise exception.FlavorExtraSpecsNotFound(flavor_id=flavorid,
                                                     extra_specs_key=key)
        row.extra_specs.remove(spec)


def image_create(values: dict) -> models.Image:
    row = models.Image(**values)
    with session() as sess:
        sess.add(row)
    return row


def image_get(image_id: str) -> models.Image:
    with session() as sess:
        row = sess.get(models.Image, image_id)
    if row is None:
        raise exception.ImageNotFound(image_id=image_id)
    return row


def image_get_all() -> list:
    with session() as sess:
        return list(sess.scalars(sa.select(models.Image).order_by(models.Image.created_at)))


def image_get_page(filters: dict, visible_to: str | None = None, limit: int | None = None,
                   marker: str | None = None) -> list:
    """Images matching exact-match ``filters``, newest first, paged by ``marker``.

    ``visible_to`` (a project id) keeps public and community images and that project's
    own; None (an admin) keeps every image.
    """
    img = models.Image
    query = sa.select(img)
    for key, value in filters.items():
        query = query.where(getattr(img, key) == value)
    if visible_to is not None:
        query = query.where(sa.or_(img.visibility.in_(("public", "community")),
                                   img.owner == visible_to))
    query = query.order_by(img.created_at.desc(), img.id.desc())
    with session() as sess:
        if marker is not None:
            mrow = sess.get(img, marker)
            if mrow is None:
                raise exception.ImageNotFound(image_id=marker)
            query = query.where(sa.or_(img.created_at < mrow.created_at, sa.and_(
                img.created_at == mrow.created_at, img.id < mrow.id)))
        if limit is not None:
            query = query.limit(limit)
        return list(sess.scalars(query))


def image_update(image_id: str, values: dict,
                 expected_status: list[str] | None = None) -> models.Image:
    """Update one image; with ``expected_status``, only if its status is one of them at
    that instant (else Conflict, 409), so of two concurrent uploads exactly one wins."""
    img = models.Image
    values = {key: _naive(value) for key, value in values.items()}
    values["updated_at"] = utcnow()
    stmt = sa.update(img).where(img.id == image_id)
    if expected_status is not None:
        stmt = stmt.where(img.status.in_(expected_status))
    with session() as sess:
        if sess.execute(stmt.values(**values)).rowcount == 1:
            return sess.get(img, image_id)
        row = sess.get(img, image_id)
    if row is None:
        raise exception.ImageNotFound(image_id=image_id)
    raise exception.Conflict(message=f"Image {image_id} is {row.status}; expected one of "
                                     f"{', '.join(expected_status)}.")


def image_destroy(image_id: str) -> None:
    """Hard-delete: instances keep their own image_ref, nothing else points here."""
    with session() as sess:
        row = sess.get(models.Image, image_id)
        if row is None:
            raise exception.ImageNotFound(image_id=image_id)
        sess.delete(row)


# -- services and compute nodes ---------------------------------------------------------

def service_get_by_host_and_binary(host: str, binary: str) -> models.Service | None:
    with session() as sess:
        return sess.scalars(sa.select(models.Service).where(
            models.Service.host == host, models.Service.binary == binary)).first()


def service_get(service_id: int) -> models.Service:
    with session() as sess:
        row = sess.get(models.Service, service_id)
    if row is None:
        raise exception.ServiceNotFound(service_id=service_id)
    return row


def service_get_by_uuid(service_uuid: str) -> models.Service:
    with session() as sess:
        row = sess.scalars(sa.select(models.Service).where(
            models.Service.uuid == service_uuid)).first()
    if row is None:
        raise exception.ServiceNotFound(service_id=service_uuid)
    return row


def service_create(values: dict) -> models.Service:
    row = models.Service(**values)
    with session() as sess:
        sess.add(row)
    return row


def service_update(service_id: int, values: dict) -> models.Service:
    with session() as sess:
        row = sess.get(models.Service, service_id)
        if row is None:
            raise exception.ServiceNotFound(service_id=service_id)
        for key, value in values.items():
            setattr(row, key, value)
    return row


def service_destroy(service_id: int) -> None:
    """Delete a service row; a compute service takes its compute node with it, and may
    not go while live instances are on its host (Nova's 409)."""
    svc, node, inst = models.Service, models.ComputeNode, models.Instance
    with session() as sess:
        row = sess.get(svc, service_id)
        if row is None:
            raise exception.ServiceNotFound(service_id=service_id)
        if row.binary == "mininova-compute":
            hosted = sess.scalar(sa.select(sa.func.count()).select_from(inst).where(
                inst.host == row.host, inst.deleted == 0))
            if hosted:
                raise exception.Conflict(
                    message=f"Unable to delete compute service that is hosting "
                            f"{hosted} instance(s) on host {row.host}.")
            sess.execute(sa.delete(node).where(node.host == row.host))
        sess.delete(row)


def service_get_all(binary: str | None = None, host: str | None = None) -> list:
    query = sa.select(models.Service).order_by(models.Service.id)
    if binary is not None:
        query = query.where(models.Service.binary == binary)
    if host is not None:
        query = query.where(models.Service.host == host)
    with session() as sess:
        return list(sess.scalars(query))


def compute_node_update_or_create(host: str, values: dict) -> models.ComputeNode:
    """Refresh ``host``'s node; a new node (or one from before 0005) gets its UUID here."""
    with session() as sess:
        row = sess.scalars(sa.select(models.ComputeNode).where(
            models.ComputeNode.host == host)).first()
        if row is None:
            row = models.ComputeNode(host=host)
            sess.add(row)
        if row.uuid is None:
            row.uuid = str(uuid_lib.uuid4())
        for key, value in values.items():
            setattr(row, key, value)
    return row


def compute_node_get(node_id: int | None = None,
                     node_uuid: str | None = None) -> models.ComputeNode:
    """One node by its integer id (below 2.53) or its UUID (from 2.53)."""
    node = models.ComputeNode
    cond = node.uuid == node_uuid if node_uuid is not None else node.id == node_id
    with session() as sess:
        row = sess.scalars(sa.select(node).where(cond)).first()
    if row is None:
        raise exception.HypervisorNotFound(hypervisor_id=node_uuid or node_id)
    return row


def compute_node_get_all(hostname_pattern: str | None = None, limit: int | None = None,
                         marker: str | None = None, marker_is_uuid: bool = False) -> list:
    """Nodes in id order; ``hostname_pattern`` is a substring of hypervisor_hostname;
    ``marker`` is the last node seen (its id, or its UUID with ``marker_is_uuid``)."""
    node = models.ComputeNode
    query = sa.select(node).order_by(node.id)
    if hostname_pattern is not None:
        query = query.where(node.hypervisor_hostname.contains(hostname_pattern,
                                                              autoescape=True))
    with session() as sess:
        if marker is not None:
            cond = node.uuid == marker if marker_is_uuid else node.id == _int_or_none(marker)
            mrow = sess.scalars(sa.select(node).where(cond)).first()
            if mrow is None:
                raise exception.MarkerNotFound(marker=marker)
            query = query.where(node.id > mrow.id)
        if limit is not None:
            query = query.limit(limit)
        return list(sess.scalars(query))


def _int_or_none(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def instances_on_host(host: str) -> list[tuple[str, str]]:
    """(uuid, name) of the live instances on ``host`` (os-hypervisors with_servers)."""
    inst = models.Instance
    with session() as sess:
        return [tuple(row) for row in sess.execute(
            sa.select(inst.uuid, inst.display_name)
            .where(inst.host == host, inst.deleted == 0).order_by(inst.id))]


# -- instance actions and faults --------------------------------------------------------

def action_start(values: dict) -> models.InstanceAction:
    row = models.InstanceAction(**values)
    with session() as sess:
        sess.add(row)
    return row


def _action_by_request(sess: orm.Session, instance_uuid: str,
                       request_id: str) -> models.InstanceAction | None:
    return sess.scalars(sa.select(models.InstanceAction).where(
        models.InstanceAction.instance_uuid == instance_uuid,
        models.InstanceAction.request_id == request_id)
        .order_by(models.InstanceAction.id.desc())).first()


def action_get_by_request_id(instance_uuid: str, request_id: str) -> models.InstanceAction:
    with session() as sess:
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
        query = query.where(changed >= _naive(changes_since))
    if changes_before is not None:
        query = query.where(changed <= _naive(changes_before))
    with session() as sess:
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
    with session() as sess:
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
    with session() as sess:
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


def action_events_get(action_id: int) -> list:
    with session() as sess:
        return list(sess.scalars(sa.select(models.InstanceActionEvent).where(
            models.InstanceActionEvent.action_id == action_id)
            .order_by(models.InstanceActionEvent.id)))


def instance_fault_create(values: dict) -> models.InstanceFault:
    row = models.InstanceFault(**values)
    with session() as sess:
        sess.add(row)
    return row


def instance_fault_get_latest(instance_uuids: list[str]) -> dict[str, models.InstanceFault]:
    """The newest fault of each instance, in one query (for list views)."""
    if not instance_uuids:
        return {}
    fault = models.InstanceFault
    with session() as sess:
        rows = sess.scalars(sa.select(fault).where(fault.instance_uuid.in_(instance_uuids))
                            .order_by(fault.id))
        return {row.instance_uuid: row for row in rows}


# -- quotas -----------------------------------------------------------------------------

def quota_get_all_by_project(project_id: str) -> dict[str, int]:
    """The project's own limits (resources without a row use the [quota] default)."""
    with session() as sess:
        rows = sess.scalars(sa.select(models.Quota).where(
            models.Quota.project_id == project_id))
        return {row.resource: row.hard_limit for row in rows}


def quota_set(project_id: str, resource: str, hard_limit: int) -> None:
    """Insert or update one limit; two concurrent first sets both succeed (last wins)."""
    quota = models.Quota
    where = (quota.project_id == project_id, quota.resource == resource)
    with session() as sess:
        if sess.execute(sa.update(quota).where(*where)
                        .values(hard_limit=hard_limit)).rowcount:
            return
    try:
        with session() as sess:
            sess.add(quota(project_id=project_id, resource=resource, hard_limit=hard_limit))
    except sa.exc.IntegrityError:
        # NOTE: a concurrent request inserted the row between the update and the insert.
        with session() as sess:
            sess.execute(sa.update(quota).where(*where).values(hard_limit=hard_limit))


def project_usage(project_id: str) -> dict[str, int]:
    """What a project's live instances hold. A build that failed (ERROR and never
    launched) holds nothing: its usage went back when it failed."""
    inst = models.Instance
    failed_build = sa.and_(inst.vm_state == "error", inst.launched_at.is_(None))
    query = (sa.select(sa.func.count(), sa.func.sum(inst.vcpus), sa.func.sum(inst.memory_mb))
             .where(inst.project_id == project_id, inst.deleted == 0,
                    sa.not_(failed_build)))
    with session() as sess:
        count, cores, ram = sess.execute(query).one()
    return {"instances": int(count or 0), "cores": int(cores or 0), "ram": int(ram or 0)}
