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


def host_usage() -> list[tuple[str, dict, dict]]:
    """(host, capacity, used) of every compute node; used sums its live servers."""
    inst, node = models.Instance, models.ComputeNode
    use = (sa.select(inst.host, sa.func.sum(inst.vcpus), sa.func.sum(inst.memory_mb),
                     sa.func.sum(inst.root_gb + inst.ephemeral_gb))
           .where(inst.deleted == 0, inst.host.is_not(None)).group_by(inst.host))
    with db_api.session() as sess:
        used = {row[0]: row[1:] for row in sess.execute(use)}
        nodes = sess.execute(sa.select(node.host, node.vcpus, node.memory_mb,
                                       node.local_gb)).all()
    out = []
    for host, vcpus, memory_mb, local_gb in nodes:
        u_vcpus, u_mem, u_disk = used.get(host, (0, 0, 0))
        out.append((host, {"vcpus": vcpus, "memory_mb": memory_mb, "disk_gb": local_gb},
                    {"vcpus": int(u_vcpus or 0), "memory_mb": int(u_mem or 0),
                     "disk_gb": int(u_disk or 0)}))
    return out


def services_up(down_time: int) -> list[tuple[str, str, bool]]:
    return [(svc.binary, svc.host, svc.is_up(down_time))
            for svc in service_obj.ServiceList.get_all(None)]
