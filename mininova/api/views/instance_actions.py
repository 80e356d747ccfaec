"""Instance action views (os-instance-actions)."""
from mininova.api.views import usage_time as _time


def action(act) -> dict:
    return {"action": act.action, "instance_uuid": act.instance_uuid,
            "request_id": act.request_id, "user_id": act.user_id,
            "project_id": act.project_id, "start_time": _time(act.start_time),
            "message": act.message}


def event(evt, details: bool) -> dict:
    body = {"event": evt.event, "start_time": _time(evt.start_time),
            "finish_time": _time(evt.finish_time), "result": evt.result}
    if details:
        body["traceback"] = evt.traceback
        body["host"] = evt.host
    return body

