"""/v2.1/os-instance_usage_audit_log[/{before_timestamp}]: how the instance usage audit
went on each compute host for the last completed audit period.

The runs are the ``task_log`` rows of task ``instance_usage_audit`` (each compute writes
them when ``[DEFAULT] instance_usage_audit`` is on: compute/usage_audit.py); a compute
host without a row for the period is reported as not run. The period is the last one
completed before now (or before the timestamp), of the length [DEFAULT]
instance_usage_audit_period says.
"""
import datetime

import falcon

from mininova import exception
from mininova import objects
from mininova.compute import usage_audit
from mininova.db import usage as db_usage

_COMPUTE = "mininova-compute"


def _period_before(value: str) -> tuple[datetime.datetime, datetime.datetime]:
    """The period before the timestamp; 400 for a malformed one, or one too early to
    have a period before it."""
    fmt = "%Y-%m-%d %H:%M:%S.%f" if "." in value else "%Y-%m-%d %H:%M:%S"
    try:
        return usage_audit.last_completed_period(datetime.datetime.strptime(value, fmt))
    except (ValueError, OverflowError) as exc:
        raise exception.Invalid(message=f"Invalid timestamp for date {value}") from exc


def _audit_log(ctxt, begin: datetime.datetime, end: datetime.datetime) -> dict:
    runs = db_usage.task_log_get_all(usage_audit.TASK_NAME, begin, end)
    # NOTE: disabled compute services count too: they can have instances.
    hosts = {svc.host for svc in objects.ServiceList.get_all(ctxt, _COMPUTE)}
    done = {run.host for run in runs if run.state == "DONE"}
    running = {run.host for run in runs if run.state == "RUNNING"}
    not_run = sorted(hosts - {run.host for run in runs})
    errors = sum(run.errors for run in runs)
    done_text = "ALL" if len(done) == len(hosts) else f"{len(done)} of {len(hosts)}"
    return {
        "period_beginning": str(begin), "period_ending": str(end),
        "num_hosts": len(hosts), "num_hosts_done": len(done),
        "num_hosts_running": len(running), "num_hosts_not_run": len(not_run),
        "hosts_not_run": not_run,
        "total_instances": sum(run.task_items for run in runs), "total_errors": errors,
        "overall_status": f"{done_text} hosts done. {errors} errors.",
        "log": {run.host: {"state": run.state, "instances": run.task_items,
                           "errors": run.errors, "message": run.message} for run in runs},
    }


class InstanceUsageAuditLogCollection:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        ctxt = req.context.ctxt
        ctxt.can("os_compute_api:os-instance-usage-audit-log:list", {})
        begin, end = usage_audit.last_completed_period()
        resp.media = {"instance_usage_audit_logs": _audit_log(ctxt, begin, end)}


class InstanceUsageAuditLogItem:
    def on_get(self, req: falcon.Request, resp: falcon.Response,
               before_timestamp: str) -> None:
        ctxt = req.context.ctxt
        ctxt.can("os_compute_api:os-instance-usage-audit-log:show", {})
        begin, end = _period_before(before_timestamp)
        resp.media = {"instance_usage_audit_log": _audit_log(ctxt, begin, end)}
