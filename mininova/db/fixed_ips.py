"""Address allocations of the flat network (fixed_ips): allocate, read, release.

A row is an allocated address and its port (MAC, port id); allocation is an INSERT that
the unique (network_id, address) constraint arbitrates, so of two concurrent boots
choosing the same lowest free address one inserts and the other chooses again, among
the lowest few (fifty boots at once would otherwise settle one address per round).
"""
import itertools
import random
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from oslo_log import log as logging

from mininova import exception
from mininova.db import api as db_api
from mininova.db import models

LOG = logging.getLogger(__name__)

# NOTE: Nova's (Neutron's) default MAC prefix; the last three bytes are random.
MAC_PREFIX = "fa:16:3e"
# NOTE: how many lost races one allocation tolerates before it gives up: far more than
# the concurrent boots one conductor serves, so only a pathological storm reaches it.
_MAX_RETRIES = 200
# NOTE: after a lost race, the next choice is among this many of the lowest free addresses.
_SPREAD = 16


def _random_mac() -> str:
    return MAC_PREFIX + "".join(f":{random.randint(0, 255):02x}" for _ in range(3))


def _as_dict(row: models.FixedIp) -> dict:
    return {"id": row.id, "network_id": row.network_id, "address": row.address,
            "mac": row.mac, "port_id": row.port_id, "instance_uuid": row.instance_uuid,
            "project_id": row.project_id, "created_at": row.created_at,
            "updated_at": row.updated_at}


def _insert(values: dict) -> dict | None:
    """Insert one row; None when a unique constraint refused it."""
    try:
        with db_api.session() as sess:
            row = models.FixedIp(**values)
            sess.add(row)
            sess.flush()
            return _as_dict(row)
    except sa.exc.IntegrityError:
        return None


def _used(network_id: str) -> set[str]:
    fip = models.FixedIp
    with db_api.session() as sess:
        return set(sess.scalars(sa.select(fip.address).where(fip.network_id == network_id)))


def allocate(network_id: str, instance_uuid: str, project_id: str,
             candidates: Sequence[str], address: str | None = None) -> dict:
    """Allocate ``address``, or else the first of ``candidates`` nobody holds, to a new
    port of ``instance_uuid``; the new row as a dict.

    Raises FixedIpAlreadyInUse (``address`` held) or NoMoreFixedIps (none free).
    """
    lost = False
    for _attempt in range(_MAX_RETRIES):
        if address is None:
            used = _used(network_id)
            # NOTE: the lowest free address, as long as nobody races for it; after a
            # lost race, any of the lowest few, so that concurrent boots stop choosing
            # the same one again round after round.
            free = list(itertools.islice((addr for addr in candidates if addr not in used),
                                         _SPREAD if lost else 1))
            if not free:
                raise exception.NoMoreFixedIps(net=network_id)
            chosen = random.choice(free)
        else:
            chosen = address
        row = _insert({"network_id": network_id, "address": chosen, "mac": _random_mac(),
                       "port_id": str(uuid.uuid4()), "instance_uuid": instance_uuid,
                       "project_id": project_id})
        if row is not None:
            return row
        holder = get_by_address(None, chosen)
        if address is not None and holder is not None:
            raise exception.FixedIpAlreadyInUse(address=address,
                                                instance_uuid=holder["instance_uuid"])
        LOG.debug("Address %s was taken concurrently; choosing again", chosen)
        lost = True
    raise exception.NoMoreFixedIps(net=network_id)


def get_by_address(context, address: str) -> dict | None:
    """The allocation of ``address`` (any network: there is one), or None.

    The metadata service identifies a guest by its source address with this.
    """
    fip = models.FixedIp
    with db_api.session() as sess:
        row = sess.scalars(sa.select(fip).where(fip.address == address)).first()
        return _as_dict(row) if row is not None else None


def get_by_port(port_id: str) -> dict | None:
    fip = models.FixedIp
    with db_api.session() as sess:
        row = sess.scalars(sa.select(fip).where(fip.port_id == port_id)).first()
        return _as_dict(row) if row is not None else None


def get_all(filters: dict, with_instance: bool = False) -> list[dict]:
    """Allocations matching exact-value ``filters`` (column -> value or list of values),
    oldest first; ``with_instance`` adds the server's ``host`` and requested
    ``availability_zone`` (a port's device_owner names the zone)."""
    fip, inst = models.FixedIp, models.Instance
    query = (sa.select(fip, inst.host, inst.availability_zone)
             .outerjoin(inst, sa.and_(inst.uuid == fip.instance_uuid, inst.deleted == 0))
             .order_by(fip.id))
    for key, value in filters.items():
        column = getattr(fip, key)
        query = query.where(column.in_(value) if isinstance(value, list) else column == value)
    with db_api.session() as sess:
        rows = sess.execute(query).all()
    if not with_instance:
        return [_as_dict(row) for row, _host, _zone in rows]
    return [{**_as_dict(row), "host": host, "availability_zone": zone}
            for row, host, zone in rows]


def release_for_instance(instance_uuid: str, sess=None) -> int:
    """Free every address of the instance (in ``sess`` when given); how many."""
    stmt = sa.delete(models.FixedIp).where(models.FixedIp.instance_uuid == instance_uuid)
    if sess is not None:
        return sess.execute(stmt).rowcount
    with db_api.session() as own:
        return own.execute(stmt).rowcount
