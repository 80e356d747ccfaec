"""/v2.1/os-simple-tenant-usage[/{tenant_id}]: what projects used in a period.

The figures come from the instances' lifetimes (launched_at to terminated_at, deleted
instances included) overlapping [start, end): hours, and vCPU, RAM and disk hours. Both
``start`` and ``end`` default to now; ``end`` is clamped to now. From 2.40 the servers
are paged (``limit``, ``marker`` = a server uuid, ``tenant_usage(s)_links``); from 2.75
unknown query parameters are a 400.
"""
import datetime

import falcon
from oslo_utils import timeutils

from mininova import conf
from mininova import exception
from mininova.api import api_version
from mininova.api.views import simple_tenant_usage as views
from mininova.db import api as db_api
from mininova.db import usage as db_usage

CONF = conf.CONF
_PATH = "os-simple-tenant-usage"
# NOTE: the forms Nova's strptime accepts; anything else (a zone suffix too) is a 400.
_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d %H:%M:%S.%f")


def _parse_time(value: str | None) -> datetime.datetime:
    if not value:
        return db_api.utcnow()
    for fmt in _FORMATS:
        try:
            return datetime.datetime.strptime(value, fmt)
        except ValueError:
            continue
    raise exception.InvalidStrTime(reason="Datetime is in invalid format")


def _check_params(req: falcon.Request, allowed: set[str]) -> None:
    if api_version.at_least(req, "2.40"):
        allowed |= {"limit", "marker"}
    unknown = set(req.params) - allowed
    if unknown and api_version.at_least(req, "2.75"):
        raise exception.Invalid(message="Invalid input for query parameters "
                                        f"{', '.join(sorted(unknown))}.")
    limit = req.get_param("limit")
    if "limit" in allowed and limit is not None and not limit.isdigit():
        raise exception.ValidationError(field="limit", value=limit,
                                        reason="must be a non-negative integer")


def _period(req: falcon.Request) -> tuple[datetime.datetime, datetime.datetime]:
    start, stop = _parse_time(req.get_param("start")), _parse_time(req.get_param("end"))
    if not start < stop:
        raise exception.Invalid(message="Invalid start time. The start time cannot occur "
                                        "after the end time.")
    return start, min(stop, db_api.utcnow())


def _page(req: falcon.Request) -> tuple[int, str | None]:
    """limit and marker: from 2.40 the request's (limit at most [api] max_limit)."""
    if api_version.below(req, "2.40"):
        return CONF.api.max_limit, None
    limit = req.get_param("limit")
    limit = CONF.api.max_limit if limit is None else min(int(limit), CONF.api.max_limit)
    return limit, req.get_param("marker")


def _usages(req: falcon.Request, project_id: str | None) -> tuple[list[dict], tuple, int]:
    """The server usages of the period (one page), the period, and the page's limit."""
    start, stop = _period(req)
    limit, marker = _page(req)
    instances = db_usage.instance_get_active_by_window(start, stop, project_id,
                                                       limit=limit, marker=marker)
    now = timeutils.utcnow()
    return [views.server_usage(inst, start, stop, now) for inst in instances], (
        start, stop), limit


class TenantUsageCollection:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        if req.env.get("PATH_INFO", "").endswith("/"):
            # NOTE: ``/os-simple-tenant-usage/`` is a show with an empty id: none such.
            raise exception.NotFound()
        req.context.ctxt.can("os_compute_api:os-simple-tenant-usage:list", {})
        _check_params(req, {"start", "end", "detailed"})
        usages, (start, stop), limit = _usages(req, None)
        detailed = req.get_param("detailed", default="0") == "1"
        resp.media = {"tenant_usages": views.tenant_usages(usages, start, stop, detailed)}
        links = views.next_links(req, _PATH, usages, limit)
        if api_version.at_least(req, "2.40") and links:
            resp.media["tenant_usages_links"] = links


class TenantUsageItem:
    def on_get(self, req: falcon.Request, resp: falcon.Response, tenant_id: str) -> None:
        req.context.ctxt.can("os_compute_api:os-simple-tenant-usage:show",
                             {"project_id": tenant_id})
        _check_params(req, {"start", "end"})
        usages, (start, stop), limit = _usages(req, tenant_id)
        summaries = views.tenant_usages(usages, start, stop, detailed=True)
        resp.media = {"tenant_usage": summaries[0] if summaries else {}}
        links = views.next_links(req, f"{_PATH}/{tenant_id}", usages, limit)
        if api_version.at_least(req, "2.40") and links:
            resp.media["tenant_usage_links"] = links
