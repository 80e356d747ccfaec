"""Flavors, their extra specs and the projects private flavors are shared with."""
from typing import NoReturn

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
            _raise_exists(clash.flavorid == values["flavorid"], values)
        specs = values.pop("extra_specs", None) or {}
        row = models.Flavor(**values, extra_specs=[
            models.FlavorExtraSpec(key=key, value=value) for key, value in specs.items()])
        sess.add(row)
        try:
            sess.flush()
        except sa.exc.IntegrityError as exc:
            # NOTE: a concurrent create of the same name or id won between check and insert.
            _raise_exists("flavorid" in str(exc.orig).lower(), values, exc)
    return row


def _raise_exists(same_id: bool, values: dict, cause: Exception | None = None) -> NoReturn:
    """Nova's two 409s: the id is taken, or the name is."""
    if same_id:
        raise exception.FlavorIdExists(flavor_id=values["flavorid"]) from cause
    raise exception.FlavorExists(name=values["name"]) from cause


def _visible(query, is_admin: bool, project_id: str | None):
    """Nova's visibility: admins see every flavor; others the public ones and the
    private ones shared with their project (os-flavor-access)."""
    if is_admin:
        return query
    return query.where(_public_or_shared(True, project_id))


def _public_or_shared(is_public: bool, project_id: str | None):
    flavor = models.Flavor
    condition = flavor.is_public == is_public
    if is_public and project_id is not None:
        condition = sa.or_(condition, flavor.projects.any(
            models.FlavorProject.project_id == project_id))
    return condition


def flavor_get_by_flavor_id(flavorid: str, is_admin: bool = True,
                            project_id: str | None = None) -> models.Flavor:
    """The flavor if the caller may see it (see ``_visible``), else FlavorNotFound."""
    query = sa.select(models.Flavor).where(models.Flavor.flavorid == flavorid)
    with db_api.session() as sess:
        row = sess.scalars(_visible(query, is_admin, project_id)).first()
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


def flavor_get_all(filters: dict | None = None, sort_key: str = "flavorid",
                   sort_dir: str = "asc", limit: int | None = None,
                   marker: str | None = None, is_admin: bool = True,
                   project_id: str | None = None) -> list:
    """Flavors the caller may see, matching ``filters`` (``min_memory_mb``,
    ``min_root_gb``, ``disabled``, ``is_public``: True also takes in the private
    flavors shared with ``project_id``, as Nova's), sorted by ``sort_key`` then id, the
    page after ``marker`` (a flavor id; MarkerNotFound when the caller sees none such)."""
    flavor = models.Flavor
    filters = filters or {}
    query = _visible(sa.select(flavor), is_admin, project_id)
    if "min_memory_mb" in filters:
        query = query.where(flavor.memory_mb >= filters["min_memory_mb"])
    if "min_root_gb" in filters:
        query = query.where(flavor.root_gb >= filters["min_root_gb"])
    if "disabled" in filters:
        query = query.where(flavor.disabled == filters["disabled"])
    if filters.get("is_public") is not None:
        query = query.where(_public_or_shared(filters["is_public"], project_id))
    with db_api.session() as sess:
        rows = list(sess.scalars(query))
        marker_row = None
        if marker is not None:
            marker_row = sess.scalars(_visible(sa.select(flavor).where(
                flavor.flavorid == marker), is_admin, project_id)).first()
            if marker_row is None:
                raise exception.MarkerNotFound(marker=marker)
    return _page(rows, sort_key, sort_dir, limit, marker_row)


def _page(rows: list, sort_key: str, sort_dir: str, limit: int | None, marker_row) -> list:
    """Sort in Python: flavors are few, and this orders NULLs (descriptions, update
    times) the same way on every database: first in ascending order. A key with no
    column here (rxtx_factor, vcpu_weight: the same for every flavor) sorts by id."""

    def key(row) -> tuple:
        value = getattr(row, sort_key, None)
        return (value is not None, value if value is not None else 0, row.id)

    descending = sort_dir == "desc"
    rows.sort(key=key, reverse=descending)
    if marker_row is not None:
        edge = key(marker_row)
        rows = [row for row in rows if (key(row) < edge if descending else key(row) > edge)]
    return rows if limit is None else rows[:limit]


def flavor_access_get(flavorid: str) -> list[str]:
    """The projects a flavor is shared with (os-flavor-access)."""
    with db_api.session() as sess:
        row = _flavor_row(sess, flavorid)
        return sorted(access.project_id for access in row.projects)


def flavor_access_add(flavorid: str, project_id: str) -> list[str]:
    """Share the flavor with the project; FlavorAccessExists (409) if it is already."""
    try:
        with db_api.session() as sess:
            row = _flavor_row(sess, flavorid)
            if any(access.project_id == project_id for access in row.projects):
                raise exception.FlavorAccessExists(flavor_id=flavorid,
                                                   project_id=project_id)
            row.projects.append(models.FlavorProject(project_id=project_id))
    except sa.exc.IntegrityError as exc:
        # NOTE: the same share added concurrently: the unique key refuses the second.
        raise exception.FlavorAccessExists(flavor_id=flavorid,
                                           project_id=project_id) from exc
    return flavor_access_get(flavorid)


def flavor_access_remove(flavorid: str, project_id: str) -> list[str]:
    """Stop sharing; FlavorAccessNotFound (404) when it was not shared."""
    with db_api.session() as sess:
        row = _flavor_row(sess, flavorid)
        access = next((a for a in row.projects if a.project_id == project_id), None)
        if access is None:
            raise exception.FlavorAccessNotFound(flavor_id=flavorid, project_id=project_id)
        row.projects.remove(access)
    return flavor_access_get(flavorid)


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
