"""The compute API used by mininova-api: state checks, task_state, the compare-and-swap
save, the instance action record, then the RPC cast. Runs inside the API process."""
import functools
import re
import secrets
import string
import uuid as uuid_lib

import oslo_messaging as messaging
from oslo_log import log as logging

from mininova import conf
from mininova import exception
from mininova import objects
from mininova import quota
from mininova.compute import instance_actions
from mininova.compute import keypairs
from mininova.compute import power_state
from mininova.compute import rpcapi
from mininova.compute import server_metadata
from mininova.compute import task_states
from mininova.compute import vm_states
from mininova.conductor import rpcapi as conductor_rpcapi
from mininova.notifications import base as notifications
from mininova.objects import service as service_obj

CONF = conf.CONF
LOG = logging.getLogger(__name__)

# Which action is allowed from which (vm_state, task_state): the one table of the rules.
# Each entry: allowed vm_states, allowed task_states, the task_state the action sets.
ALLOWED = {
    "start": ({vm_states.STOPPED}, {None}, task_states.POWERING_ON),
    "stop": ({vm_states.ACTIVE, vm_states.ERROR}, {None}, task_states.POWERING_OFF),
    "reboot_SOFT": ({vm_states.ACTIVE}, {None}, task_states.REBOOTING),
    "reboot_HARD": ({vm_states.ACTIVE, vm_states.STOPPED, vm_states.ERROR},
                    {None, task_states.REBOOTING, task_states.REBOOTING_HARD},
                    task_states.REBOOTING_HARD),
    "rebuild": ({vm_states.ACTIVE, vm_states.STOPPED, vm_states.ERROR}, {None},
                task_states.REBUILDING),
    "resize": ({vm_states.ACTIVE, vm_states.STOPPED}, {None}, task_states.RESIZE_PREP),
    "revert_resize": ({vm_states.RESIZED}, {None}, task_states.RESIZE_REVERTING),
    "evacuate": ({vm_states.ACTIVE, vm_states.STOPPED, vm_states.ERROR}, {None},
                 task_states.REBUILDING),
    "live_migrate": ({vm_states.ACTIVE}, {None}, task_states.MIGRATING),
}


# Nova's host_status values (2.16): from the compute service of the instance's host.
HOST_STATUS_UP = "UP"
HOST_STATUS_DOWN = "DOWN"
HOST_STATUS_MAINTENANCE = "MAINTENANCE"
HOST_STATUS_UNKNOWN = "UNKNOWN"
HOST_STATUS_NONE = ""

# Tags may change only while the server is in one of these vm_states (Nova's rule).
TAGGABLE_VM_STATES = {vm_states.ACTIVE, vm_states.STOPPED}

# NOTE: mininova's bound on one multi-create (Nova has none): with unlimited quotas a
# request could otherwise insert instance rows without end. max_count is clamped to it
# as a quota would clamp it; a larger min_count is a 400.
MAX_INSTANCES_PER_REQUEST = 1000

# NOTE: the libvirt driver's first virtio disk; the root device of every instance.
ROOT_DEVICE_NAME = "/dev/vda"


def check_instance_lock(function):
    """A locked instance refuses the action to non-admins (409), as in Nova."""

    @functools.wraps(function)
    def inner(self, context, instance, *args, **kwargs):
        if instance.locked and not context.is_admin:
            raise exception.InstanceIsLocked(instance_uuid=instance.uuid)
        return function(self, context, instance, *args, **kwargs)

    return inner


def sanitize_hostname(name: str, default: str) -> str:
    """Nova's guest hostname from a display name: latin-1 only, ' ', '_' and '.' become
    '-', other non-word characters go, lower case, at most 63 characters."""
    hostname = name.encode("latin-1", "ignore").decode("latin-1")[:63]
    hostname = re.sub(r"[ _.]", "-", hostname)
    hostname = re.sub(r"[^\w.-]+", "", hostname).lower().strip(".-")
    return hostname or default[:63]


def _reservation_id() -> str:
    """Nova's reservation id shape: 'r-' and eight random lower-case letters or digits."""
    alphabet = string.ascii_lowercase + string.digits
    return "r-" + "".join(secrets.choice(alphabet) for _ in range(8))


def multi_instance_name(name: str, index: int, count: int) -> str:
    """Nova's display name for instance ``index`` of a multi-create: ``name-1``,
    ``name-2``... (its multi_instance_display_name_template); ``name`` for one."""
    return name if count == 1 else f"{name}-{index + 1}"


def _create_instance(context, common: dict, name: str, index: int, count: int,
                     hostname: str | None, tags: list[str] | None,
                     metadata: dict[str, str] | None):
    """Insert instance ``index`` of ``count`` with its tags and metadata."""
    uuid = str(uuid_lib.uuid4())
    display_name = multi_instance_name(name, index, count)
    # NOTE: a hostname asked for (2.90) is kept for every instance, as Nova does.
    instance = objects.Instance(
        context, uuid=uuid, display_name=display_name, launch_index=index,
        hostname=hostname or sanitize_hostname(display_name, f"Server-{uuid}"), **common)
    # NOTE: the create action is recorded with the row, before the quota recheck, as
    # Nova records it before its own.
    instance.create(action=instance_actions.CREATE)
    if tags:
        objects.TagList.create(context, instance.uuid, tags)
    if metadata:
        server_metadata.update(context, instance, metadata, quota_checked=True)
    return instance


def _destroy_all(instances) -> None:
    for instance in instances:
        instance.destroy()


def _check_allowed(instance, rule: str, action: str) -> None:
    """409 unless the state table allows ``rule`` now and the instance has a host."""
    vm_ok, task_ok, _new_task = ALLOWED[rule]
    if instance.vm_state not in vm_ok:
        raise exception.InstanceInvalidState(action=action, instance_uuid=instance.uuid,
                                             attr="vm_state", state=instance.vm_state)
    if instance.task_state not in task_ok:
        raise exception.InstanceInvalidState(action=action, instance_uuid=instance.uuid,
                                             attr="task_state", state=instance.task_state)
    if instance.host is None:
        raise exception.InstanceInvalidState(action=action, instance_uuid=instance.uuid,
                                             attr="host", state="None")


def _begin(context, instance, rule: str, action: str) -> None:
    """Check the state table, move to the new task_state atomically and record the
    action, in one transaction.

    Of two concurrent requests only one passes the compare-and-swap; the other gets 409.
    The swap compares the vm_state the check was made on as well as the task_state: a
    request that read the instance before another one finished (STOPPED, no task, when
    it is ACTIVE again by now) loses too, so exactly one of N identical actions wins.
    """
    _check_allowed(instance, rule, action)
    _vm_ok, task_ok, new_task = ALLOWED[rule]
    checked_vm_state = instance.vm_state
    instance.task_state = new_task
    instance.save_and_start_action(context, action, expected_task_state=list(task_ok),
                                   expected_vm_state=[checked_vm_state])
    LOG.info("%s of instance %s accepted; casting to %s", action, instance.uuid,
             instance.host)


# The states os-resetState may set (Nova's two).
RESET_STATES = {"active": vm_states.ACTIVE, "error": vm_states.ERROR}

_GiB = 1024 ** 3


def check_flavor_fits_image(memory_mb: int, root_gb: int, image) -> None:
    """Nova's 400s for an image the flavor cannot hold, at create and rebuild: its
    min_ram, and, unless the flavor's disk is 0 (sized to the image), its size and
    min_disk."""
    if (image.min_ram or 0) > memory_mb:
        raise exception.FlavorMemoryTooSmall()
    if root_gb:
        if (image.size or 0) > root_gb * _GiB:
            raise exception.FlavorDiskSmallerThanImage(
                flavor_size=root_gb * _GiB, image_size=image.size)
        if (image.min_disk or 0) > root_gb:
            raise exception.FlavorDiskSmallerThanMinDisk(
                flavor_size=root_gb * _GiB, image_min_disk=image.min_disk * _GiB)


def _rebuild_image(context, instance, image_id: str):
    """The image a rebuild asks for, if it can boot this instance's flavor (else 400)."""
    try:
        image = objects.Image.get_by_id(context, image_id)
    except exception.ImageNotFound as exc:
        raise exception.Invalid(message="Cannot find image for rebuild") from exc
    if image.status != "active":
        raise exception.Invalid(message=f"Image {image_id} is not active.")
    if image.disk_format in ("aki", "ari"):
        raise exception.Invalid(message=f"Image {image_id} is a {image.disk_format} "
                                        "(kernel or ramdisk) image and cannot be booted.")
    check_flavor_fits_image(instance.memory_mb, instance.root_gb, image)
    return image


def _unreachable(exc: Exception) -> exception.ServiceUnavailable:
    LOG.error("The message broker could not take the request: %s", exc)
    return exception.ServiceUnavailable(
        reason="The request could not be sent to the compute service (message broker "
               "unreachable); nothing was changed. Try again later.")


def _cast_or_undo(instance, cast, *args) -> None:
    """Send the cast; if the broker cannot take it (or the RPC version cap refuses it),
    clear the task_state just set, so the instance is not left stuck, and answer 503."""
    try:
        cast(*args)
    except (messaging.MessagingException, exception.ServiceUnavailable) as exc:
        instance.task_state = None
        instance.save()
        if isinstance(exc, exception.ServiceUnavailable):
            raise
        raise _unreachable(exc) from exc


class API:
    """Entry point for every server operation the REST layer offers."""

    def __init__(self, transport):
        self.compute_rpcapi = rpcapi.ComputeAPI(transport, retry=CONF.api.rpc_retry)
        self.conductor_rpcapi = conductor_rpcapi.ConductorAPI(transport,
                                                              retry=CONF.api.rpc_retry)

    def get(self, context, instance_id: str):
        instance = objects.Instance.get_by_uuid(context, instance_id)
        if not context.is_admin and instance.project_id != context.project_id:
            raise exception.InstanceNotFound(instance_id=instance_id)
        return instance

    def get_all(self, context, filters: dict, limit: int | None = None,
                marker: str | None = None, sort_key: str = "created_at",
                sort_dir: str = "desc", fields: tuple[str, ...] | None = None):
        """Servers matching ``filters``; the caller's project only, unless the REST layer
        (which applied the policy) asked for ``all_tenants`` or named a ``project_id``.
        ``fields``: only those (see InstanceList.get_by_filters)."""
        filters = dict(filters)
        if not filters.pop("all_tenants", False) and "project_id" not in filters:
            filters["project_id"] = context.project_id
        return objects.InstanceList.get_by_filters(context, filters, limit=limit,
                                                   marker=marker, sort_key=sort_key,
                                                   sort_dir=sort_dir, fields=fields)

    def create(self, context, name: str, flavor_id: str, image_id: str, *,
               description: str | None = None, tags: list[str] | None = None,
               hostname: str | None = None, user_data: str | None = None,
               availability_zone: str | None = None,
               scheduler_hints: dict | None = None, key_name: str | None = None,
               metadata: dict[str, str] | None = None,
               access_ip_v4: str | None = None, access_ip_v6: str | None = None,
               auto_disk_config: bool = False, config_drive: bool = False,
               min_count: int = 1, max_count: int = 1,
               requested_networks: list[dict] | None = None):
        """Validate, insert the instances as building/scheduling, cast them to the
        conductor in one request; the first instance (the others share its
        reservation_id).

        As many instances as the quota allows between ``min_count`` and ``max_count``
        are built (Nova's multi-create), named ``name-1``, ``name-2``... when more than
        one. The extended attributes (2.3) are fixed here: the reservation id, the
        launch index, the image's kernel_id/ramdisk_id properties, the root device name,
        and the hostname (asked for from 2.90, else made from the name as Nova does).
        The flavor's extra specs are copied as its sizes are, for the embedded flavor
        (2.47). ``key_name`` names one of the caller's key pairs (400 otherwise); its
        public key is copied onto the servers. ``requested_networks`` (checked by
        network/api.validate_networks) goes to the conductor, which allocates.
        ``config_drive`` asks for a config drive (the compute adds one anyway under
        force_config_drive).
        """
        try:
            flavor = objects.Flavor.get_by_flavor_id(context, flavor_id)
        except exception.FlavorNotFound as exc:
            raise exception.Invalid(reason=f"Flavor {flavor_id} could not be found.") from exc
        try:
            image = objects.Image.get_by_id(context, image_id)
        except exception.ImageNotFound as exc:
            raise exception.Invalid(reason=f"Image {image_id} could not be found.") from exc
        if image.status != "active":
            raise exception.Invalid(reason=f"Image {image_id} is not active.")
        if image.disk_format in ("aki", "ari"):
            raise exception.Invalid(reason=f"Image {image_id} is a {image.disk_format} "
                                           "(kernel or ramdisk) image; boot the image that "
                                           "names it in kernel_id/ramdisk_id instead.")
        check_flavor_fits_image(flavor.memory_mb, flavor.root_gb, image)
        key_data = None
        if key_name is not None:
            key_name, key_data = keypairs.resolve_key_name(context, key_name)
        if min_count > MAX_INSTANCES_PER_REQUEST:
            raise exception.Invalid(message=f"min_count must be <= "
                                            f"{MAX_INSTANCES_PER_REQUEST}")
        max_count = min(max_count, MAX_INSTANCES_PER_REQUEST)
        per_instance = {"instances": 1, "cores": flavor.vcpus, "ram": flavor.memory_mb}
        scopes = quota.scope_limits(context.project_id, context.user_id)
        count = quota.count_within(context.project_id, per_instance, min_count, max_count,
                                   user_id=context.user_id, scopes=scopes)
        server_metadata.check_quota(context, metadata or {}, limits=scopes[0][1])
        common = dict(
            project_id=context.project_id, user_id=context.user_id, image_ref=image.id,
            flavor_id=flavor.flavorid, flavor_name=flavor.name, memory_mb=flavor.memory_mb,
            vcpus=flavor.vcpus, root_gb=flavor.root_gb, ephemeral_gb=flavor.ephemeral_gb,
            swap=flavor.swap, vm_state=vm_states.BUILDING,
            task_state=task_states.SCHEDULING, power_state=power_state.NOSTATE,
            description=description, locked=False,
            user_data=user_data, reservation_id=_reservation_id(),
            kernel_id=image.properties.get("kernel_id"),
            ramdisk_id=image.properties.get("ramdisk_id"),
            root_device_name=ROOT_DEVICE_NAME, availability_zone=availability_zone,
            scheduler_hints=scheduler_hints, flavor_extra_specs=dict(flavor.extra_specs),
            key_name=key_name, key_data=key_data,
            access_ip_v4=access_ip_v4, access_ip_v6=access_ip_v6,
            auto_disk_config=auto_disk_config, config_drive=config_drive)
        instances = []
        try:
            for index in range(count):
                instances.append(_create_instance(context, common, name, index, count,
                                                  hostname, tags, metadata))
            deltas = {key: each * count for key, each in per_instance.items()}
            quota.check(context.project_id, deltas, already_counted=True,
                        user_id=context.user_id, scopes=scopes)
        except quota.QuotaExceeded:
            _destroy_all(instances)
            raise
        LOG.info("Instances %s created (reservation %s); asking the conductor to build "
                 "them", ", ".join(inst.uuid for inst in instances),
                 common["reservation_id"])
        try:
            self.conductor_rpcapi.schedule_and_build_instances(
                context, instances, requested_networks=requested_networks)
        except messaging.MessagingException as exc:
            _destroy_all(instances)
            raise _unreachable(exc) from exc
        return instances[0]

    @check_instance_lock
    def start(self, context, instance) -> None:
        _begin(context, instance, "start", instance_actions.START)
        _cast_or_undo(instance, self.compute_rpcapi.start_instance, context, instance)

    @check_instance_lock
    def stop(self, context, instance) -> None:
        _begin(context, instance, "stop", instance_actions.STOP)
        _cast_or_undo(instance, self.compute_rpcapi.stop_instance, context, instance)

    @check_instance_lock
    def reboot(self, context, instance, reboot_type: str) -> None:
        _begin(context, instance, f"reboot_{reboot_type}", instance_actions.REBOOT)
        _cast_or_undo(instance, self.compute_rpcapi.reboot_instance, context, instance,
                      reboot_type)

    @check_instance_lock
    def rebuild(self, context, instance, image_id: str, *,
                preserve_ephemeral: bool = False, **updates) -> None:
        """Re-create the guest from ``image_id`` on its host (Nova's rebuild).

        ``updates`` are Instance fields (display_name, description, user_data, hostname,
        the access IPs), ``key_name`` (None unsets it) and ``metadata`` (replaces it
        whole). The new image, its kernel/ramdisk and the updates are saved with the
        task_state in one compare-and-swap, so the 202 already shows them.
        """
        _check_allowed(instance, "rebuild", instance_actions.REBUILD)
        image = _rebuild_image(context, instance, image_id)
        metadata = updates.pop("metadata", None)
        if metadata is not None:
            server_metadata.check_quota(context, metadata)
        if "key_name" in updates:
            name = updates.pop("key_name")
            updates["key_name"], updates["key_data"] = (
                (None, None) if name is None else keypairs.resolve_key_name(context, name))
        for key, value in updates.items():
            setattr(instance, key, value)
        instance.image_ref = image.id
        instance.kernel_id = image.properties.get("kernel_id")
        instance.ramdisk_id = image.properties.get("ramdisk_id")
        _begin(context, instance, "rebuild", instance_actions.REBUILD)
        if metadata is not None:
            # NOTE: a rebuild replaces the metadata whole, as Nova does.
            server_metadata.update(context, instance, metadata, delete=True,
                                   quota_checked=True)
        _cast_or_undo(instance, self.compute_rpcapi.rebuild_instance, context, instance,
                      image, preserve_ephemeral)

    @check_instance_lock
    def resize(self, context, instance, flavor_id: str | None = None,
               host: str | None = None, auto_disk_config: bool | None = None) -> None:
        """Resize to flavor ``flavor_id``, or cold-migrate (``flavor_id`` None) to
        ``host`` when an admin names one; the conductor's migrate task does the rest
        (conductor/tasks/migrate.py). Nova's 400s for a flavor that is missing, the same
        or with a smaller disk, and for a host that cannot take the server."""
        action = instance_actions.RESIZE if flavor_id else instance_actions.MIGRATE
        _check_allowed(instance, "resize", action)
        flavor = None
        if flavor_id is not None:
            flavor = self._resize_flavor(context, instance, flavor_id)
        elif host is not None:
            self._check_migrate_host(context, instance, host)
        if auto_disk_config is not None:
            # NOTE: saved with the task_state, as rebuild's updates are.
            instance.auto_disk_config = auto_disk_config
        _begin(context, instance, "resize", action)
        _cast_or_undo(instance, self.conductor_rpcapi.migrate_server, context, instance,
                      flavor, host)

    @staticmethod
    def _resize_flavor(context, instance, flavor_id: str):
        try:
            flavor = objects.Flavor.get_by_flavor_id(context, flavor_id)
        except exception.FlavorNotFound as exc:
            raise exception.Invalid(message="Unable to locate requested flavor.") from exc
        if flavor.disabled:
            raise exception.Invalid(message="Unable to locate requested flavor.")
        if flavor.flavorid == instance.flavor_id:
            raise exception.CannotResizeToSameFlavor()
        if instance.root_gb and not flavor.root_gb:
            raise exception.CannotResizeDisk(reason="Resize to zero disk flavor is not "
                                                    "allowed.")
        if flavor.root_gb < instance.root_gb:
            raise exception.CannotResizeDisk(reason="Unable to resize disk down.")
        deltas = {"cores": flavor.vcpus - instance.vcpus,
                  "ram": flavor.memory_mb - instance.memory_mb}
        # NOTE: the server's own project pays for the bigger flavor, whoever asks.
        quota.check(instance.project_id, {k: v for k, v in deltas.items() if v > 0},
                    user_id=instance.user_id)
        return flavor

    @staticmethod
    def _check_migrate_host(context, instance, host: str) -> None:
        """400 unless ``host`` is another compute host that is up and enabled."""
        services = {svc.host: svc for svc in
                    objects.ServiceList.get_all(context, service_obj.COMPUTE)}
        if host not in services:
            raise exception.Invalid(message=f"Compute host {host} could not be found.")
        if host == instance.host:
            raise exception.CannotMigrateToSameHost()
        svc = services[host]
        if svc.disabled or svc.forced_down:
            raise exception.ComputeHostUnavailable(host=host, reason="it is disabled")
        if not svc.is_up(CONF.service_down_time):
            raise exception.ComputeHostUnavailable(host=host, reason="it is down")

    @staticmethod
    def _finished_migration(context, instance):
        try:
            return objects.Migration.get_by_instance_and_status(context, instance.uuid,
                                                                "finished")
        except exception.MigrationNotFound as exc:
            raise exception.Invalid(message="Instance has not been resized.") from exc

    @check_instance_lock
    def confirm_resize(self, context, instance) -> None:
        """Keep the moved server: its source host cleans up (a cast to it)."""
        if instance.vm_state != vm_states.RESIZED:
            raise exception.InstanceInvalidState(
                action=instance_actions.CONFIRM_RESIZE, instance_uuid=instance.uuid,
                attr="vm_state", state=instance.vm_state)
        migration = self._finished_migration(context, instance)
        migration.status = "confirming"
        try:
            migration.save(expected_status=["finished"])
        except exception.MigrationNotFound as exc:
            raise exception.Invalid(message="Instance has not been resized.") from exc
        objects.InstanceAction.action_start(context, instance.uuid,
                                            instance_actions.CONFIRM_RESIZE)
        try:
            self.compute_rpcapi.confirm_resize(context, instance, migration,
                                               migration.source_compute)
        except (messaging.MessagingException, exception.ServiceUnavailable) as exc:
            migration.status = "finished"
            migration.save()
            if isinstance(exc, exception.ServiceUnavailable):
                raise
            raise _unreachable(exc) from exc

    @check_instance_lock
    def revert_resize(self, context, instance) -> None:
        """Go back: the destination destroys the guest, the source restarts it with the
        old flavor."""
        _check_allowed(instance, "revert_resize", instance_actions.REVERT_RESIZE)
        migration = self._finished_migration(context, instance)
        _begin(context, instance, "revert_resize", instance_actions.REVERT_RESIZE)
        migration.status = "reverting"
        migration.save()
        try:
            _cast_or_undo(instance, self.compute_rpcapi.revert_resize, context, instance,
                          migration, migration.dest_compute)
        except exception.ServiceUnavailable:
            migration.status = "finished"
            migration.save()
            raise

    def evacuate(self, context, instance, host: str | None,
                 target_state: str | None = None) -> None:
        """Rebuild the server on another host, ``host`` or the scheduler's choice (admin;
        the REST layer checked that ``host`` is a compute host and not the server's).

        Only when the server's compute is down or forced down (else Nova's 400
        ComputeServiceInUse); the conductor runs the flow (conductor/tasks/evacuate.py).
        """
        _check_allowed(instance, "evacuate", instance_actions.EVACUATE)
        if self._host_is_up(context, instance.host):
            LOG.warning("Evacuate of %s refused: the compute service of %s is up",
                        instance.uuid, instance.host)
            raise exception.ComputeServiceInUse(host=instance.host)
        _begin(context, instance, "evacuate", instance_actions.EVACUATE)
        _cast_or_undo(instance, self.conductor_rpcapi.evacuate_server, context, instance,
                      host, target_state)

    @check_instance_lock
    def live_migrate(self, context, instance, host: str | None,
                     block_migration: bool | None, force: bool) -> None:
        """Move the running server to ``host`` (or the scheduler's choice) without
        stopping it (admin): Nova's 400s for a host that is unknown, down or the
        server's own; the conductor runs the flow (conductor/tasks/live_migrate.py)."""
        _check_allowed(instance, "live_migrate", instance_actions.LIVE_MIGRATION)
        if host is not None:
            self._check_live_migrate_host(context, instance, host)
        _begin(context, instance, "live_migrate", instance_actions.LIVE_MIGRATION)
        _cast_or_undo(instance, self.conductor_rpcapi.live_migrate_instance, context,
                      instance, host, block_migration, force)

    @staticmethod
    def _check_live_migrate_host(context, instance, host: str) -> None:
        services = {svc.host: svc for svc in
                    objects.ServiceList.get_all(context, service_obj.COMPUTE)}
        if host not in services:
            raise exception.Invalid(message=f"Compute host {host} could not be found.")
        if host == instance.host:
            raise exception.UnableToMigrateToSelf(instance_id=instance.uuid, host=host)
        svc = services[host]
        if svc.forced_down or not svc.is_up(CONF.service_down_time):
            raise exception.ComputeServiceUnavailable(host=host)

    @staticmethod
    def _live_migration(context, instance, migration_id: str, method: str,
                        allowed: set[str], queued_conflict: bool = False):
        """The server's live migration ``migration_id`` if its status is in
        ``allowed`` (Nova's checks: 409 unless the server is migrating, 404 for another
        migration, 400 for one in another status; 409 for one still queued when
        ``queued_conflict``, which mininova cannot abort yet)."""
        if (instance.vm_state != vm_states.ACTIVE
                or instance.task_state != task_states.MIGRATING):
            attr, state = (("vm_state", instance.vm_state)
                           if instance.vm_state != vm_states.ACTIVE
                           else ("task_state", instance.task_state))
            raise exception.InstanceInvalidState(action=method, instance_uuid=instance.uuid,
                                                 attr=attr, state=state)
        try:
            migration = objects.Migration.get_by_id(context, int(migration_id))
        except (ValueError, exception.MigrationNotFound) as exc:
            raise exception.MigrationNotFoundForInstance(
                migration_id=migration_id, instance_id=instance.uuid) from exc
        if migration.instance_uuid != instance.uuid:
            raise exception.MigrationNotFoundForInstance(migration_id=migration_id,
                                                         instance_id=instance.uuid)
        if queued_conflict and migration.status in ("queued", "accepted", "preparing"):
            raise exception.Conflict(
                message=f"Aborting live migration {migration_id} with status "
                        f"{migration.status} is not yet supported for this instance.")
        if migration.status not in allowed or migration.migration_type != "live-migration":
            raise exception.InvalidMigrationState(
                migration_id=migration_id, instance_uuid=instance.uuid,
                state=migration.status, method=method)
        return migration

    @check_instance_lock
    def live_migrate_force_complete(self, context, instance, migration_id: str) -> None:
        """Have the source finish the running live migration now (a cast to it)."""
        migration = self._live_migration(context, instance, migration_id,
                                         "force complete", {"running"})
        objects.InstanceAction.action_start(
            context, instance.uuid, instance_actions.LIVE_MIGRATION_FORCE_COMPLETE)
        self.compute_rpcapi.live_migration_force_complete(context, instance, migration)

    @check_instance_lock
    def live_migrate_abort(self, context, instance, migration_id: str,
                           support_abort_in_queue: bool = False) -> None:
        """Have the source cancel the running live migration (a cast to it); the
        server stays where it runs. From 2.65 Nova also aborts a queued one, which
        mininova cannot yet (409)."""
        migration = self._live_migration(context, instance, migration_id,
                                         "abort live migration", {"running"},
                                         queued_conflict=support_abort_in_queue)
        objects.InstanceAction.action_start(context, instance.uuid,
                                            instance_actions.LIVE_MIGRATION_CANCEL)
        self.compute_rpcapi.live_migration_abort(context, instance, migration.id)

    def reset_state(self, context, instance, state: str) -> None:
        """os-resetState (admin): force vm_state active or error and clear the task, with
        no compute involved; recorded as an instance action."""
        objects.InstanceAction.action_start(context, instance.uuid,
                                            instance_actions.RESET_STATE)
        instance.vm_state = RESET_STATES[state]
        instance.task_state = None
        instance.save()
        LOG.info("State of instance %s reset to %s", instance.uuid, instance.vm_state)

    def get_instance_diagnostics(self, context, instance) -> dict:
        """A call to the instance's host; 409 while the instance has no host (the compute
        answers 409 too when the guest is not running)."""
        if instance.host is None or instance.vm_state == vm_states.BUILDING:
            raise exception.InstanceInvalidState(
                action="get_diagnostics", instance_uuid=instance.uuid,
                attr="vm_state", state=instance.vm_state)
        return self.compute_rpcapi.get_instance_diagnostics(context, instance)

    def get_console_output(self, context, instance, tail_length: int | None) -> str:
        """A call to the instance's host. A stopped guest's console log is still there,
        so only an instance that never reached a host has none."""
        if instance.host is None or instance.vm_state == vm_states.BUILDING:
            raise exception.InstanceInvalidState(
                action="get_console_output", instance_uuid=instance.uuid,
                attr="vm_state", state=instance.vm_state)
        return self.compute_rpcapi.get_console_output(context, instance, tail_length)

    @check_instance_lock
    def delete(self, context, instance) -> None:
        """Allowed in any state. Without a live compute host, delete locally."""
        instance.task_state = task_states.DELETING
        instance.save_and_start_action(context, instance_actions.DELETE)
        if instance.host and self._host_is_up(context, instance.host):
            self.compute_rpcapi.terminate_instance(context, instance)
            return
        LOG.info("Deleting instance %s locally (host %s not up)", instance.uuid,
                 instance.host)
        notifications.notify_about_instance_action(context, instance, instance.host,
                                                   "delete", "start", source="nova-api")
        instance.destroy()
        notifications.notify_about_instance_action(context, instance, instance.host,
                                                   "delete", "end", source="nova-api")

    def update(self, context, instance, updates: dict):
        """PUT /servers/{id}: name, description, hostname, access IPs. Not a state
        change, so Nova allows it on a locked server and records no instance action."""
        for key, value in updates.items():
            setattr(instance, key, value)
        instance.save()
        return instance

    def lock(self, context, instance, reason: str | None = None) -> None:
        """Lock against non-admin actions; remember whether the owner or an admin did."""
        is_owner = instance.project_id == context.project_id
        instance.locked = True
        instance.locked_by = "owner" if is_owner else "admin"
        instance.locked_reason = reason
        instance.save()
        objects.InstanceAction.action_start(context, instance.uuid, instance_actions.LOCK)
        LOG.info("Instance %s locked by %s", instance.uuid, instance.locked_by)

    @staticmethod
    def is_expected_locked_by(context, instance) -> bool:
        """False when the other party locked it (the owner's lock, asked to unlock by an
        admin of another project, or the reverse): unlocking then needs the override."""
        expected = "owner" if instance.project_id == context.project_id else "admin"
        return not instance.locked_by or instance.locked_by == expected

    def unlock(self, context, instance) -> None:
        instance.locked = False
        instance.locked_by = None
        instance.locked_reason = None
        instance.save()
        objects.InstanceAction.action_start(context, instance.uuid, instance_actions.UNLOCK)
        LOG.info("Instance %s unlocked", instance.uuid)

    @staticmethod
    def check_taggable(instance, action: str) -> None:
        """Tags change only in a settled state (Nova: 409 otherwise)."""
        if instance.vm_state not in TAGGABLE_VM_STATES:
            raise exception.InstanceInvalidState(action=action, instance_uuid=instance.uuid,
                                                 attr="vm_state", state=instance.vm_state)

    @staticmethod
    def get_instance_metadata(context, instance) -> dict[str, str]:
        return server_metadata.get(instance)

    @staticmethod
    def get_instances_metadata(context, instances) -> dict[str, dict[str, str]]:
        """The metadata of many servers in one query (for list views)."""
        return server_metadata.get_many(instances)

    @check_instance_lock
    def update_instance_metadata(self, context, instance, metadata: dict[str, str],
                                 delete: bool = False) -> dict[str, str]:
        """POST (merge) and PUT (replace all, ``delete``) /servers/{id}/metadata."""
        server_metadata.check_state(instance, "update metadata")
        return server_metadata.update(context, instance, metadata, delete=delete)

    @check_instance_lock
    def delete_instance_metadata(self, context, instance, key: str) -> None:
        server_metadata.check_state(instance, "delete metadata")
        server_metadata.delete(instance, key)

    def get_instance_host_status(self, context, instances) -> dict[str, str]:
        """host_status (2.16) per instance uuid, from its host's compute service: DOWN if
        forced down, MAINTENANCE if disabled, UP if heartbeating, else UNKNOWN; "" for an
        instance without a host."""
        services = {svc.host: svc for svc in
                    objects.ServiceList.get_all(context, service_obj.COMPUTE)}
        statuses = {}
        for inst in instances:
            svc = services.get(inst.host) if inst.host else None
            if svc is None:
                statuses[inst.uuid] = HOST_STATUS_NONE
            elif svc.forced_down:
                statuses[inst.uuid] = HOST_STATUS_DOWN
            elif svc.disabled:
                statuses[inst.uuid] = HOST_STATUS_MAINTENANCE
            elif svc.is_up(CONF.service_down_time):
                statuses[inst.uuid] = HOST_STATUS_UP
            else:
                statuses[inst.uuid] = HOST_STATUS_UNKNOWN
        return statuses

    @staticmethod
    def _host_is_up(context, host: str) -> bool:
        for svc in objects.ServiceList.get_all(context, service_obj.COMPUTE):
            if svc.host == host:
                return svc.is_up(CONF.service_down_time)
        return False

