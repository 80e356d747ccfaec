"""Host aggregates: named groups of compute hosts with metadata. An aggregate's
``availability_zone`` metadata key puts its hosts in that zone."""
import uuid as uuid_lib

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from mininova import exception
from mininova.db import api as db_api
from mininova.db import models

AZ_KEY = "availability_zone"


def _get(sess, aggregate_id: int) -> models.Aggregate:
    row = sess.get(models.Aggregate, aggregate_id)
    if row is None:
        raise exception.AggregateNotFound(aggregate_id=aggregate_id)
    return row


def _zone(row: models.Aggregate) -> str | None:
    return next((m.value for m in row.metadata_items if m.key == AZ_KEY), None)


def _check_zone_conflicts(sess, row: models.Aggregate, hosts: list[str],
                          zone: str | None) -> None:
    """A host is in one availability zone: another aggregate of one of ``hosts`` may not
    name a different zone (Nova's InvalidAggregateAction, a 400 or 409 by action)."""
    if zone is None or not hosts:
        return
    agg, host_t, meta = models.Aggregate, models.AggregateHost, models.AggregateMetadata
    others = sess.execute(
        sa.select(host_t.host, meta.value).join(agg, host_t.aggregate_id == agg.id)
        .join(meta, meta.aggregate_id == agg.id)
        .where(host_t.host.in_(hosts), meta.key == AZ_KEY, agg.id != row.id,
               meta.value != zone)).first()
    if others is not None:
        raise exception.InvalidAggregateAction(
            aggregate_id=row.id,
            reason=f"Host {others[0]} is already in availability zone {others[1]}")


def _check_no_instances(sess, row: models.Aggregate, hosts: list[str]) -> None:
    """Servers do not move zones: no zone change while the hosts have any (Nova)."""
    inst = models.Instance
    if hosts and sess.scalar(sa.select(sa.func.count()).select_from(inst).where(
            inst.host.in_(hosts), inst.deleted == 0)):
        raise exception.InvalidAggregateAction(
            aggregate_id=row.id, reason="Cannot change the availability zone of an "
                                        "aggregate whose hosts have instances")


def _set_metadata(sess, row: models.Aggregate, metadata: dict) -> None:
    """Set keys; a None value deletes its key."""
    if AZ_KEY in metadata and metadata[AZ_KEY] != _zone(row):
        hosts = [h.host for h in row.hosts]
        _check_zone_conflicts(sess, row, hosts, metadata[AZ_KEY])
        _check_no_instances(sess, row, hosts)
    current = {m.key: m for m in row.metadata_items}
    for key, value in metadata.items():
        if value is None:
            if key in current:
                row.metadata_items.remove(current[key])
        elif key in current:
            current[key].value = value
        else:
            row.metadata_items.append(models.AggregateMetadata(key=key, value=value))
    row.updated_at = db_api.utcnow()


def _flush_name(sess, name: str) -> None:
    try:
        sess.flush()
    except sa_exc.IntegrityError as err:
        raise exception.AggregateNameExists(aggregate_name=name) from err


def aggregate_get_all() -> list[models.Aggregate]:
    with db_api.session() as sess:
        return list(sess.scalars(sa.select(models.Aggregate).order_by(models.Aggregate.id)))


def aggregate_get(aggregate_id: int) -> models.Aggregate:
    with db_api.session() as sess:
        return _get(sess, aggregate_id)


def aggregate_create(name: str, zone: str | None) -> models.Aggregate:
    """A new aggregate; AggregateNameExists (409) when the name is taken."""
    row = models.Aggregate(uuid=str(uuid_lib.uuid4()), name=name)
    if zone is not None:
        row.metadata_items.append(models.AggregateMetadata(key=AZ_KEY, value=zone))
    with db_api.session() as sess:
        if sess.scalar(sa.select(models.Aggregate.id).where(models.Aggregate.name == name)):
            raise exception.AggregateNameExists(aggregate_name=name)
        sess.add(row)
        _flush_name(sess, name)
    return aggregate_get(row.id)


def aggregate_update(aggregate_id: int, name: str | None, metadata: dict) -> models.Aggregate:
    """Rename and/or set metadata (the zone on PUT) in one transaction."""
    with db_api.session() as sess:
        row = _get(sess, aggregate_id)
        if name is not None and name != row.name:
            taken = sess.scalar(sa.select(models.Aggregate.id).where(
                models.Aggregate.name == name))
            if taken:
                raise exception.AggregateNameExists(aggregate_name=name)
            row.name = name
        _set_metadata(sess, row, metadata)
        _flush_name(sess, row.name)
    return aggregate_get(aggregate_id)


def aggregate_metadata_set(aggregate_id: int, metadata: dict) -> models.Aggregate:
    with db_api.session() as sess:
        row = _get(sess, aggregate_id)
        _set_metadata(sess, row, metadata)
    return aggregate_get(aggregate_id)


def aggregate_delete(aggregate_id: int) -> None:
    """Delete an aggregate that has no hosts left (Nova's 400 otherwise)."""
    with db_api.session() as sess:
        row = _get(sess, aggregate_id)
        if row.hosts:
            raise exception.InvalidAggregateActionDelete(
                aggregate_id=aggregate_id, reason="Host aggregate is not empty")
        sess.delete(row)


def aggregate_host_add(aggregate_id: int, host: str) -> models.Aggregate:
    with db_api.session() as sess:
        row = _get(sess, aggregate_id)
        if any(h.host == host for h in row.hosts):
            raise exception.AggregateHostExists(aggregate_id=aggregate_id, host=host)
        _check_zone_conflicts(sess, row, [host], _zone(row))
        row.hosts.append(models.AggregateHost(host=host))
        row.updated_at = db_api.utcnow()
    return aggregate_get(aggregate_id)


def aggregate_host_delete(aggregate_id: int, host: str) -> models.Aggregate:
    with db_api.session() as sess:
        row = _get(sess, aggregate_id)
        found = next((h for h in row.hosts if h.host == host), None)
        if found is None:
            raise exception.AggregateHostNotFound(aggregate_id=aggregate_id, host=host)
        row.hosts.remove(found)
        row.updated_at = db_api.utcnow()
    return aggregate_get(aggregate_id)


def host_zones() -> dict[str, str]:
    """Each host that an aggregate puts in an availability zone, with that zone."""
    host_t, meta = models.AggregateHost, models.AggregateMetadata
    with db_api.session() as sess:
        rows = sess.execute(sa.select(host_t.host, meta.value).join(
            meta, meta.aggregate_id == host_t.aggregate_id).where(meta.key == AZ_KEY))
        return {host: zone for host, zone in rows}

