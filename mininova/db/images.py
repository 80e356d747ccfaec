"""The image store's records."""
import json

import sqlalchemy as sa

from mininova import exception
from mininova.db import api as db_api
from mininova.db import models


def image_create(values: dict) -> models.Image:
    row = models.Image(**values)
    with db_api.session() as sess:
        sess.add(row)
    return row


def image_get(image_id: str) -> models.Image:
    with db_api.session() as sess:
        row = sess.get(models.Image, image_id)
    if row is None:
        raise exception.ImageNotFound(image_id=image_id)
    return row


def image_get_all() -> list:
    with db_api.session() as sess:
        return list(sess.scalars(sa.select(models.Image).order_by(models.Image.created_at)))


def image_get_page(filters: dict, visible_to: str | None = None, limit: int | None = None,
                   marker: str | None = None, properties: dict | None = None,
                   at_least: dict | None = None) -> list:
    """Images matching exact-match ``filters``, newest first, paged by ``marker``.

    ``visible_to`` (a project id) keeps public and community images and that project's
    own; None (an admin) keeps every image. ``properties`` must equal the image's
    properties of those names; ``at_least`` maps a column (``updated_at``, ``min_ram``,
    ``min_disk``) to its lower bound (Nova's ``changes-since``, ``minRam``, ``minDisk``).
    """
    img = models.Image
    query = sa.select(img)
    for key, value in filters.items():
        query = query.where(getattr(img, key) == value)
    for key, value in (properties or {}).items():
        query = query.where(_has_property(key, value))
    for key, value in (at_least or {}).items():
        column = getattr(img, key)
        if key == "updated_at":
            # NOTE: a never-updated image was last changed when it was created.
            column = sa.func.coalesce(img.updated_at, img.created_at)
        query = query.where(column >= db_api.naive(value))
    if visible_to is not None:
        query = query.where(sa.or_(img.visibility.in_(("public", "community")),
                                   img.owner == visible_to))
    query = query.order_by(img.created_at.desc(), img.id.desc())
    with db_api.session() as sess:
        if marker is not None:
            mrow = sess.get(img, marker)
            if mrow is None:
                raise exception.ImageNotFound(image_id=marker)
            query = query.where(sa.or_(img.created_at < mrow.created_at, sa.and_(
                img.created_at == mrow.created_at, img.id < mrow.id)))
        if limit is not None:
            query = query.limit(limit)
        return list(sess.scalars(query))


def _has_property(key: str, value: str):
    """The properties JSON text holds ``"key": "value"`` (as objects.Image writes it).

    NOTE: a substring match on the text, not a JSON function, so that it reads the same
    on SQLite, MySQL and PostgreSQL; inside another string the quotes would be escaped,
    so it cannot match there.
    """
    needle = f"{json.dumps(key)}: {json.dumps(value)}"
    escaped = needle.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return models.Image.properties.like(f"%{escaped}%", escape="!")


def image_update(image_id: str, values: dict,
                 expected_status: list[str] | None = None) -> models.Image:
    """Update one image; with ``expected_status``, only if its status is one of them at
    that instant (else Conflict, 409), so of two concurrent uploads exactly one wins."""
    img = models.Image
    values = {key: db_api.naive(value) for key, value in values.items()}
    values["updated_at"] = db_api.utcnow()
    stmt = sa.update(img).where(img.id == image_id)
    if expected_status is not None:
        stmt = stmt.where(img.status.in_(expected_status))
    with db_api.session() as sess:
        if sess.execute(stmt.values(**values)).rowcount == 1:
            return sess.get(img, image_id)
        row = sess.get(img, image_id)
    if row is None:
        raise exception.ImageNotFound(image_id=image_id)
    raise exception.Conflict(message=f"Image {image_id} is {row.status}; expected one of "
                                     f"{', '.join(expected_status)}.")


def image_destroy(image_id: str) -> None:
    """Hard-delete: instances keep their own image_ref, nothing else points here."""
    with db_api.session() as sess:
        row = sess.get(models.Image, image_id)
        if row is None:
            raise exception.ImageNotFound(image_id=image_id)
        sess.delete(row)
