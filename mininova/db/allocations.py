"""Allocations: what each consumer holds on a host, and the claim that writes them.

Placement's idea at mininova scale. A consumer is an instance (or, during a move, a
migration); it holds at most one row, on one host. The scheduler claims when it picks a
host, and the claim is atomic across any number of schedulers on SQLite, PostgreSQL and
MariaDB: it first bumps the host's compute_nodes ``generation``, an UPDATE that takes the
row's write lock (SQLite: the database's), so claims on one host run one at a time, and
only then sums the host's allocations, checks them against its limits and inserts.

Lock order, everywhere: compute node, then instance, then allocation rows; a release only
deletes rows (no lock to wait for while holding one), so claims and deletes cannot
deadlock on one another. A deadlock the database reports anyway (MariaDB's gap locks) is
retried.
"""
import functools
import itertools
import typing

import sqlalchemy as sa
from oslo_log import log as logging
from sqlalchemy import orm

from mininova import exception
from mininova.db import api as db_api
from mininova.db import models

LOG = logging.getLogger(__name__)

_DEADLOCK_RETRIES = 5
_MYSQL_DEADLOCK = (1213, 1205)  # deadlock found; lock wait timeout
_PG_DEADLOCK = ("40P01", "40001")  # deadlock detected; serialization failure


class Resources(typing.NamedTuple):
    """An amount of the three resources a claim counts."""
    vcpus: int
    memory_mb: int
    disk_gb: int


def requested(instance) -> Resources:
    """What ``instance`` (an Instance object or row) claims: its flavor's vCPUs, RAM, and
    root plus ephemeral disk."""
    return Resources(instance.vcpus, instance.memory_mb,
                     instance.root_gb + (getattr(instance, "ephemeral_gb", 0) or 0))


class _NoRoom(Exception):
    """Rolls a claim's transaction back when the host cannot take the request."""


def _is_deadlock(exc: sa.exc.DBAPIError) -> bool:
    orig = exc.orig
    if getattr(orig, "pgcode", None) in _PG_DEADLOCK:
        return True
    args = getattr(orig, "args", ())
    return bool(args) and args[0] in _MYSQL_DEADLOCK


def _retry_on_deadlock(fn):
    """Run the whole transaction again when the database chose it as a deadlock victim."""
    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        for attempt in itertools.count(1):
            try:
                return fn(*args, **kwargs)
            except sa.exc.DBAPIError as exc:
                if not _is_deadlock(exc) or attempt >= _DEADLOCK_RETRIES:
                    raise
                LOG.debug("Deadlock in %s (attempt %d); retrying", fn.__name__, attempt)
    return wrapped


def _lock_host(sess: orm.Session, host: str) -> bool:
    """Bump ``host``'s generation: the write lock that serializes claims on the host.
    False when the host has no compute node (deleted, or never reported)."""
    node = models.ComputeNode
    result = sess.execute(sa.update(node).where(node.host == host)
                          .values(generation=node.generation + 1)
                          .execution_options(synchronize_session=False))
    return result.rowcount == 1


def _used(sess: orm.Session, host: str) -> Resources:
    alloc = models.Allocation
    row = sess.execute(sa.select(
        sa.func.coalesce(sa.func.sum(alloc.vcpus), 0),
        sa.func.coalesce(sa.func.sum(alloc.memory_mb), 0),
        sa.func.coalesce(sa.func.sum(alloc.disk_gb), 0)).where(alloc.host == host)).one()
    return Resources(*(int(value) for value in row))


def _drop_previous(sess: orm.Session, consumer_uuid: str) -> int:
    alloc = models.Allocation
    # NOTE: in a claim, only delete a row that exists: on MariaDB a DELETE that finds
    # nothing takes a gap lock, and two claims' gap locks deadlock their INSERTs. The
    # claim holds the instance's row, so nobody changes its allocation meanwhile.
    found = sess.scalar(sa.select(alloc.id).where(alloc.consumer_uuid == consumer_uuid))
    if found is None:
        return 0
    return sess.execute(sa.delete(alloc).where(alloc.id == found)).rowcount


@_retry_on_deadlock
def claim(consumer_uuid: str, host: str, request: Resources, limits: Resources, *,
          place_instance: bool = True) -> bool:
    """Allocate ``request`` on ``host`` for ``consumer_uuid`` unless the host's claimed
    usage plus the request would exceed ``limits`` (capacity times allocation ratio, less
    what is reserved) in any resource. True when claimed, False when there is no room.

    A claim replaces whatever the consumer held before. With ``place_instance`` the
    consumer is an instance and, in the same transaction, its host and node become
    ``host``: so an instance deleted meanwhile raises InstanceNotFound and never leaves a
    claim behind (instance_destroy deletes the allocation with the row).
    """
    alloc, inst = models.Allocation, models.Instance
    try:
        with db_api.session() as sess:
            if not _lock_host(sess, host):
                LOG.info("No compute node for host %s: nothing to claim on", host)
                return False
            if place_instance:
                placed = sess.execute(sa.update(inst).where(
                    inst.uuid == consumer_uuid, inst.deleted == 0).values(
                    host=host, node=host, updated_at=db_api.utcnow())
                    .execution_options(synchronize_session=False))
                if placed.rowcount != 1:
                    raise exception.InstanceNotFound(instance_id=consumer_uuid)
            _drop_previous(sess, consumer_uuid)
            used = _used(sess, host)
            if any(u + r > lim for u, r, lim in zip(used, request, limits, strict=True)):
                raise _NoRoom()
            sess.add(alloc(consumer_uuid=consumer_uuid, host=host, **request._asdict()))
    except _NoRoom:
        LOG.info("Claim of %s for %s on %s refused: %s already claimed of %s",
                 request, consumer_uuid, host, used, limits)
        return False
    return True


@_retry_on_deadlock
def release(consumer_uuid: str) -> bool:
    """Free what ``consumer_uuid`` holds; False when it held nothing."""
    with db_api.session() as sess:
        return release_in(sess, consumer_uuid)


def release_in(sess: orm.Session, consumer_uuid: str) -> bool:
    """``release`` inside the caller's transaction (instance_destroy's).

    A plain DELETE, a locking statement: on MariaDB a SELECT first would read the
    transaction's snapshot, older than a claim that committed while this one waited for
    the instance row, and leave that claim behind.
    """
    alloc = models.Allocation
    return sess.execute(sa.delete(alloc).where(alloc.consumer_uuid == consumer_uuid)
                        .execution_options(synchronize_session=False)).rowcount > 0


def get_by_consumer(consumer_uuid: str) -> models.Allocation | None:
    alloc = models.Allocation
    with db_api.session() as sess:
        return sess.scalars(sa.select(alloc).where(alloc.consumer_uuid == consumer_uuid)).first()


def usage_by_host() -> dict[str, dict]:
    """Per host: the claimed vcpus, memory_mb, disk_gb and the number of consumers
    (``instances``). The scheduler's and os-hypervisors' view of usage."""
    alloc = models.Allocation
    query = (sa.select(alloc.host, sa.func.count(), sa.func.sum(alloc.vcpus),
                       sa.func.sum(alloc.memory_mb), sa.func.sum(alloc.disk_gb))
             .group_by(alloc.host))
    with db_api.session() as sess:
        return {host: {"instances": n, "vcpus": int(cpu or 0), "memory_mb": int(ram or 0),
                       "disk_gb": int(disk or 0)}
                for host, n, cpu, ram, disk in sess.execute(query)}


@_retry_on_deadlock
def move_allocations(source_consumer: str, target_consumer: str) -> bool:
    """Hand what ``source_consumer`` holds to ``target_consumer`` (replacing what the
    target held), on the same host and with no capacity check: nothing more is used.
    False when the source held nothing.

    The move flows use it as Nova does with placement:
    - resize / cold migrate (conductor/tasks/migrate.py): before scheduling, the
      instance's source allocation moves to the migration's uuid, then the scheduler
      claims the new flavor on the destination for the instance; confirm releases the
      migration's; revert releases the instance's (destination) and moves the
      migration's back to the instance.
    - evacuate does not use it: the scheduler's claim on the destination replaces the
      instance's source claim (the source is down and runs nothing of it any more), so
      the source, when it comes back and destroys the evacuated guest, frees nothing.
    - live migration: the same as resize, with the same flavor.
    """
    alloc = models.Allocation
    with db_api.session() as sess:
        row = sess.scalars(sa.select(alloc).where(alloc.consumer_uuid == source_consumer)
                           .with_for_update()).first()
        if row is None:
            return False
        # NOTE: the host's usage does not change, so its generation lock is not needed.
        release_in(sess, target_consumer)
        sess.flush()
        row.consumer_uuid = target_consumer
    return True


def heal() -> list[str]:
    """Give each live instance that is placed on a host and holds no allocation one for
    its flavor (no capacity check: it runs there already); a build that ended in ERROR
    (never launched) is not counted, as Nova frees those. Returns the healed uuids."""
    alloc, inst = models.Allocation, models.Instance
    query = sa.select(inst).where(
        inst.deleted == 0, inst.host.is_not(None),
        sa.not_(sa.and_(inst.vm_state == "error", inst.launched_at.is_(None))),
        ~sa.exists().where(alloc.consumer_uuid == inst.uuid)).order_by(inst.id)
    healed = []
    with db_api.session() as sess:
        for row in sess.scalars(query):
            sess.add(alloc(consumer_uuid=row.uuid, host=row.host,
                           **requested(row)._asdict()))
            healed.append(row.uuid)
    return healed
