"""Client side of the conductor RPC API (topic ``conductor``).

Version history:
  1.0 - Initial version: ping, object_class_action_versions, object_action,
        object_backport_versions, schedule_and_build_instances
  1.1 - schedule_and_build_instances takes a list of instances (multi-create)
  1.2 - schedule_and_build_instances takes requested_networks
  1.3 - record_spans (computes hand their trace spans to the trace store)
  1.4 - migrate_server (resize and cold migration)
  1.5 - evacuate_server (rebuild a server of a down host on another one)
  1.6 - live_migrate_instance (live migration)
  1.7 - computes send Instance 1.6 (save_and_record_event) and InstanceActionEvent 1.2
        (event_record): an instance action event written whole, with the final save
"""
import oslo_messaging as messaging
from oslo_log import log as logging

from mininova import conf
from mininova import exception
from mininova import rpc

CONF = conf.CONF
LOG = logging.getLogger(__name__)
TOPIC = "conductor"
VERSION = "1.7"


class ConductorAPI:
    """Calls objects' remotable methods on the conductor, and casts builds to it."""

    def __init__(self, transport: messaging.Transport, retry: int | None = None):
        self.client = rpc.get_client(transport, TOPIC, VERSION,
                                     version_cap=CONF.upgrade_levels.conductor, retry=retry)

    def ping(self, context, timeout: float) -> None:
        """Call: answer when the conductor is listening (MessagingTimeout otherwise)."""
        cctxt = self.client.prepare(version="1.0", timeout=timeout)
        cctxt.call(context, "ping")

    def wait_until_ready(self, context, attempt_timeout: float = 5) -> None:
        """Block until a conductor answers: a compute host can do nothing without one."""
        attempt = 0
        while True:
            attempt += 1
            try:
                self.ping(context, attempt_timeout)
                LOG.info("Conductor is ready (after %d attempt(s))", attempt)
                return
            except messaging.MessagingTimeout:
                LOG.warning("No conductor answered in %ss (attempt %d); is "
                            "mininova-conductor running? Retrying.", attempt_timeout, attempt)

    def can_send_version(self, version: str) -> bool:
        """Whether [upgrade_levels] conductor allows ``version``."""
        return self.client.can_send_version(version)

    def object_class_action_versions(self, context, objname, objmethod, object_versions,
                                     args, kwargs):
        """Call: run a remotable classmethod on the conductor and return its result."""
        cctxt = self.client.prepare(version="1.0")
        return cctxt.call(context, "object_class_action_versions", objname=objname,
                          objmethod=objmethod, object_versions=object_versions,
                          args=args, kwargs=kwargs)

    def object_action(self, context, objinst, objmethod, args, kwargs):
        """Call: run a remotable method on the conductor; returns (updates, result)."""
        cctxt = self.client.prepare(version="1.0")
        return cctxt.call(context, "object_action", objinst=objinst, objmethod=objmethod,
                          args=args, kwargs=kwargs)

    def object_backport_versions(self, context, objinst, object_versions):
        """Call: have the conductor downgrade an object this host cannot read."""
        cctxt = self.client.prepare(version="1.0")
        return cctxt.call(context, "object_backport_versions", objinst=objinst,
                          object_versions=object_versions)

    def schedule_and_build_instances(self, context, instances: list,
                                     requested_networks: list[dict] | None = None) -> None:
        """Cast: pick a host for each of ``instances``, allocate its addresses (the NICs
        of ``requested_networks``, see network/api.py) and have it built there.

        A conductor capped below 1.2 gives every server one NIC on the network; below
        1.1 it takes one instance per cast.
        """
        if self.client.can_send_version("1.2"):
            cctxt = self.client.prepare(version="1.2")
            cctxt.cast(context, "schedule_and_build_instances", instances=instances,
                       requested_networks=requested_networks)
            return
        if self.client.can_send_version("1.1"):
            cctxt = self.client.prepare(version="1.1")
            cctxt.cast(context, "schedule_and_build_instances", instances=instances)
            return
        cctxt = self.client.prepare(version="1.0")
        for instance in instances:
            cctxt.cast(context, "schedule_and_build_instances", instance=instance)

    def record_spans(self, context, spans: list[dict]) -> None:
        """Cast: store a compute's finished trace spans. A conductor older than 1.3 has
        no trace store: the spans are dropped (tracing is a diagnostic, not state)."""
        if not self.client.can_send_version("1.3"):
            return
        self.client.prepare(version="1.3").cast(context, "record_spans", spans=spans)

    def migrate_server(self, context, instance, flavor=None, host: str | None = None) -> None:
        """Cast: move ``instance`` to another host (a resize to ``flavor``, or a cold
        migration with its own flavor when None, to ``host`` if an admin named one).

        ServiceUnavailable when [upgrade_levels] conductor caps the version below 1.4.
        """
        if not self.client.can_send_version("1.4"):
            raise exception.ServiceUnavailable(
                reason="The conductor RPC version cap does not allow migrate_server.")
        cctxt = self.client.prepare(version="1.4")
        cctxt.cast(context, "migrate_server", instance=instance, flavor=flavor, host=host)

    def evacuate_server(self, context, instance, host: str | None,
                        target_state: str | None = None) -> None:
        """Cast: rebuild ``instance`` (whose host is down) on ``host``, or on a host the
        scheduler picks, from its record; ``target_state`` (2.95: stopped) is the
        vm_state it ends in. ServiceUnavailable when [upgrade_levels] conductor is
        below 1.5."""
        if not self.client.can_send_version("1.5"):
            raise exception.ServiceUnavailable(
                reason="The conductor RPC version cap does not allow evacuate.")
        self.client.prepare(version="1.5").cast(
            context, "evacuate_server", instance=instance, host=host,
            target_state=target_state)

    def live_migrate_instance(self, context, instance, host: str | None,
                              block_migration: bool | None, force: bool) -> None:
        """Cast: live-migrate ``instance`` to ``host`` (checked by the scheduler unless
        ``force``) or to a host the scheduler picks; ``block_migration`` None is
        "auto". ServiceUnavailable when [upgrade_levels] conductor is below 1.6."""
        if not self.client.can_send_version("1.6"):
            raise exception.ServiceUnavailable(
                reason="The conductor RPC version cap does not allow live migration.")
        self.client.prepare(version="1.6").cast(
            context, "live_migrate_instance", instance=instance, host=host,
            block_migration=block_migration, force=force)
