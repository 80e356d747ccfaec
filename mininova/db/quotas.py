"""Quota limits (a project's own, and the quota classes') and the usage counted against
them."""
import sqlalchemy as sa

from mininova.db import api as db_api
from mininova.db import models


def quota_get_all_by_project(project_id: str) -> dict[str, int]:
    """The project's own limits (resources without a row use the defaults)."""
    with db_api.session() as sess:
        rows = sess.scalars(sa.select(models.Quota).where(
            models.Quota.project_id == project_id))
        return {row.resource: row.hard_limit for row in rows}


def quota_set(project_id: str, resource: str, hard_limit: int) -> None:
    """Insert or update one limit of a project."""
    _upsert(models.Quota, {"project_id": project_id, "resource": resource}, hard_limit)


def quota_destroy_all_by_project(project_id: str) -> None:
    """Drop the project's own limits: it is back to the defaults."""
    with db_api.session() as sess:
        sess.execute(sa.delete(models.Quota).where(models.Quota.project_id == project_id))


def user_quota_get_all(project_id: str, user_id: str) -> dict[str, int]:
    """A user's own limits inside a project (resources without a row use the project's)."""
    with db_api.session() as sess:
        rows = sess.scalars(sa.select(models.ProjectUserQuota).where(
            models.ProjectUserQuota.project_id == project_id,
            models.ProjectUserQuota.user_id == user_id))
        return {row.resource: row.hard_limit for row in rows}


def user_quota_set(project_id: str, user_id: str, resource: str, hard_limit: int) -> None:
    """Insert or update one limit of a user inside a project."""
    _upsert(models.ProjectUserQuota,
            {"project_id": project_id, "user_id": user_id, "resource": resource},
            hard_limit)


def user_quota_destroy_all(project_id: str, user_id: str) -> None:
    """Drop a user's own limits: the project's apply again."""
    with db_api.session() as sess:
        sess.execute(sa.delete(models.ProjectUserQuota).where(
            models.ProjectUserQuota.project_id == project_id,
            models.ProjectUserQuota.user_id == user_id))


def quota_class_get_all(class_name: str) -> dict[str, int]:
    """The limits stored for a quota class (os-quota-class-sets)."""
    with db_api.session() as sess:
        rows = sess.scalars(sa.select(models.QuotaClass).where(
            models.QuotaClass.class_name == class_name))
        return {row.resource: row.hard_limit for row in rows}


def quota_class_set(class_name: str, resource: str, hard_limit: int) -> None:
    """Insert or update one limit of a quota class."""
    _upsert(models.QuotaClass, {"class_name": class_name, "resource": resource}, hard_limit)


def _upsert(model, key: dict, hard_limit: int) -> None:
    """Update the row named by ``key`` or insert it; two concurrent first sets both
    succeed (last wins)."""
    where = [getattr(model, column) == value for column, value in key.items()]
    with db_api.session() as sess:
        if sess.execute(sa.update(model).where(*where)
                        .values(hard_limit=hard_limit)).rowcount:
            return
    try:
        with db_api.session() as sess:
            sess.add(model(**key, hard_limit=hard_limit))
    except sa.exc.IntegrityError:
        # NOTE: a concurrent request inserted the row between the update and the insert.
        with db_api.session() as sess:
            sess.execute(sa.update(model).where(*where).values(hard_limit=hard_limit))


def project_usage(project_id: str, user_id: str | None = None) -> dict[str, int]:
    """What a project's (or one of its users') live instances hold. A build that failed
    (ERROR and never launched) holds nothing: its usage went back when it failed."""
    inst = models.Instance
    failed_build = sa.and_(inst.vm_state == "error", inst.launched_at.is_(None))
    query = (sa.select(sa.func.count(), sa.func.sum(inst.vcpus), sa.func.sum(inst.memory_mb))
             .where(inst.project_id == project_id, inst.deleted == 0,
                    sa.not_(failed_build)))
    if user_id:
        query = query.where(inst.user_id == user_id)
    with db_api.session() as sess:
        count, cores, ram = sess.execute(query).one()
    return {"instances": int(count or 0), "cores": int(cores or 0), "ram": int(ram or 0)}
