"""POST /v2.1/os-server-external-events: other services (Neutron, Cinder, Cyborg, Ironic)
tell Nova something happened to a server.

As Nova: each event's ``code`` is 200 (accepted), 404 (no such server) or 422 (the server
has no host yet); the answer is 404 when no event was accepted, 207 when some were not,
else 200. mininova has no networking, volumes or accelerators to act on, so an accepted
event is recorded on the server's instance actions and nothing else happens.
"""
import falcon

from mininova import exception
from mininova import objects
from mininova.api import validation
from mininova.api.schemas import server_external_events as schemas
from mininova.compute import instance_actions


class ServerExternalEvents:
    @falcon.before(validation.versioned_schema(
        ("2.1", schemas.create), ("2.51", schemas.create_v251),
        ("2.76", schemas.create_v276), ("2.82", schemas.create_v282),
        ("2.93", schemas.create_v293)))
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        ctxt = req.context.ctxt
        ctxt.can("os_compute_api:os-server-external-events:create", {})
        events = [dict(event) for event in req.context.body["events"]]
        accepted = []
        for event in events:
            try:
                instance = objects.Instance.get_by_uuid(ctxt, event["server_uuid"])
            except exception.InstanceNotFound:
                event.update(status="failed", code=404)
                continue
            if not instance.host:
                event.update(status="failed", code=422)
                continue
            event["code"] = 200
            accepted.append((instance, event))
        if not accepted:
            raise exception.NotFound(message="No instances found for any event")
        for instance, event in accepted:
            _record(ctxt, instance, event)
        resp.status = falcon.HTTP_200 if len(accepted) == len(events) else falcon.HTTP_207
        resp.media = {"events": events}


def _record(ctxt, instance, event: dict) -> None:
    """One instance action per request and server, one finished event per event."""
    try:
        objects.InstanceAction.get_by_request_id(ctxt, instance.uuid, ctxt.request_id)
    except exception.InstanceActionNotFound:
        objects.InstanceAction.action_start(ctxt, instance.uuid,
                                            instance_actions.EXTERNAL_EVENT)
    objects.InstanceActionEvent.event_start(ctxt, instance.uuid, event["name"])
    objects.InstanceActionEvent.event_finish(
        ctxt, instance.uuid, event["name"],
        result="Error" if event.get("status") == "failed" else "Success",
        details=f"tag {event['tag']}" if event.get("tag") else None)
