"""Database queries used by the objects layer; one function per operation.

The engine is created once per process on first use. The compare-and-swap behind
``Instance.save(expected_task_state=...)`` lives here, as a single UPDATE ... WHERE.
"""
import contextlib
import datetime
import threading
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
    name; ``changes_since`` also returns instances deleted since then, as Nova does.
    """
    inst = models.Instance
    filters = dict(filters)
    changes_since = filters.pop("changes_since", None)
    name = filters.pop("name", None)
    query = sa.select(inst)
    if changes_since is None:
        query = query.where(inst.deleted == 0)
    else:
        query = query.where(sa.func.coalesce(inst.updated_at, inst.created_at)
                            >= _naive(changes_since))
    if name is not None:
        query = query.where(inst.display_name.regexp_match(name))
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
    return row


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
        row = models.Flavor(**values)
        sess.add(row)
    return row


def flavor_get_by_flavor_id(flavorid: str) -> models.Flavor:
    with session() as sess:
        row = sess.scalars(sa.select(models.Flavor).where(
            models.Flavor.flavorid == flavorid)).first()
    if row is None:
        raise exception.FlavorNotFound(flavor_id=flavorid)
    return row


def flavor_destroy(flavorid: str) -> None:
    """Hard-delete: instances carry their own copy of the flavor's sizes."""
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


def service_get_all(binary: str | None = None) -> list:
    query = sa.select(models.Service).order_by(models.Service.id)
    if binary is not None:
        query = query.where(models.Service.binary == binary)
    with session() as sess:
        return list(sess.scalars(query))


def compute_node_update_or_create(host: str, values: dict) -> models.ComputeNode:
    with session() as sess:
        row = sess.scalars(sa.select(models.ComputeNode).where(
            models.ComputeNode.host == host)).first()
        if row is None:
            row = models.ComputeNode(host=host)
            sess.add(row)
        for key, value in values.items():
            setattr(row, key, value)
    return row


def compute_node_get_all() -> list:
    with session() as sess:
        return list(sess.scalars(sa.select(models.ComputeNode).order_by(models.ComputeNode.id)))


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


def actions_get(instance_uuid: str) -> list:
    with session() as sess:
        return list(sess.scalars(sa.select(models.InstanceAction).where(
            models.InstanceAction.instance_uuid == instance_uuid)
            .order_by(models.InstanceAction.start_time.desc(),
                      models.InstanceAction.id.desc())))


def action_event_start(instance_uuid: str, request_id: str, values: dict) -> None:
    with session() as sess:
        action = _action_by_request(sess, instance_uuid, request_id)
        if action is None:
            raise exception.InstanceActionNotFound(request_id=request_id,
                                                   instance_uuid=instance_uuid)
        sess.add(models.InstanceActionEvent(action_id=action.id, **values))


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
    with session() as sess:
        row = sess.scalars(sa.select(models.Quota).where(
            models.Quota.project_id == project_id,
            models.Quota.resource == resource)).first()
        if row is None:
            sess.add(models.Quota(project_id=project_id, resource=resource,
                                  hard_limit=hard_limit))
        else:
            row.hard_limit = hard_limit


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
