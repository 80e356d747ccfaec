"""Services (heartbeats, enable/disable) and compute nodes."""
import uuid as uuid_lib

import sqlalchemy as sa

from mininova import exception
from mininova.db import api as db_api
from mininova.db import models


def service_get_by_host_and_binary(host: str, binary: str) -> models.Service | None:
    with db_api.session() as sess:
        return sess.scalars(sa.select(models.Service).where(
            models.Service.host == host, models.Service.binary == binary)).first()


def service_get(service_id: int) -> models.Service:
    with db_api.session() as sess:
        row = sess.get(models.Service, service_id)
    if row is None:
        raise exception.ServiceNotFound(service_id=service_id)
    return row


def service_get_by_uuid(service_uuid: str) -> models.Service:
    with db_api.session() as sess:
        row = sess.scalars(sa.select(models.Service).where(
            models.Service.uuid == service_uuid)).first()
    if row is None:
        raise exception.ServiceNotFound(service_id=service_uuid)
    return row


def service_create(values: dict) -> models.Service:
    row = models.Service(**values)
    with db_api.session() as sess:
        sess.add(row)
    return row


def service_update(service_id: int, values: dict) -> models.Service:
    with db_api.session() as sess:
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
    with db_api.session() as sess:
        row = sess.get(svc, service_id)
        if row is None:
            raise exception.ServiceNotFound(service_id=service_id)
        if row.topic == "compute":
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
    with db_api.session() as sess:
        return list(sess.scalars(query))


def compute_node_update_or_create(host: str, values: dict) -> models.ComputeNode:
    """Refresh ``host``'s node; a new node (or one from before 0005) gets its UUID here."""
    with db_api.session() as sess:
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
    with db_api.session() as sess:
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
    with db_api.session() as sess:
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
    with db_api.session() as sess:
        return [tuple(row) for row in sess.execute(
            sa.select(inst.uuid, inst.display_name)
            .where(inst.host == host, inst.deleted == 0).order_by(inst.id))]
