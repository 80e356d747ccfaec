"""/v2.1/os-aggregates: host aggregates, which mininova does not have.

The list is served (always empty) because `openstack hypervisor show` asks for it to
name a host's aggregates; creating one is refused rather than stored and ignored.
"""
import falcon


class AggregateCollection:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.ctxt.can("os_compute_api:os-aggregates:index")
        resp.media = {"aggregates": []}
