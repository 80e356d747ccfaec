"""Quotas: per-project limits on instances, cores and RAM, counted from the instances
themselves, so nothing is reserved and nothing can leak: a deleted or failed build
simply stops counting. metadata_items limits one server's metadata and key_pairs one
user's key pairs; both are checked where those are written.

A limit comes from the project's own row, else the quota class ``default``'s row
(os-quota-class-sets), else the [quota] option. A user's limit inside a project is the
user's own row, else the project's (Nova's rule); a build is checked against both.
Nova's other quotas (file injection, nova-network) are stored and shown the same way,
never enforced.
"""
from mininova import conf
from mininova import exception
from mininova.db import quotas as db_quotas

CONF = conf.CONF
RESOURCES = ("instances", "cores", "ram", "metadata_items", "key_pairs", "server_groups",
             "server_group_members")
# NOTE: Nova's defaults for what mininova has no resource for.
INJECTED_FILES = {"injected_files": 5, "injected_file_content_bytes": 10240,
                  "injected_file_path_bytes": 255}
NETWORK = {"floating_ips": 10, "fixed_ips": -1, "security_groups": 10,
           "security_group_rules": 20}
DEFAULT_CLASS = "default"


class QuotaExceeded(exception.Forbidden):
    msg_fmt = ("Quota exceeded for %(resource)s: Requested %(requested)s, but already used "
               "%(used)s of %(limit)s %(resource)s")


def _known(rows: dict[str, int]) -> dict[str, int]:
    return {resource: limit for resource, limit in rows.items()
            if resource in RESOURCES or resource in INJECTED_FILES or resource in NETWORK}


def get_class_limits(class_name: str) -> dict[str, int]:
    """A quota class's limits: its rows over the [quota] options and Nova's defaults."""
    limits = {**NETWORK, **INJECTED_FILES,
              **{resource: getattr(CONF.quota, resource) for resource in RESOURCES}}
    limits.update(_known(db_quotas.quota_class_get_all(class_name)))
    return limits


def get_defaults() -> dict[str, int]:
    """What a project without limits of its own gets (-1: none)."""
    return get_class_limits(DEFAULT_CLASS)


def get_limits(project_id: str, user_id: str | None = None) -> dict[str, int]:
    """The project's hard limits: its own rows over the defaults (-1: none); with
    ``user_id``, the user's own rows over those."""
    limits = get_defaults()
    limits.update(_known(db_quotas.quota_get_all_by_project(project_id)))
    if user_id:
        limits.update(_known(db_quotas.user_quota_get_all(project_id, user_id)))
    return limits


def get_usage(project_id: str, user_id: str | None = None) -> dict[str, int]:
    return db_quotas.project_usage(project_id, user_id)


def scope_limits(project_id: str, user_id: str | None = None) -> list[tuple]:
    """[(None, the project's limits)], and (user_id, the user's) when the user has limits
    of its own: what a request is checked against. A create reads them once for both
    of its checks; only the usage is read again."""
    project = get_limits(project_id)
    scopes = [(None, project)]
    if user_id:
        own = db_quotas.user_quota_get_all(project_id, user_id)
        if own:
            scopes.append((user_id, {**project, **_known(own)}))
    return scopes


def _scopes(project_id: str, user_id: str | None, scopes: list[tuple] | None):
    """(limits, usage) of the project, and of the user when it has limits of its own."""
    for scope_user, limits in scopes or scope_limits(project_id, user_id):
        yield limits, get_usage(project_id, scope_user)


def check(project_id: str, deltas: dict[str, int], already_counted: bool = False,
          user_id: str | None = None, scopes: list[tuple] | None = None) -> None:
    """Raise QuotaExceeded when adding ``deltas`` would pass a limit.

    With ``already_counted`` the deltas are inside the usage already (the re-check after
    the instance row exists, which catches two requests that raced past the first check).
    ``scopes`` is scope_limits(project_id, user_id), if the caller has it.
    """
    for limits, usage in _scopes(project_id, user_id, scopes):
        for resource, requested in deltas.items():
            limit = limits[resource]
            if limit < 0:
                continue
            used = usage[resource] - (requested if already_counted else 0)
            if used + requested > limit:
                raise QuotaExceeded(resource=resource, requested=requested, used=used,
                                    limit=limit)


def update(project_id: str, values: dict[str, int], force: bool = False,
           user_id: str | None = None) -> None:
    """Set the project's (or, with ``user_id``, the user's) own limits. Without ``force``
    a limit below what is already used, or a user's limit above the project's, is refused
    (400) and nothing is set, as Nova does."""
    if not force:
        usage = get_usage(project_id, user_id)
        ceiling = get_limits(project_id) if user_id else {}
        for resource, limit in values.items():
            used = usage.get(resource, 0)
            if 0 <= limit < used:
                raise exception.QuotaLimitBelowUsage(limit=limit, resource=resource,
                                                     minimum=used)
            maximum = ceiling.get(resource, -1)
            if maximum >= 0 and not 0 <= limit <= maximum:
                raise exception.QuotaLimitAboveProject(limit=limit, resource=resource,
                                                       maximum=maximum)
    for resource, hard_limit in values.items():
        if user_id:
            db_quotas.user_quota_set(project_id, user_id, resource, hard_limit)
        else:
            db_quotas.quota_set(project_id, resource, hard_limit)


def delete(project_id: str, user_id: str | None = None) -> None:
    """Back to the defaults (a user: back to the project's limits): drop the own rows."""
    if user_id:
        db_quotas.user_quota_destroy_all(project_id, user_id)
    else:
        db_quotas.quota_destroy_all_by_project(project_id)


def update_class(class_name: str, values: dict[str, int]) -> None:
    for resource, hard_limit in values.items():
        db_quotas.quota_class_set(class_name, resource, hard_limit)


def count_within(project_id: str, per_instance: dict[str, int], min_count: int,
                 max_count: int, user_id: str | None = None,
                 scopes: list[tuple] | None = None) -> int:
    """How many instances needing ``per_instance`` each to build for a multi-create: as
    many as the quota allows up to ``max_count`` (Nova's rule); QuotaExceeded, naming
    the resource that runs short, when not even ``min_count`` fit."""
    allowed = max_count
    for limits, usage in _scopes(project_id, user_id, scopes):
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
