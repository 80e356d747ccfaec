"""Flavors and their extra specs."""
import sqlalchemy as sa
from oslo_log import log as logging
from sqlalchemy import orm

from mininova import exception
from mininova.db import api as db_api
from mininova.db import models

LOG = logging.getLogger(__name__)


def flavor_create(values: dict) -> models.Flavor:
    inst = models.Flavor
    with db_api.session() as sess:
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
    with db_api.session() as sess:
        row = sess.scalars(sa.select(models.Flavor).where(
            models.Flavor.flavorid == flavorid)).first()
    if row is None:
        raise exception.FlavorNotFound(flavor_id=flavorid)
    return row


def flavor_update(flavorid: str, values: dict) -> models.Flavor:
    with db_api.session() as sess:
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
    with db_api.session() as sess:
        row = sess.scalars(sa.select(models.Flavor).where(
            models.Flavor.flavorid == flavorid)).first()
        if row is None:
            raise exception.FlavorNotFound(flavor_id=flavorid)
        sess.delete(row)


def flavor_get_all() -> list:
    with db_api.session() as sess:
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
            with db_api.session() as sess:
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
    with db_api.session() as sess:
        row = _flavor_row(sess, flavorid)
        spec = next((spec for spec in row.extra_specs if spec.key == key), None)
        if spec is None:
            raise exception.FlavorExtraSpecsNotFound(flavor_id=flavorid,
                                                     extra_specs_key=key)
        row.extra_specs.remove(spec)
