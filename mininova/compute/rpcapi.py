"""Client side of the compute RPC API (topic ``compute``, one server per host).

Version history:
  1.0 - Initial version: build_and_run_instance, start_instance, stop_instance,
        reboot_instance, terminate_instance
  1.1 - Add get_console_output
  1.2 - Add get_host_uptime
  1.3 - Add rebuild_instance
  1.4 - Add get_instance_diagnostics
  1.5 - Add prep_resize, resize_instance, finish_resize, confirm_resize, revert_resize,
        finish_revert_resize (resize and cold migration)
  1.6 - rebuild_instance takes recreate and target_state (evacuate, to another host)
  1.7 - Add check_can_live_migrate_destination, check_can_live_migrate_source,
        pre_live_migration, live_migration, post_live_migration_at_destination,
        rollback_live_migration_at_destination, live_migration_abort,
        live_migration_force_complete (live migration)
"""
import oslo_messaging as messaging

from mininova import conf
from mininova import exception
from mininova import rpc

CONF = conf.CONF
TOPIC = "compute"
VERSION = "1.7"


class ComputeAPI:
    """Each method targets the host that runs the instance: ``prepare(server=host)``."""

    def __init__(self, transport: messaging.Transport, retry: int | None = None):
        self.client = rpc.get_client(transport, TOPIC, VERSION,
                                     version_cap=CONF.upgrade_levels.compute, retry=retry)

    def build_and_run_instance(self, ctxt, instance, image, host: str) -> None:
        """Cast: spawn ``instance`` from ``image`` on ``host``."""
        cctxt = self.client.prepare(server=host, version="1.0")
        cctxt.cast(ctxt, "build_and_run_instance", instance=instance, image=image)

    def start_instance(self, ctxt, instance) -> None:
        """Cast: power the instance on."""
        cctxt = self.client.prepare(server=instance.host, version="1.0")
        cctxt.cast(ctxt, "start_instance", instance=instance)

    def stop_instance(self, ctxt, instance) -> None:
        """Cast: shut the instance down cleanly, destroying it after shutdown_timeout."""
        cctxt = self.client.prepare(server=instance.host, version="1.0")
        cctxt.cast(ctxt, "stop_instance", instance=instance)

    def reboot_instance(self, ctxt, instance, reboot_type: str) -> None:
        """Cast: reboot, ``reboot_type`` SOFT or HARD."""
        cctxt = self.client.prepare(server=instance.host, version="1.0")
        cctxt.cast(ctxt, "reboot_instance", instance=instance, reboot_type=reboot_type)

    def get_console_output(self, ctxt, instance, tail_length: int | None) -> str:
        """Call: the last ``tail_length`` lines of the guest's serial console.

        Raises RPCTimeout when the host does not answer within rpc_response_timeout.
        """
        cctxt = self.client.prepare(server=instance.host, version="1.1")
        try:
            return cctxt.call(ctxt, "get_console_output", instance=instance,
                              tail_length=tail_length)
        except messaging.MessagingTimeout as exc:
            raise exception.RPCTimeout(service="mininova-compute",
                                       host=instance.host) from exc

    def get_host_uptime(self, ctxt, host: str) -> str:
        """Call: ``host``'s uptime line (os-hypervisors uptime and show from 2.88).

        Raises RPCTimeout when the host does not answer within rpc_response_timeout, and
        ServiceUnavailable when [upgrade_levels] compute caps the version below 1.2.
        """
        if not self.client.can_send_version("1.2"):
            raise exception.ServiceUnavailable(
                reason="The compute RPC version cap does not allow get_host_uptime.")
        cctxt = self.client.prepare(server=host, version="1.2")
        try:
            return cctxt.call(ctxt, "get_host_uptime")
        except messaging.MessagingTimeout as exc:
            raise exception.RPCTimeout(service="mininova-compute", host=host) from exc

    def rebuild_instance(self, ctxt, instance, image, preserve_ephemeral: bool, *,
                         host: str | None = None, recreate: bool = False,
                         target_state: str | None = None) -> None:
        """Cast: re-create the guest from ``image`` (its record), keeping it stopped if it
        was. Refused (ServiceUnavailable) when [upgrade_levels] compute is below 1.3.

        With ``recreate`` (1.6, evacuate) the cast goes to ``host``, the server's new
        host (the conductor claimed there), which defines the guest from the record;
        ``target_state`` (2.95: stopped) is the vm_state it ends in.
        """
        version = "1.6" if recreate else "1.3"
        if not self.client.can_send_version(version):
            raise exception.ServiceUnavailable(
                reason="The compute RPC version cap does not allow "
                       f"{'evacuate' if recreate else 'rebuild_instance'}.")
        cctxt = self.client.prepare(server=host if recreate else instance.host,
                                    version=version)
        kwargs = {"recreate": True, "target_state": target_state} if recreate else {}
        cctxt.cast(ctxt, "rebuild_instance", instance=instance, image=image,
                   preserve_ephemeral=preserve_ephemeral, **kwargs)

    def get_instance_diagnostics(self, ctxt, instance) -> dict:
        """Call: what the hypervisor reports of the guest (virt/diagnostics.py, as a dict).

        Raises RPCTimeout when the host does not answer within rpc_response_timeout,
        InstanceInvalidState when the guest is not running, and ServiceUnavailable when
        [upgrade_levels] compute caps the version below 1.4.
        """
        if not self.client.can_send_version("1.4"):
            raise exception.ServiceUnavailable(
                reason="The compute RPC version cap does not allow diagnostics.")
        cctxt = self.client.prepare(server=instance.host, version="1.4")
        try:
            return cctxt.call(ctxt, "get_instance_diagnostics", instance=instance)
        except messaging.MessagingTimeout as exc:
            raise exception.RPCTimeout(service="mininova-compute",
                                       host=instance.host) from exc

    def terminate_instance(self, ctxt, instance) -> None:
        """Cast: destroy the guest and delete the instance."""
        cctxt = self.client.prepare(server=instance.host, version="1.0")
        cctxt.cast(ctxt, "terminate_instance", instance=instance)

    # -- resize and cold migration: each step casts to the host that does the next one

    def _move_cast(self, ctxt, method: str, host: str, instance, migration) -> None:
        if not self.client.can_send_version("1.5"):
            raise exception.ServiceUnavailable(
                reason=f"The compute RPC version cap does not allow {method}.")
        cctxt = self.client.prepare(server=host, version="1.5")
        cctxt.cast(ctxt, method, instance=instance, migration=migration)

    def prep_resize(self, ctxt, instance, migration, host: str) -> None:
        """Cast to the destination ``host``: check its claim for the move, then have
        the source hand the guest over."""
        self._move_cast(ctxt, "prep_resize", host, instance, migration)

    def resize_instance(self, ctxt, instance, migration, host: str) -> None:
        """Cast to the source ``host``: power the guest off and hand its disk and
        definition over to the destination."""
        self._move_cast(ctxt, "resize_instance", host, instance, migration)

    def finish_resize(self, ctxt, instance, migration, host: str) -> None:
        """Cast to the destination ``host``: define and start the guest with the new
        flavor (VERIFY_RESIZE)."""
        self._move_cast(ctxt, "finish_resize", host, instance, migration)

    def confirm_resize(self, ctxt, instance, migration, host: str) -> None:
        """Cast to the source ``host``: delete what the guest left there and free the
        source's claim."""
        self._move_cast(ctxt, "confirm_resize", host, instance, migration)

    def revert_resize(self, ctxt, instance, migration, host: str) -> None:
        """Cast to the destination ``host``: destroy the guest there, then have the
        source restart it with the old flavor."""
        self._move_cast(ctxt, "revert_resize", host, instance, migration)

    def finish_revert_resize(self, ctxt, instance, migration, host: str) -> None:
        """Cast to the source ``host``: define and start the guest again with its old
        flavor, and give the instance its source claim back."""
        self._move_cast(ctxt, "finish_revert_resize", host, instance, migration)

    # -- live migration (compute/live_migration.py) -------------------------------------

    def _live(self, method: str, host: str):
        if not self.client.can_send_version("1.7"):
            raise exception.ServiceUnavailable(
                reason=f"The compute RPC version cap does not allow {method}.")
        return self.client.prepare(server=host, version="1.7")

    def check_can_live_migrate_destination(self, ctxt, instance, destination: str,
                                           block_migration: bool | None,
                                           migration) -> dict:
        """Call to ``destination``: can it take the guest (it asks the source in turn)?
        Returns the migrate data both ends agree on; MigrationPreCheckError (or
        InvalidSharedStorage / InvalidLocalStorage) when not."""
        cctxt = self._live("check_can_live_migrate_destination", destination)
        return cctxt.call(ctxt, "check_can_live_migrate_destination", instance=instance,
                          block_migration=block_migration, migration=migration)

    def check_can_live_migrate_source(self, ctxt, instance, dest_check_data: dict) -> dict:
        """Call to the instance's host: can the guest leave, given what the destination
        found (``dest_check_data``)? Returns the completed migrate data."""
        cctxt = self._live("check_can_live_migrate_source", instance.host)
        return cctxt.call(ctxt, "check_can_live_migrate_source", instance=instance,
                          dest_check_data=dest_check_data)

    def pre_live_migration(self, ctxt, instance, migration, migrate_data: dict,
                           host: str) -> dict:
        """Call to the destination ``host``: get ready to receive the guest (define it
        there, plug its NICs); returns the migrate data."""
        cctxt = self._live("pre_live_migration", host)
        return cctxt.call(ctxt, "pre_live_migration", instance=instance,
                          migration=migration, migrate_data=migrate_data)

    def live_migration(self, ctxt, instance, migration, migrate_data: dict) -> None:
        """Cast to the instance's (source) host: run the live migration to
        ``migration.dest_compute``."""
        cctxt = self._live("live_migration", instance.host)
        cctxt.cast(ctxt, "live_migration", instance=instance, migration=migration,
                   migrate_data=migrate_data)

    def post_live_migration_at_destination(self, ctxt, instance, migration,
                                           host: str) -> bool:
        """Call to the destination ``host``: take the server (the switch) and run the
        guest there. False when the move had been rolled back meanwhile."""
        cctxt = self._live("post_live_migration_at_destination", host)
        return cctxt.call(ctxt, "post_live_migration_at_destination", instance=instance,
                          migration=migration)

    def rollback_live_migration_at_destination(self, ctxt, instance, host: str) -> None:
        """Cast to the destination ``host``: remove what pre_live_migration made there."""
        cctxt = self._live("rollback_live_migration_at_destination", host)
        cctxt.cast(ctxt, "rollback_live_migration_at_destination", instance=instance)

    def live_migration_abort(self, ctxt, instance, migration_id: int) -> None:
        """Cast to the instance's (source) host: cancel the running migration."""
        cctxt = self._live("live_migration_abort", instance.host)
        cctxt.cast(ctxt, "live_migration_abort", instance=instance,
                   migration_id=migration_id)

    def live_migration_force_complete(self, ctxt, instance, migration) -> None:
        """Cast to the instance's (source) host: finish the running migration now."""
        cctxt = self._live("live_migration_force_complete", instance.host)
        cctxt.cast(ctxt, "live_migration_force_complete", instance=instance,
                   migration=migration)
