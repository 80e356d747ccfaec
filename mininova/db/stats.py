"""Whole-cloud figures for the metrics endpoint: one grouped query each."""
import sqlalchemy as sa

from mininova.db import api as db_api
from mininova.db import models
from mininova.objects import service as service_obj


def instances_by_state() -> list[tuple[str, str | None, int]]:
    inst = models.Instance
    stmt = (sa.select(inst.vm_state, inst.task_state, sa.func.count())
            .where(inst.deleted == 0).group_by(inst.vm_state, inst.task_state))
    with db_api.session() as sess:
        return [tuple(row) for row in sess.execute(stmt)]


def host_capacity() -> list[tuple[str, dict]]:
    """(host, capacity) of every compute node; the usage beside it is what the hosts
    have claimed (db/allocations.usage_by_host), the scheduler's and os-hypervisors' view."""
    node = models.ComputeNode
    with db_api.session() as sess:
        nodes = sess.execute(sa.select(node.host, node.vcpus, node.memory_mb,
                                       node.local_gb)).all()
    return [(host, {"vcpus": vcpus, "memory_mb": memory_mb, "disk_gb": local_gb})
            for host, vcpus, memory_mb, local_gb in nodes]


def services_up(down_time: int) -> list[tuple[str, str, bool]]:
    return [(svc.binary, svc.host, svc.is_up(down_time))
            for svc in service_obj.ServiceList.get_all(None)]
