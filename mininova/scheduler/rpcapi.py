"""Client side of the scheduler RPC API (topic ``scheduler``).

Version history:
  1.0 - Initial version: select_destinations
"""
import oslo_messaging as messaging

from mininova import conf
from mininova import rpc

CONF = conf.CONF
TOPIC = "scheduler"
VERSION = "1.0"


class SchedulerAPI:
    def __init__(self, transport: messaging.Transport):
        self.client = rpc.get_client(transport, TOPIC, VERSION,
                                     version_cap=CONF.upgrade_levels.scheduler)

    def select_destinations(self, context, instance) -> str:
        """Call: return the host chosen for ``instance`` (NoValidHost when none fits).

        The scheduler claims the instance's resources on that host before answering.
        """
        cctxt = self.client.prepare(version="1.0")
        return cctxt.call(context, "select_destinations", instance=instance)
