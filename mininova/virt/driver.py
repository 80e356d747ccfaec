"""The ComputeDriver contract: the last hop of the request path before the hypervisor.

``compute/manager.py`` talks to a hypervisor only through these methods; a driver (today
``virt/libvirt/driver.py``) implements them. ``load_driver(conf)`` builds the configured one.
"""
from __future__ import annotations

import abc
import dataclasses
from collections.abc import Callable
from typing import Any

from oslo_concurrency import processutils
from oslo_config import cfg

from mininova import exception
from mininova.virt import diagnostics

EventCallback = Callable[[str, int], None]
"""``callback(instance_uuid, power_state)`` called on hypervisor lifecycle events."""


@dataclasses.dataclass(frozen=True)
class InstanceInfo:
    """What the hypervisor says about one guest; ``state`` is a compute.power_state value."""

    state: int
    max_mem_kb: int = 0
    mem_kb: int = 0
    num_cpu: int = 0
    cpu_time_ns: int = 0


class ComputeDriver(abc.ABC):
    """Interface between the compute manager and a hypervisor.

    ``instance`` arguments need ``uuid``, ``name``, ``memory_mb``, ``vcpus``, ``root_gb``
    and ``image_ref`` attributes (an ``objects.Instance`` has them). Errors are raised as
    ``exception.InstanceNotFound`` (no such guest) or ``exception.HypervisorError``.
    """

    @abc.abstractmethod
    def init_host(self, host: str) -> None:
        """Connect to the hypervisor when the compute service starts on ``host``."""

    @abc.abstractmethod
    def spawn(self, context: Any, instance: Any, image: Any) -> None:
        """Create and start the guest; return once it is running."""

    @abc.abstractmethod
    def power_off(self, instance: Any, timeout: int = 0, retry_interval: int = 0) -> None:
        """Stop the guest: clean shutdown for up to ``timeout`` seconds, then destroy.

        The state is checked right after the first request, the request is repeated every
        ``retry_interval`` seconds, and ``timeout=0`` powers off at once.
        """

    @abc.abstractmethod
    def power_on(self, context: Any, instance: Any) -> None:
        """Start a stopped guest."""

    @abc.abstractmethod
    def reboot(self, context: Any, instance: Any, reboot_type: str) -> None:
        """Reboot the guest; ``reboot_type`` is ``'SOFT'`` (guest OS) or ``'HARD'`` (reset)."""

    def rebuild(self, context: Any, instance: Any, image: Any, power_on: bool = True) -> None:
        """Re-create the guest from ``image``: its old disk goes, a new one is made as
        spawn makes it. With ``power_on`` False the guest ends defined but off.

        The default is Nova's: destroy, spawn, then power off if asked to stay off.
        """
        self.destroy(context, instance)
        self.spawn(context, instance, image)
        if not power_on:
            self.power_off(instance)

    def recreate(self, context: Any, instance: Any, image: Any, power_on: bool = True) -> None:
        """Define here the guest of a server evacuated from a host that is down, from its
        record: a disk this host already sees (shared instance storage) is kept, else
        one is made from ``image``. With ``power_on`` False the guest ends defined but off.

        The default spawns it anew (then powers it off if asked to stay off).
        """
        self.spawn(context, instance, image)
        if not power_on:
            self.power_off(instance)

    def cleanup_evacuated(self, context: Any, instance: Any) -> None:
        """Remove the guest of a server that was evacuated to another host, and its files
        unless that host uses them (shared instance storage). The default destroys."""
        self.destroy(context, instance)

    @abc.abstractmethod
    def destroy(self, context: Any, instance: Any) -> None:
        """Stop and remove the guest and its files; a missing guest is not an error."""

    @abc.abstractmethod
    def get_info(self, instance: Any) -> InstanceInfo:
        """Return the guest's state; raises ``InstanceNotFound`` when there is no guest."""

    @abc.abstractmethod
    def get_available_resource(self) -> dict:
        """Return this host's totals for the scheduler.

        Keys: vcpus, memory_mb, local_gb, hypervisor_type, hypervisor_version,
        hypervisor_hostname; optionally cpu_info (JSON text of the host CPU) and host_ip.
        """

    @abc.abstractmethod
    def list_instance_uuids(self) -> list[str]:
        """Return the uuids of the guests this service manages on this hypervisor."""

    def register_event_listener(self, callback: EventCallback | None) -> None:
        """Have ``callback(instance_uuid, power_state)`` called on lifecycle events.

        The default is a no-op for hypervisors without events; the periodic power-state
        sync covers them. ``None`` unregisters.
        """
        return None

    def get_console_output(self, context: Any, instance: Any) -> str:
        """Return the guest's serial console log ('' when the driver keeps none)."""
        return ""

    def get_instance_diagnostics(self, instance: Any) -> diagnostics.Diagnostics:
        """What the hypervisor reports of a running guest (CPU, memory, disks, NICs)."""
        raise NotImplementedError()

    def get_host_uptime(self) -> str:
        """The host's ``uptime`` line: a guest runs here, so the host is this machine."""
        out, _err = processutils.execute("env", "LANG=C", "uptime")
        return out.strip()

    # -- resize and cold migration (compute/resize.py) ----------------------------------

    def migrate_disk_and_power_off(self, context: Any, instance: Any, dest: str,
                                   timeout: int = 0, retry_interval: int = 0) -> None:
        """On the source: power the guest off (as ``power_off``), remove it from this
        hypervisor and hand its disk over to ``dest``, keeping the original until the
        move is confirmed or reverted."""
        raise NotImplementedError()

    def finish_migration(self, context: Any, instance: Any, power_on: bool) -> None:
        """On the destination: define the guest from its record (now with the new
        flavor) over the disk handed over, and start it when ``power_on``."""
        raise NotImplementedError()

    def confirm_migration(self, context: Any, instance: Any) -> None:
        """On the source: delete the original the move kept."""
        raise NotImplementedError()

    def cleanup_migration_destination(self, context: Any, instance: Any) -> None:
        """On the destination of a revert: remove the guest and its copy of the disk."""
        raise NotImplementedError()

    def finish_revert_migration(self, context: Any, instance: Any,
                                power_on: bool) -> None:
        """On the source: put the kept original back, define the guest from its record
        (the old flavor again) and start it when ``power_on``."""
        raise NotImplementedError()

    # -- live migration (compute/live_migration.py) ------------------------------------

    def check_can_live_migrate_destination(self, context: Any, instance: Any,
                                           block_migration: bool | None) -> dict:
        """On the destination: whether this host can take the guest; what the source
        needs to know (``dest_check_data``). Raises MigrationPreCheckError when not.
        The default: this driver cannot live-migrate."""
        raise exception.MigrationPreCheckError(
            reason=f"the {type(self).__name__} driver cannot live-migrate guests")

    def cleanup_live_migration_destination_check(self, context: Any,
                                                 dest_check_data: dict) -> None:
        """On the destination: remove what the check left (a shared-storage probe)."""
        return None

    def check_can_live_migrate_source(self, context: Any, instance: Any,
                                      dest_check_data: dict) -> dict:
        """On the source: whether the guest can leave for that destination; returns the
        migrate data (``block_migration`` decided). Raises InvalidSharedStorage,
        InvalidLocalStorage or MigrationPreCheckError when not."""
        raise NotImplementedError()

    def pre_live_migration(self, context: Any, instance: Any, migrate_data: dict) -> None:
        """On the destination: get ready to receive the guest."""
        raise NotImplementedError()

    def live_migration(self, context: Any, instance: Any, dest: str,
                       migrate_data: dict) -> None:
        """On the source: move the running guest to ``dest``; it keeps running here
        until the destination runs it (post_live_migration_at_destination). Raises
        LiveMigrationAborted when aborted (the guest then stays here)."""
        raise NotImplementedError()

    def live_migration_abort(self, instance: Any) -> bool:
        """On the source: cancel the move in progress; False when none is."""
        return False

    def live_migration_force_complete(self, instance: Any) -> bool:
        """On the source: finish the move in progress now; False when none is."""
        return False

    def post_live_migration_at_destination(self, context: Any, instance: Any) -> None:
        """On the destination: the server is this host's: run the guest here."""
        raise NotImplementedError()

    def post_live_migration(self, context: Any, instance: Any, migrate_data: dict) -> None:
        """On the source: remove the guest's copy here (its files only when they are
        not shared with the destination)."""
        raise NotImplementedError()

    def rollback_live_migration_at_destination(self, context: Any, instance: Any) -> None:
        """On the destination of a move that was rolled back: remove the guest
        prepared here (never files on shared storage)."""
        raise NotImplementedError()

    def cleanup_host(self, host: str) -> None:
        """Release hypervisor resources when the compute service stops."""
        return None


def load_driver(conf: cfg.ConfigOpts) -> ComputeDriver:
    """Build the compute driver for this service (libvirt, whatever its connection URI)."""
    # NOTE: imported here so that importing the contract does not need libvirt-python.
    from mininova.virt.libvirt import driver as libvirt_driver

    return libvirt_driver.LibvirtDriver(conf)
