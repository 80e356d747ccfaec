"""Quotas: per-project limits on instances, cores and RAM, counted from the instances
themselves, so nothing is reserved and nothing can leak: a deleted or failed build
simply stops counting. metadata_items limits one server's metadata and key_pairs one
user's key pairs; both are checked where those are written."""
from mininova import conf
from mininova import exception
from mininova.db import quotas as db_quotas

CONF = conf.CONF
RESOURCES = ("instances", "cores", "ram", "metadata_items", "key_pairs", "server_groups",
             "server_group_members")


class QuotaExceeded(exception.Forbidden):
    msg_fmt = ("Quota exceeded for %(resource)s: Requested %(requested)s, but already used "
               "%(used)s of %(limit)s %(resource)s")


def get_limits(project_id: str) -> dict[str, int]:
    """The project's hard limits: its own rows over the [quota] defaults (-1: none)."""
    limits = {resource: getattr(CONF.quota, resource) for resource in RESOURCES}
    limits.update(db_quotas.quota_get_all_by_project(project_id))
    return limits


def get_usage(project_id: str) -> dict[str, int]:
    return db_quotas.project_usage(project_id)


def check(project_id: str, deltas: dict[str, int], already_counted: bool = False) -> None:
    """Raise QuotaExceeded when adding ``deltas`` would pass a limit.

    With ``already_counted`` the deltas are inside the usage already (the re-check after
    the instance row exists, which catches two requests that raced past the first check).
    """
    limits = get_limits(project_id)
    usage = get_usage(project_id)
    for resource, requested in deltas.items():
        limit = limits[resource]
        if limit < 0:
            continue
        used = usage[resource] - (requested if already_counted else 0)
        if used + requested > limit:
            raise QuotaExceeded(resource=resource, requested=requested, used=used,
                                limit=limit)


def update(project_id: str, values: dict[str, int]) -> None:
    for resource, hard_limit in values.items():
        db_quotas.quota_set(project_id, resource, hard_limit)



def count_within(project_id: str, per_instance: dict[str, int], min_count: int,
                 max_count: int) -> int:
    """How many instances needing ``per_instance`` each to build for a multi-create: as
    many as the quota allows up to ``max_count`` (Nova's rule); QuotaExceeded, naming
    the resource that runs short, when not even ``min_count`` fit."""
    limits = get_limits(project_id)
    usage = get_usage(project_id)
    allowed = max_count
    for resource, each in per_instance.items():
        limit = limits[resource]
        if limit < 0 or each <= 0:
            continue
        fits = max(limit - usage[resource], 0) // each
        if fits < min_count:
            raise QuotaExceeded(resource=resource, requested=each * min_count,
                                used=usage[resource], limit=limit)
        allowed = min(allowed, fits)
    return allowed
