"""Client side of the scheduler RPC API (topic ``scheduler``).

Version history:
  1.0 - Initial version: select_destinations
  1.1 - select_destinations takes ignore_hosts and requested_host (moves)
  1.2 - select_destinations takes a request_spec (resize, cold migration)
"""
import oslo_messaging as messaging

from mininova import conf
from mininova import exception
from mininova import rpc

CONF = conf.CONF
TOPIC = "scheduler"
VERSION = "1.2"


class SchedulerAPI:
    def __init__(self, transport: messaging.Transport):
        self.client = rpc.get_client(transport, TOPIC, VERSION,
                                     version_cap=CONF.upgrade_levels.scheduler)

    def select_destinations(self, context, instance, *, ignore_hosts: list[str] | None = None,
                            requested_host: str | None = None) -> str:
        """Call: return the host chosen for ``instance`` (NoValidHost when none fits).

        The scheduler claims the instance's resources on that host and sets its host
        before answering (the claim replaces what the instance held). A move names the
        hosts it must not land on (``ignore_hosts``: the source) and the only one it may
        (``requested_host``); a scheduler capped below 1.1 cannot take those:
        ServiceUnavailable.
        """
        if ignore_hosts is None and requested_host is None:
            cctxt = self.client.prepare(version="1.0")
            return cctxt.call(context, "select_destinations", instance=instance)
        if not self.client.can_send_version("1.1"):
            raise exception.ServiceUnavailable(
                reason="The scheduler RPC version cap does not allow moving a server.")
        cctxt = self.client.prepare(version="1.1")
        return cctxt.call(context, "select_destinations", instance=instance,
                          ignore_hosts=ignore_hosts, requested_host=requested_host)

    def select_destinations_for_move(self, context, request_spec) -> str:
        """Call: return the host chosen for ``request_spec`` (a resize or cold migration
        of its instance); NoValidHost when none fits.

        The scheduler claims the spec's resources on that host for the instance before
        answering, without changing the instance's host (it still runs on the source).
        ServiceUnavailable when [upgrade_levels] scheduler caps the version below 1.2.
        """
        if not self.client.can_send_version("1.2"):
            raise exception.ServiceUnavailable(
                reason="The scheduler RPC version cap does not allow resizing a server.")
        cctxt = self.client.prepare(version="1.2")
        return cctxt.call(context, "select_destinations", request_spec=request_spec)
