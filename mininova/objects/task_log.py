"""TaskLog: one run of a periodic audit on a compute host (the task_log table)."""
from oslo_versionedobjects import fields

from mininova import db
from mininova.objects import base

db_usage = db.lazy("usage")


@base.MininovaObjectRegistry.register
class TaskLog(base.MininovaObject):
    # Version 1.0: Initial version
    VERSION = "1.0"

    fields = {
        "id": fields.IntegerField(),
        "task_name": fields.StringField(),
        "state": fields.StringField(),
        "host": fields.StringField(),
        "period_beginning": fields.DateTimeField(),
        "period_ending": fields.DateTimeField(),
        "message": fields.StringField(),
        "task_items": fields.IntegerField(),
        "errors": fields.IntegerField(),
    }

    @classmethod
    @base.remotable
    def has_run(cls, context, task_name: str, host: str, begin, end) -> bool:
        """True when ``host`` has a run (done or running) of the period."""
        return bool(db_usage.task_log_get_all(task_name, begin, end, host=host))

    @base.remotable
    def begin_task(self) -> None:
        """Record the run as RUNNING, with the number of instances alive on the host in
        the period as its items; TaskAlreadyRunning when the period has a run already."""
        row = db_usage.task_log_begin_task(self.task_name, self.host, self.period_beginning,
                                           self.period_ending)
        self._set_from_db(row)

    @base.remotable
    def end_task(self) -> None:
        """Record the run as DONE, with its errors and message."""
        row = db_usage.task_log_end_task(self.task_name, self.host, self.period_beginning,
                                         self.period_ending, errors=self.errors,
                                         message=self.message)
        self._set_from_db(row)
