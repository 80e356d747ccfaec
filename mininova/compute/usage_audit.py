"""The instance usage audit: once per audit period each compute host records, in the
task_log table, that it audited the instances alive on it during the last completed
period (Nova's ``[DEFAULT] instance_usage_audit``). os-instance_usage_audit_log reports
these runs. Nova sends one usage notification per instance here; mininova has no
notifications, so a run records how many instances it covered.
"""
import datetime
import time

from oslo_log import log as logging
from oslo_utils import timeutils

from mininova import conf
from mininova import exception
from mininova import objects

CONF = conf.CONF
LOG = logging.getLogger(__name__)
TASK_NAME = "instance_usage_audit"


def _months_back(value: datetime.datetime, day: int) -> datetime.datetime:
    """The given day of the month before ``value``'s month."""
    year, month = (value.year - 1, 12) if value.month == 1 else (value.year, value.month - 1)
    return datetime.datetime(year, month, day)


def last_completed_period(before: datetime.datetime | None = None,
                          unit: str | None = None) -> tuple[datetime.datetime,
                                                            datetime.datetime]:
    """(begin, end) of the last audit period that ended at or before ``before`` (now).

    ``unit`` is [DEFAULT] instance_usage_audit_period's form: hour, day, month or year,
    with an optional @offset. Raises ValueError for a time with no such period before it.
    """
    unit = unit or CONF.instance_usage_audit_period
    unit, _, offset_text = unit.partition("@")
    offset = int(offset_text or 0)
    now = before or timeutils.utcnow()
    if unit == "month":
        offset = offset or 1
        end = datetime.datetime(now.year, now.month, offset)
        if end >= now:
            end = _months_back(end, offset)
        return _months_back(end, offset), end
    if unit == "year":
        offset = offset or 1
        end = datetime.datetime(now.year, offset, 1)
        if end >= now:
            end = datetime.datetime(now.year - 1, offset, 1)
        return datetime.datetime(end.year - 1, offset, 1), end
    step = datetime.timedelta(days=1) if unit == "day" else datetime.timedelta(hours=1)
    if unit == "day":
        end = datetime.datetime(now.year, now.month, now.day, offset)
    else:
        end = now.replace(minute=offset, second=0, microsecond=0)
    if end >= now:
        end -= step
    return end - step, end


def audit_host(context, host: str) -> bool:
    """Audit ``host`` for the last completed period unless that is done (or running)
    already; True when this call ran it."""
    begin, end = last_completed_period()
    if objects.TaskLog.has_run(context, TASK_NAME, host, begin, end):
        return False
    task_log = objects.TaskLog(context, task_name=TASK_NAME, host=host,
                               period_beginning=begin, period_ending=end)
    started = time.monotonic()
    try:
        task_log.begin_task()
    except exception.TaskAlreadyRunning:
        return False  # NOTE: another run of this host's began in between.
    LOG.info("Running instance usage audit for host %s from %s to %s: %d instances.",
             host, begin, end, task_log.task_items)
    task_log.errors = 0
    task_log.message = (f"Instance usage audit ran for host {host}, "
                        f"{task_log.task_items} instances in "
                        f"{time.monotonic() - started:.3f} seconds.")
    task_log.end_task()
    return True
