"""LibvirtDriver: the ComputeDriver that runs guests through libvirt.

Last hop of every request path: ``compute/manager.py`` -> here -> libvirt. Domain XML
comes from ``config.py``; the connection, lookups and events from ``host.py``. Works
against QEMU/KVM (``qemu:///system``) and libvirt's in-process test hypervisor
(``test:///default``), where no file is created and every transition is immediate.

A guest's files live in ``$state_path/instances/<uuid>/``: ``disk`` (a qcow2 overlay over
the image file, or a blank disk), ``console.log`` (serial console), ``host`` (the host
that took the server by evacuation, if one did), ``disk.config`` (the
config drive, when the server has one; written on the test hypervisor too, whose domain
XML names it) and, for an image with ``kernel_id``/``ramdisk_id`` properties, copies of
those images as ``kernel`` and ``ramdisk`` (direct kernel boot). Image files are read
from the image store's path, which compute hosts share with the API side.
"""
from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import shutil
import threading
import time
from typing import Any

import libvirt
from oslo_concurrency import processutils
from oslo_config import cfg
from oslo_log import log as logging
from oslo_utils import netutils

from mininova import exception
from mininova import objects
from mininova.network import linux_net
from mininova.network import model as network_model
from mininova.virt import configdrive
from mininova.virt import diagnostics
from mininova.virt import driver
from mininova.virt.libvirt import capabilities
from mininova.virt.libvirt import config as vconfig
from mininova.virt.libvirt import diagnostics as guest_diagnostics
from mininova.virt.libvirt import host as libvirt_host
from mininova.virt.libvirt import migration as live_migration

LOG = logging.getLogger(__name__)

# NOTE: only domains named like instance.name belong to mininova; anything else on the
# hypervisor (the test driver's predefined "test" domain, hand-made guests) is ignored.
INSTANCE_NAME_PREFIX = "instance-"

# Tail of the console log returned by get_console_output.
MAX_CONSOLE_BYTES = 100 * 1024

_GiB = 1024 ** 3

# Kernel command line of a direct kernel boot whose image has no os_command_line property.
DEFAULT_KERNEL_CMDLINE = "console=ttyS0"

# Image property naming another image -> file name of its copy in the instance directory.
_KERNEL_FILES = (("kernel_id", "kernel"), ("ramdisk_id", "ramdisk"))

# Seconds between two progress lines of a QEMU live migration in the source's log.
PROGRESS_INTERVAL = 5.0

# The config drive's cdrom: IDE, which the default "pc" machine type QEMU gets here has
# (and every guest kernel drives); Nova's choice for i440fx too.
CONFIG_DRIVE_DEV, CONFIG_DRIVE_BUS = "hdd", "ide"


def _image_attr(image: Any, name: str) -> Any:
    """Read an image field from an Image object or its primitive dict form."""
    if isinstance(image, dict):
        return image.get(name)
    # NOTE: an unset field of a versioned object raises on access instead of being None.
    if hasattr(image, "obj_attr_is_set") and not image.obj_attr_is_set(name):
        return None
    return getattr(image, name, None)


def _image_properties(image: Any) -> dict:
    if image is None:
        return {}
    return _image_attr(image, "properties") or {}


def is_kernel_boot(image: Any) -> bool:
    """True when ``image`` boots a kernel image directly (its ``kernel_id`` property)."""
    return bool(_image_properties(image).get("kernel_id"))


def _backing_file(image: Any) -> tuple[str, str] | None:
    """(path, format) of the image file an instance disk overlays, if ``image`` has one."""
    base = _image_attr(image, "file_path")
    if not base:
        return None
    return os.path.abspath(base), _image_attr(image, "disk_format") or "raw"


def _wait_stopped(stopped: threading.Event, seconds: float) -> None:
    """Sleep ``seconds``, or less when the domain's STOPPED event comes meanwhile."""
    if stopped.wait(seconds):
        stopped.clear()


class LibvirtDriver(driver.ComputeDriver):
    """ComputeDriver on one libvirt connection (``[libvirt] connection_uri``)."""

    # Seconds between two state checks while a guest shuts down cleanly (the STOPPED
    # lifecycle event ends a wait at once; this is for an event that never comes).
    shutdown_poll_interval = 0.5

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        self._conf = conf
        self._host = libvirt_host.Host(conf.libvirt.connection_uri,
                                       name_prefix=INSTANCE_NAME_PREFIX)
        net = conf.network
        self._dhcp = linux_net.Dnsmasq(
            os.path.join(conf.state_path, "networks"), net.bridge, net.cidr,
            network_model.gateway(conf), net.dns_servers, net.mtu)
        self._live_migrations = live_migration.Jobs()

    # -- service lifecycle -------------------------------------------------------------

    def init_host(self, host: str) -> None:
        conn = self._host.get_connection()
        with libvirt_host.translate_errors():
            LOG.info("libvirt driver on %s: %s hypervisor version %s at %s",
                     host, conn.getType(), conn.getVersion(), self._conf.libvirt.connection_uri)
        if not self._host.is_test_driver():
            self._ensure_host_network()

    # -- the host side of the network (real hypervisors only) -----------------------------

    def _ensure_host_network(self) -> None:
        """The bridge guests plug into, holding the gateway, and its dnsmasq: a real
        hypervisor's NICs need both; the test hypervisor's exist only in its XML."""
        net = self._conf.network
        linux_net.ensure_bridge(net.bridge, net.cidr, network_model.gateway(self._conf),
                                net.mtu)
        self._dhcp.ensure()
        LOG.info("Bridge %s and its DHCP server are up", net.bridge)

    def _plug_vifs(self, instance: Any) -> None:
        """Let dnsmasq serve each NIC its address before the guest asks for it."""
        if self._host.is_test_driver():
            return
        hostname = getattr(instance, "hostname", None) or ""
        for vif in getattr(instance, "network_info", None) or []:
            self._dhcp.add_host(vif["mac"], vif["address"], hostname)

    def _unplug_vifs(self, instance: Any) -> None:
        if self._host.is_test_driver():
            return
        for vif in getattr(instance, "network_info", None) or []:
            self._dhcp.remove_host(vif["mac"], vif["address"])

    def cleanup_host(self, host: str) -> None:
        self._host.close()

    def register_event_listener(self, callback: driver.EventCallback | None) -> None:
        self._host.set_event_listener(callback)

    # -- guest configuration -----------------------------------------------------------

    def _virt_type(self) -> str:
        return "test" if self._host.is_test_driver() else self._conf.libvirt.virt_type

    def _instance_dir(self, instance: Any) -> str:
        return os.path.join(self._conf.state_path, "instances", instance.uuid)

    def _disk_path(self, instance: Any) -> str:
        return os.path.join(self._instance_dir(instance), "disk")

    def _console_log_path(self, instance: Any) -> str:
        return os.path.join(self._instance_dir(instance), "console.log")

    def _kernel_file_path(self, instance: Any, file_name: str) -> str:
        return os.path.join(self._instance_dir(instance), file_name)

    def _owner_path(self, instance: Any) -> str:
        """The host that last took the server by evacuation (see ``recreate``)."""
        return os.path.join(self._instance_dir(instance), "host")

    def _config_drive_path(self, instance: Any) -> str:
        return os.path.join(self._instance_dir(instance), configdrive.FILE_NAME)

    def _create_config_drive(self, instance: Any) -> bool:
        """Write the server's config drive from its record when it has one; True then.

        The user metadata comes from the conductor (``Instance.get_metadata``), the
        addresses from ``network_info``: the same content as the metadata service's.
        """
        if not configdrive.required_by(instance, force=False):
            return False
        os.makedirs(self._instance_dir(instance), exist_ok=True)
        server_metadata = instance.get_metadata() if hasattr(instance, "get_metadata") else {}
        configdrive.build(self._config_drive_path(instance), instance, server_metadata,
                          getattr(instance, "network_info", None) or [])
        LOG.debug("Config drive written for %s", instance.name, instance_uuid=instance.uuid)
        return True

    def get_guest_config(self, instance: Any, with_disk: bool = True,
                         image: Any = None,
                         with_config_drive: bool = False) -> vconfig.LibvirtConfigGuest:
        """Build the domain configuration of ``instance`` booting ``image``."""
        guest = vconfig.LibvirtConfigGuest(self._virt_type(), instance.name, instance.uuid,
                                           instance.memory_mb, instance.vcpus)
        properties = _image_properties(image)
        if is_kernel_boot(image):
            guest.set_kernel_boot(
                self._kernel_file_path(instance, "kernel"),
                self._kernel_file_path(instance, "ramdisk")
                if properties.get("ramdisk_id") else None,
                properties.get("os_command_line") or DEFAULT_KERNEL_CMDLINE)
        # NOTE: ACPI is what lets a clean shutdown (power_off) reach the guest OS.
        guest.add_feature(vconfig.LibvirtConfigGuestFeature("acpi"))
        guest.add_feature(vconfig.LibvirtConfigGuestFeature("apic"))
        if with_disk:
            backing = _backing_file(image)
            guest.add_device(vconfig.LibvirtConfigGuestDisk(
                self._disk_path(instance), backing_path=backing[0] if backing else None,
                backing_format=backing[1] if backing else "raw"))
        # NOTE: the bridge itself is the host's (network/linux_net.py), not the guest's.
        for vif in getattr(instance, "network_info", None) or []:
            guest.add_device(vconfig.LibvirtConfigGuestInterface(
                vif["mac"], vif["bridge"], mtu=vif.get("mtu")))
        if with_config_drive:
            guest.add_device(vconfig.LibvirtConfigGuestDisk(
                self._config_drive_path(instance), target_dev=CONFIG_DRIVE_DEV,
                target_bus=CONFIG_DRIVE_BUS, driver_format="raw", device_type="cdrom",
                readonly=True))
        # NOTE: append, so that the console of earlier boots survives a stop/start.
        guest.add_device(vconfig.LibvirtConfigGuestSerial(
            "file", source_path=self._console_log_path(instance), append=True))
        return guest

    def _fetch_kernel_files(self, context: Any, instance: Any, image: Any) -> None:
        """Copy the kernel and ramdisk images ``image`` names into the instance directory.

        Their records come through ``objects.Image`` (the conductor, from a compute host);
        their files from the image store's path, shared with this host. Copies, because
        libvirt hands the files it boots to the QEMU user and relabels them.
        """
        properties = _image_properties(image)
        for prop, file_name in _KERNEL_FILES:
            image_id = properties.get(prop)
            if not image_id:
                continue
            source = objects.Image.get_by_id(context, image_id).file_path
            if not source or not os.path.isfile(source):
                raise exception.HypervisorError(
                    reason=f"{prop} {image_id}: no image file {source!r} on this host (the "
                           "image store path must be shared with compute hosts)")
            LOG.debug("Copying %s %s (%s) for %s", prop, image_id, source, instance.name,
                      instance_uuid=instance.uuid)
            shutil.copyfile(source, self._kernel_file_path(instance, file_name))

    def _create_disk(self, instance: Any, image: Any) -> bool:
        """Create the instance's qcow2 root disk over the image file; False if no disk."""
        backing = _backing_file(image)
        if not backing and not instance.root_gb:
            return False
        cmd = ["qemu-img", "create", "-f", "qcow2"]
        if backing:
            cmd += ["-b", backing[0], "-F", backing[1]]
        cmd.append(self._disk_path(instance))
        if instance.root_gb:
            cmd.append(f"{instance.root_gb}G")
        try:
            processutils.execute(*cmd)
        except (processutils.ProcessExecutionError, OSError) as exc:
            raise exception.HypervisorError(reason=f"cannot create disk: {exc}") from exc
        return True

    # -- operations --------------------------------------------------------------------

    def spawn(self, context: Any, instance: Any, image: Any) -> None:
        self._create_guest(context, instance, image, power_on=True)

    def rebuild(self, context: Any, instance: Any, image: Any, power_on: bool = True) -> None:
        """Destroy the guest and its disk and kernel files, then create them again from
        ``image`` the way spawn does; the console log stays, as it does over a reboot."""
        self._remove_domain(instance)
        for file_name in ("disk", configdrive.FILE_NAME,
                          *(name for _prop, name in _KERNEL_FILES)):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(self._instance_dir(instance), file_name))
        self._create_guest(context, instance, image, power_on=power_on)
        LOG.info("Rebuilt domain %s", instance.name, instance_uuid=instance.uuid)

    def recreate(self, context: Any, instance: Any, image: Any, power_on: bool = True) -> None:
        """Define an evacuated server's guest here the way a repair does (a disk its
        instance directory still holds, on shared storage, is kept), and mark the
        directory as this host's, so that the old host, back, leaves its files alone."""
        self._create_guest(context, instance, image, power_on=power_on, repair=True)
        os.makedirs(self._instance_dir(instance), exist_ok=True)
        with open(self._owner_path(instance), "w") as owner:
            owner.write(self._conf.host)
        LOG.info("Domain %s defined here for an evacuation", instance.name,
                 instance_uuid=instance.uuid)

    def cleanup_evacuated(self, context: Any, instance: Any) -> None:
        """Remove the guest of a server now on another host; its files only when that
        host's mark is not on them (they are this host's own copy, not shared)."""
        self._remove_domain(instance)
        self._unplug_vifs(instance)
        try:
            with open(self._owner_path(instance)) as owner:
                owner_host = owner.read().strip()
        except FileNotFoundError:
            owner_host = None
        if owner_host and owner_host != self._conf.host:
            LOG.info("Keeping the files of %s: %s uses them (shared storage)",
                     instance.name, owner_host, instance_uuid=instance.uuid)
        else:
            self._delete_instance_files(instance)
        LOG.info("Destroyed the evacuated domain %s", instance.name,
                 instance_uuid=instance.uuid)

    def _create_guest(self, context: Any, instance: Any, image: Any, power_on: bool,
                      repair: bool = False) -> None:
        """Make the disk (and kernel files) from ``image``, define the domain, and start
        it when ``power_on``; on failure nothing of the guest is left behind.

        With ``repair`` the guest is defined again over what its instance directory still
        holds: an existing disk is kept (it is the server's data), and nothing is deleted
        on failure.
        """
        try:
            if self._host.is_test_driver():
                # NOTE: the test hypervisor never opens the disk, kernel or console log.
                with_disk = True
            else:
                os.makedirs(self._instance_dir(instance), exist_ok=True)
                keep_disk = repair and os.path.exists(self._disk_path(instance))
                if is_kernel_boot(image):
                    self._fetch_kernel_files(context, instance, image)
                with_disk = keep_disk or self._create_disk(instance, image)
            # NOTE: written again at every (re)definition: it says what the record says.
            with_config_drive = self._create_config_drive(instance)
        except Exception:
            if not repair:
                self._delete_instance_files(instance)
            raise
        xml = self.get_guest_config(instance, with_disk=with_disk, image=image,
                                    with_config_drive=with_config_drive).to_xml()
        self._plug_vifs(instance)
        LOG.debug("Defining domain %s:\n%s", instance.name, xml, instance_uuid=instance.uuid)
        with libvirt_host.translate_errors(instance.uuid):
            domain = self._host.get_connection().defineXML(xml)
            if domain.isActive() or not power_on:
                LOG.info("Domain %s defined (%s)", instance.name,
                         "already running" if power_on else "left off",
                         instance_uuid=instance.uuid)
                return
            try:
                domain.create()
            except libvirt.libvirtError:
                # NOTE: clean up, but report the start failure rather than a cleanup one.
                with contextlib.suppress(libvirt.libvirtError):
                    self._undefine(domain)
                if not repair:
                    self._delete_instance_files(instance)
                raise
        LOG.info("Spawned domain %s", instance.name, instance_uuid=instance.uuid)

    def power_off(self, instance: Any, timeout: int = 0, retry_interval: int = 0) -> None:
        try:
            domain = self._host.get_domain(instance.uuid)
        except exception.InstanceNotFound:
            # NOTE: a guest libvirt no longer has is as stopped as a stop can make it.
            LOG.info("Domain %s is unknown to libvirt: already off", instance.name,
                     instance_uuid=instance.uuid)
            return
        with libvirt_host.translate_errors(instance.uuid):
            if timeout > 0 and self._clean_shutdown(domain, instance, timeout, retry_interval):
                return
            self._destroy_domain(domain)
        LOG.info("Powered off domain %s", instance.name, instance_uuid=instance.uuid)

    def _clean_shutdown(self, domain: libvirt.virDomain, instance: Any, timeout: int,
                        retry_interval: int) -> bool:
        """Ask the guest to shut down until it has or ``timeout`` passed; True if it has."""
        if not domain.isActive():
            return True
        LOG.info("Asking domain %s to shut down (destroyed if still running after %ds)",
                 instance.name, timeout, instance_uuid=instance.uuid)
        with self._host.watch_stop(instance.uuid) as stopped:
            self._request_shutdown(domain, instance)
            now = time.monotonic()
            deadline = now + timeout
            next_request = now + retry_interval if retry_interval > 0 else math.inf
            while True:
                if not domain.isActive():
                    LOG.info("Domain %s shut down cleanly", instance.name,
                             instance_uuid=instance.uuid)
                    return True
                now = time.monotonic()
                if now >= deadline:
                    LOG.warning("Domain %s did not shut down within %ds",
                                instance.name, timeout, instance_uuid=instance.uuid)
                    return False
                if now >= next_request:
                    self._request_shutdown(domain, instance)
                    next_request = now + retry_interval
                    continue
                _wait_stopped(stopped, min(self.shutdown_poll_interval, deadline - now,
                                           next_request - now))

    def _request_shutdown(self, domain: libvirt.virDomain, instance: Any) -> None:
        try:
            domain.shutdown()
        except libvirt.libvirtError as exc:
            # NOTE: the guest may have stopped between the check and the request; any other
            # failure is left to the destroy fallback.
            if domain.isActive():
                LOG.warning("Shutdown request for %s failed: %s", instance.name, exc,
                            instance_uuid=instance.uuid)

    def _destroy_domain(self, domain: libvirt.virDomain) -> None:
        try:
            domain.destroy()
        except libvirt.libvirtError as exc:
            if exc.get_error_code() != libvirt.VIR_ERR_OPERATION_INVALID or domain.isActive():
                raise

    def _undefine(self, domain: libvirt.virDomain) -> None:
        try:
            domain.undefine()
        except libvirt.libvirtError as exc:
            if exc.get_error_code() != libvirt.VIR_ERR_NO_DOMAIN:
                raise

    def _repair_guest(self, context: Any, instance: Any) -> None:
        """Define and start a guest libvirt no longer has (its host rebooted, libvirtd's
        state was lost, a test-driver compute restarted) from the server's own record, as
        Nova's hard reboot does: its flavor, image and instance directory."""
        LOG.warning("Domain %s is unknown to libvirt; defining it again from the "
                    "server's record", instance.name, instance_uuid=instance.uuid)
        self._create_guest(context, instance, self._record_image(context, instance),
                           power_on=True, repair=True)

    def power_on(self, context: Any, instance: Any) -> None:
        try:
            domain = self._host.get_domain(instance.uuid)
        except exception.InstanceNotFound:
            self._repair_guest(context, instance)
            return
        with libvirt_host.translate_errors(instance.uuid):
            if not domain.isActive():
                domain.create()
        LOG.info("Powered on domain %s", instance.name, instance_uuid=instance.uuid)

    def reboot(self, context: Any, instance: Any, reboot_type: str) -> None:
        try:
            domain = self._host.get_domain(instance.uuid)
        except exception.InstanceNotFound:
            # NOTE: soft or hard, a guest that is gone can only come back this way.
            self._repair_guest(context, instance)
            return
        with libvirt_host.translate_errors(instance.uuid):
            if reboot_type.upper() == "SOFT" and self._soft_reboot(domain, instance):
                return
            # NOTE: destroy + create rather than reset(): it also boots a guest that is
            # off, as a hard reboot must.
            if domain.isActive():
                self._destroy_domain(domain)
            domain.create()
        LOG.info("Hard rebooted domain %s", instance.name, instance_uuid=instance.uuid)

    def _soft_reboot(self, domain: libvirt.virDomain, instance: Any) -> bool:
        """Shut the guest OS down cleanly and start it again; False when it did not shut
        down within shutdown_timeout (the caller then reboots hard).

        NOTE: not virDomainReboot: that returns as soon as the request is sent, so a guest
        that ignores it would be reported rebooted.
        """
        if domain.state()[0] != libvirt.VIR_DOMAIN_RUNNING:
            LOG.info("Domain %s is not running; rebooting hard", instance.name,
                     instance_uuid=instance.uuid)
            return False
        if not self._clean_shutdown(domain, instance, self._conf.shutdown_timeout,
                                    self._conf.shutdown_retry_interval):
            return False
        domain.create()
        LOG.info("Soft rebooted domain %s", instance.name, instance_uuid=instance.uuid)
        return True

    def _remove_domain(self, instance: Any) -> None:
        """Stop (if running) and undefine the guest; one already gone is no error."""
        try:
            domain = self._host.get_domain(instance.uuid)
            with libvirt_host.translate_errors(instance.uuid):
                if domain.isActive():
                    self._destroy_domain(domain)
                self._undefine(domain)
        except exception.InstanceNotFound:
            LOG.info("Domain %s already gone", instance.name, instance_uuid=instance.uuid)

    def destroy(self, context: Any, instance: Any) -> None:
        self._remove_domain(instance)
        self._unplug_vifs(instance)
        self._delete_instance_files(instance)
        # NOTE: a server deleted while its resize waited for confirmation: the source's
        # original goes too (on a shared state_path; another host keeps its own).
        shutil.rmtree(self._resize_dir(instance), ignore_errors=True)
        LOG.info("Destroyed domain %s", instance.name, instance_uuid=instance.uuid)

    def _delete_instance_files(self, instance: Any) -> None:
        shutil.rmtree(self._instance_dir(instance), ignore_errors=True)

    # -- resize and cold migration -----------------------------------------------------
    # NOTE: the disk is handed over through state_path, which the hosts share (as the
    # image store is shared): the source keeps its original as <uuid>_resize until the
    # move is confirmed or reverted, and the destination runs a copy under <uuid>.

    def _resize_dir(self, instance: Any) -> str:
        return self._instance_dir(instance) + "_resize"

    def _record_image(self, context: Any, instance: Any) -> Any:
        """The server's image record, or None when it is gone: a kept disk still
        overlays the image file; only a missing disk or kernel needs the record."""
        try:
            return objects.Image.get_by_id(context, instance.image_ref)
        except exception.ImageNotFound:
            return None

    def migrate_disk_and_power_off(self, context: Any, instance: Any, dest: str,
                                   timeout: int = 0, retry_interval: int = 0) -> None:
        self.power_off(instance, timeout, retry_interval)
        self._remove_domain(instance)
        self._unplug_vifs(instance)
        inst_dir, kept = self._instance_dir(instance), self._resize_dir(instance)
        shutil.rmtree(kept, ignore_errors=True)
        if os.path.exists(inst_dir):
            os.rename(inst_dir, kept)
            shutil.copytree(kept, inst_dir)
        LOG.info("Domain %s powered off and handed over to %s", instance.name, dest,
                 instance_uuid=instance.uuid)

    def finish_migration(self, context: Any, instance: Any, power_on: bool) -> None:
        disk = self._disk_path(instance)
        if not self._host.is_test_driver() and instance.root_gb and os.path.exists(disk):
            # NOTE: grow only: the API refuses a flavor with a smaller disk.
            try:
                processutils.execute("qemu-img", "resize", disk, f"{instance.root_gb}G")
            except (processutils.ProcessExecutionError, OSError) as exc:
                raise exception.HypervisorError(reason=f"cannot resize disk: {exc}") from exc
        self._create_guest(context, instance, self._record_image(context, instance),
                           power_on=power_on, repair=True)

    def confirm_migration(self, context: Any, instance: Any) -> None:
        shutil.rmtree(self._resize_dir(instance), ignore_errors=True)
        LOG.info("Resize of %s confirmed: original removed", instance.name,
                 instance_uuid=instance.uuid)

    def cleanup_migration_destination(self, context: Any, instance: Any) -> None:
        self._remove_domain(instance)
        self._unplug_vifs(instance)
        if os.path.exists(self._resize_dir(instance)):
            # NOTE: the original is still kept: this directory is only the copy.
            self._delete_instance_files(instance)

    def finish_revert_migration(self, context: Any, instance: Any,
                                power_on: bool) -> None:
        inst_dir, kept = self._instance_dir(instance), self._resize_dir(instance)
        if os.path.exists(kept):
            shutil.rmtree(inst_dir, ignore_errors=True)
            os.rename(kept, inst_dir)
        self._create_guest(context, instance, self._record_image(context, instance),
                           power_on=power_on, repair=True)
        LOG.info("Domain %s back on its source", instance.name, instance_uuid=instance.uuid)

    # -- live migration (virt/libvirt/migration.py) ------------------------------------

    def _instances_path(self) -> str:
        return os.path.join(self._conf.state_path, "instances")

    def check_can_live_migrate_destination(self, context: Any, instance: Any,
                                           block_migration: bool | None) -> dict:
        data = {"block_migration": block_migration,
                "probe": live_migration.make_probe(self._instances_path())}
        if not self._host.is_test_driver():
            # NOTE: Nova's name: where the source's libvirtd and QEMU reach this host.
            data["target_connect_addr"] = self._conf.libvirt.live_migration_inbound_addr
        return data

    def cleanup_live_migration_destination_check(self, context: Any,
                                                 dest_check_data: dict) -> None:
        live_migration.remove_probe(self._instances_path(), dest_check_data.get("probe"))

    def check_can_live_migrate_source(self, context: Any, instance: Any,
                                      dest_check_data: dict) -> dict:
        domain = self._host.get_domain(instance.uuid)
        with libvirt_host.translate_errors(instance.uuid):
            if not domain.isActive():
                raise exception.MigrationPreCheckError(
                    reason=f"the guest of instance {instance.uuid} is not running")
        data = live_migration.decide(self._instances_path(), self._conf.host,
                                     dest_check_data)
        if data["block_migration"] and not self._host.is_test_driver():
            raise exception.MigrationPreCheckError(
                reason="block migration of QEMU/KVM guests is not implemented in "
                       "mininova: their instances directory must be shared storage")
        return data

    def pre_live_migration(self, context: Any, instance: Any, migrate_data: dict) -> None:
        """Define the guest here, not started (the source runs it until the switch)."""
        self._create_guest(context, instance, self._record_image(context, instance),
                           power_on=False, repair=True)

    def live_migration(self, context: Any, instance: Any, dest: str,
                       migrate_data: dict) -> None:
        if self._host.is_test_driver():
            self._live_migrations.run(instance.uuid,
                                      self._conf.libvirt.test_live_migration_duration)
        else:
            self._live_migrate_guest(instance, dest, migrate_data)
        LOG.info("Domain %s ready to run on %s", instance.name, dest,
                 instance_uuid=instance.uuid)

    def _live_migrate_guest(self, instance: Any, dest: str, migrate_data: dict) -> None:
        """libvirt's live migration of the running guest, Nova's way: peer to peer (this
        libvirtd talks to the destination's), the definition persisted there and
        removed here; watched for abort, force-complete and the completion timeout."""
        conf = self._conf.libvirt
        addr = migrate_data.get("target_connect_addr")
        uri = f"qemu+{conf.live_migration_scheme}://{addr or dest}/system"
        params = {libvirt.VIR_MIGRATE_PARAM_URI: f"tcp://{addr}"} if addr else {}
        flags = (libvirt.VIR_MIGRATE_LIVE | libvirt.VIR_MIGRATE_PEER2PEER
                 | libvirt.VIR_MIGRATE_PERSIST_DEST | libvirt.VIR_MIGRATE_UNDEFINE_SOURCE)
        if migrate_data.get("is_shared_instance_path"):
            # NOTE: libvirt trusts only the network filesystems it knows to be shared;
            # the probe proved this path is (the same directory on both hosts).
            flags |= libvirt.VIR_MIGRATE_UNSAFE
        domain = self._host.get_domain(instance.uuid)
        timeout = conf.live_migration_completion_timeout * max(1.0, instance.memory_mb / 1024)
        started = time.monotonic()
        next_report = [started + PROGRESS_INTERVAL]

        def progress() -> None:
            if time.monotonic() < next_report[0]:
                return
            next_report[0] += PROGRESS_INTERVAL
            with contextlib.suppress(libvirt.libvirtError):
                stats = domain.jobStats()
                LOG.info("Live migration of %s: %ds, %s of %s bytes left", instance.name,
                         time.monotonic() - started, stats.get("data_remaining"),
                         stats.get("data_total"), instance_uuid=instance.uuid)

        LOG.info("Live-migrating domain %s to %s (%s)", instance.name, dest, uri,
                 instance_uuid=instance.uuid)
        paused = []

        def force_complete() -> None:
            domain.suspend()
            paused.append(True)

        try:
            with libvirt_host.translate_errors(instance.uuid):
                self._live_migrations.monitor(
                    instance.uuid, lambda: domain.migrateToURI3(uri, params, flags),
                    {"abort": domain.abortJob, "complete": force_complete},
                    timeout=timeout if conf.live_migration_completion_timeout else 0,
                    timeout_action=("complete" if conf.live_migration_timeout_action
                                    == "force_complete" else "abort"),
                    progress=progress)
        except Exception:
            # NOTE: the move failed after force-complete paused the guest: it stays here,
            # running again.
            if paused:
                with contextlib.suppress(libvirt.libvirtError):
                    domain.resume()
            raise
        LOG.info("Domain %s live-migrated to %s in %.1fs", instance.name, dest,
                 time.monotonic() - started, instance_uuid=instance.uuid)

    def live_migration_abort(self, instance: Any) -> bool:
        return self._live_migrations.signal(instance.uuid, "abort")

    def live_migration_force_complete(self, instance: Any) -> bool:
        return self._live_migrations.signal(instance.uuid, "complete")

    def post_live_migration_at_destination(self, context: Any, instance: Any) -> None:
        """Run the guest here (defined again from the record if this host lost it), and
        mark its directory as this host's, as ``recreate`` does, so that the source
        leaves the files alone when it removes its copy."""
        self.power_on(context, instance)
        if not self._host.is_test_driver():
            # NOTE: a guest paused to force the move's end runs again here.
            domain = self._host.get_domain(instance.uuid)
            with libvirt_host.translate_errors(instance.uuid):
                if domain.state()[0] == libvirt.VIR_DOMAIN_PAUSED:
                    domain.resume()
        os.makedirs(self._instance_dir(instance), exist_ok=True)
        with open(self._owner_path(instance), "w") as owner:
            owner.write(self._conf.host)

    def post_live_migration(self, context: Any, instance: Any, migrate_data: dict) -> None:
        self._remove_domain(instance)
        self._unplug_vifs(instance)
        if not migrate_data.get("is_shared_instance_path"):
            self._delete_instance_files(instance)
        LOG.info("Domain %s removed here after its live migration", instance.name,
                 instance_uuid=instance.uuid)

    def rollback_live_migration_at_destination(self, context: Any, instance: Any) -> None:
        self._remove_domain(instance)
        self._unplug_vifs(instance)
        LOG.info("Domain %s prepared here removed: its live migration was rolled back",
                 instance.name, instance_uuid=instance.uuid)

    # -- queries -----------------------------------------------------------------------

    def get_info(self, instance: Any) -> driver.InstanceInfo:
        domain = self._host.get_domain(instance.uuid)
        with libvirt_host.translate_errors(instance.uuid):
            state, max_mem_kb, mem_kb, num_cpu, cpu_time_ns = domain.info()
        return driver.InstanceInfo(state=libvirt_host.to_power_state(state),
                                   max_mem_kb=max_mem_kb, mem_kb=mem_kb, num_cpu=num_cpu,
                                   cpu_time_ns=cpu_time_ns)

    def get_instance_diagnostics(self, instance: Any) -> diagnostics.Diagnostics:
        domain = self._host.get_domain(instance.uuid)
        with libvirt_host.translate_errors(instance.uuid):
            return guest_diagnostics.read(domain, self._virt_type(),
                                          getattr(instance, "launched_at", None))

    def get_available_resource(self) -> dict:
        conn = self._host.get_connection()
        with libvirt_host.translate_errors():
            _model, memory_mb, cpus = conn.getInfo()[:3]
            hypervisor_type = conn.getType()
            hypervisor_version = conn.getVersion()
            cpu_info = capabilities.cpu_info(conn.getCapabilities())
        return {
            "vcpus": cpus,
            "memory_mb": memory_mb,
            "local_gb": self._local_gb(),
            "hypervisor_type": hypervisor_type,
            "hypervisor_version": hypervisor_version,
            "hypervisor_hostname": self._conf.host,
            "cpu_info": json.dumps(cpu_info),
            "host_ip": netutils.get_my_ipv4(),
        }

    def _local_gb(self) -> int:
        """Size in GiB of the filesystem holding state_path (or its nearest existing parent)."""
        path = os.path.abspath(self._conf.state_path)
        while not os.path.exists(path) and os.path.dirname(path) != path:
            path = os.path.dirname(path)
        stat = os.statvfs(path)
        return stat.f_frsize * stat.f_blocks // _GiB

    def list_instance_uuids(self) -> list[str]:
        with libvirt_host.translate_errors():
            return [domain.UUIDString() for domain in self._host.list_domains()]

    def get_console_output(self, context: Any, instance: Any) -> str:
        path = self._console_log_path(instance)
        try:
            with open(path, "rb") as log_file:
                log_file.seek(0, os.SEEK_END)
                log_file.seek(max(0, log_file.tell() - MAX_CONSOLE_BYTES))
                return log_file.read().decode("utf-8", errors="replace")
        except OSError as exc:
            if exc.errno == errno.ENOENT:
                return ""
            raise exception.HypervisorError(reason=f"cannot read console log: {exc}") from exc
