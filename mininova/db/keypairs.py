"""Key pairs (os-keypairs): one user's public keys, unique by name per user.

Rows are hard-deleted, as in Nova's API database: a deleted key pair leaves nothing
behind (servers keep their own copy of the public key).
"""
import sqlalchemy as sa

from mininova import exception
from mininova.db import api as db_api
from mininova.db import models


def key_pair_create(values: dict) -> models.KeyPair:
    """Insert; KeyPairExists (409) when the user already has a key pair of that name."""
    try:
        with db_api.session() as sess:
            row = models.KeyPair(**values)
            sess.add(row)
            sess.flush()
    except sa.exc.IntegrityError as exc:
        # NOTE: the unique (user_id, name) constraint decides, so two concurrent creates
        # of one name cannot both succeed.
        raise exception.KeyPairExists(key_name=values["name"]) from exc
    return row


def _by_name(user_id: str, name: str):
    kp = models.KeyPair
    return sa.select(kp).where(kp.user_id == user_id, kp.name == name)


def key_pair_get(user_id: str, name: str) -> models.KeyPair:
    with db_api.session() as sess:
        row = sess.scalars(_by_name(user_id, name)).first()
    if row is None:
        raise exception.KeypairNotFound(user_id=user_id, name=name)
    return row


def key_pair_get_all_by_user(user_id: str, limit: int | None = None,
                             marker: str | None = None) -> list[models.KeyPair]:
    """The user's key pairs sorted by name; ``marker`` is the name to start after
    (MarkerNotFound, a 400, when the user has no key pair of that name)."""
    kp = models.KeyPair
    query = sa.select(kp).where(kp.user_id == user_id).order_by(kp.name.asc())
    with db_api.session() as sess:
        if marker is not None:
            if sess.scalars(_by_name(user_id, marker)).first() is None:
                raise exception.MarkerNotFound(marker=marker)
            query = query.where(kp.name > marker)
        if limit is not None:
            query = query.limit(limit)
        return list(sess.scalars(query))


def key_pair_count_by_user(user_id: str) -> int:
    kp = models.KeyPair
    with db_api.session() as sess:
        return sess.scalar(sa.select(sa.func.count()).select_from(kp).where(
            kp.user_id == user_id))


def key_pair_destroy(user_id: str, name: str) -> None:
    kp = models.KeyPair
    with db_api.session() as sess:
        deleted = sess.execute(sa.delete(kp).where(kp.user_id == user_id,
                                                   kp.name == name)).rowcount
    if not deleted:
        raise exception.KeypairNotFound(user_id=user_id, name=name)
