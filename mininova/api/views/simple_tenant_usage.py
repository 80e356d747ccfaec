"""Response builders of os-simple-tenant-usage: one server's usage in a period, and the
per-project totals."""
import datetime
from urllib import parse

import falcon

from mininova.db import api as db_api

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


def _time(value: datetime.datetime | None) -> str | None:
    """Nova's format for these times: naive UTC with microseconds."""
    return db_api.naive(value).strftime(_TIME_FORMAT) if value is not None else None


def _hours(instance, start: datetime.datetime, stop: datetime.datetime) -> float:
    """The hours of the period [start, stop] the instance was alive for."""
    begin = max(instance.launched_at, start)
    end = min(instance.terminated_at, stop) if instance.terminated_at else stop
    return max((end - begin).total_seconds(), 0) / 3600.0


def server_usage(instance, start: datetime.datetime, stop: datetime.datetime,
                 now: datetime.datetime) -> dict:
    ended = instance.terminated_at
    uptime = (ended or now) - instance.launched_at
    return {
        "instance_id": instance.uuid, "name": instance.display_name,
        "tenant_id": instance.project_id, "flavor": instance.flavor_name,
        "hours": _hours(instance, start, stop), "memory_mb": instance.memory_mb,
        "local_gb": instance.root_gb + (instance.ephemeral_gb or 0),
        "vcpus": instance.vcpus, "started_at": _time(instance.launched_at),
        "ended_at": _time(ended), "state": "terminated" if ended else instance.vm_state,
        "uptime": uptime.days * 24 * 3600 + uptime.seconds,
    }


def tenant_usages(usages: list[dict], start: datetime.datetime, stop: datetime.datetime,
                  detailed: bool) -> list[dict]:
    """Per-project totals of ``usages`` (server usages), in the order projects come."""
    summaries: dict[str, dict] = {}
    for usage in usages:
        summary = summaries.get(usage["tenant_id"])
        if summary is None:
            summary = summaries[usage["tenant_id"]] = {
                "tenant_id": usage["tenant_id"], "total_local_gb_usage": 0,
                "total_vcpus_usage": 0, "total_memory_mb_usage": 0, "total_hours": 0,
                "start": _time(start), "stop": _time(stop)}
            if detailed:
                summary["server_usages"] = []
        hours = usage["hours"]
        summary["total_local_gb_usage"] += usage["local_gb"] * hours
        summary["total_vcpus_usage"] += usage["vcpus"] * hours
        summary["total_memory_mb_usage"] += usage["memory_mb"] * hours
        summary["total_hours"] += hours
        if detailed:
            summary["server_usages"].append(usage)
    return list(summaries.values())


def next_links(req: falcon.Request, path: str, usages: list[dict],
               limit: int | None) -> list[dict]:
    """A "next" link when a page of servers came back full (2.40); the marker is the
    last server's uuid."""
    if not limit or len(usages) < limit:
        return []
    query = {key: value for key, value in req.params.items() if key != "marker"}
    query["marker"] = usages[-1]["instance_id"]
    return [{"rel": "next",
             "href": f"{req.prefix}/v2.1/{path}?{parse.urlencode(query, doseq=True)}"}]
