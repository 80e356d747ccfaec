"""The compute API used by mininova-api: state checks, task_state, the compare-and-swap
save, the instance action record, then the RPC cast. Runs inside the API process."""
import uuid as uuid_lib

import oslo_messaging as messaging
from oslo_log import log as logging

from mininova import conf
from mininova import exception
from mininova import objects
from mininova import quota
from mininova.compute import instance_actions
from mininova.compute import power_state
from mininova.compute import rpcapi
from mininova.compute import task_states
from mininova.compute import vm_states
from mininova.conductor import rpcapi as conductor_rpcapi

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
}


def _begin(context, instance, rule: str, action: str) -> None:
    """Check the state table, move to the new task_state atomically, record the action.

    Of two concurrent requests only one passes the compare-and-swap; the other gets 409.
    """
    vm_ok, task_ok, new_task = ALLOWED[rule]
    if instance.vm_state not in vm_ok:
        raise exception.InstanceInvalidState(action=action, instance_uuid=instance.uuid,
                                             attr="vm_state", state=instance.vm_state)
    if instance.task_state not in task_ok:
        raise exception.InstanceInvalidState(action=action, instance_uuid=instance.uuid,
                                             attr="task_state", state=instance.task_state)
    if instance.host is None:
        raise exception.InstanceInvalidState(action=action, instance_uuid=instance.uuid,
                                             attr="host", state="None")
    instance.task_state = new_task
    instance.save(expected_task_state=list(task_ok))
    objects.InstanceAction.action_start(context, instance.uuid, action)
    LOG.info("%s of instance %s accepted; casting to %s", action, instance.uuid,
             instance.host)


def _unreachable(exc: Exception) -> exception.ServiceUnavailable:
    LOG.error("The message broker could not take the request: %s", exc)
    return exception.ServiceUnavailable(
        reason="The request could not be sent to the compute service (message broker "
               "unreachable); nothing was changed. Try again later.")


def _cast_or_undo(instance, cast, *args) -> None:
    """Send the cast; if the broker cannot take it, clear the task_state just set, so the
    instance is not left stuck, and answer 503."""
    try:
        cast(*args)
    except messaging.MessagingException as exc:
        instance.task_state = None
        instance.save()
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
                sort_dir: str = "desc"):
        """Servers matching ``filters``; the caller's project only, unless the REST layer
        (which applied the policy) asked for ``all_tenants`` or named a ``project_id``."""
        filters = dict(filters)
        if not filters.pop("all_tenants", False) and "project_id" not in filters:
            filters["project_id"] = context.project_id
        return objects.InstanceList.get_by_filters(context, filters, limit=limit,
                                                   marker=marker, sort_key=sort_key,
                                                   sort_dir=sort_dir)

    def create(self, context, name: str, flavor_id: str, image_id: str):
        """Validate, insert the instance as building/scheduling, cast to the conductor."""
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
        deltas = {"instances": 1, "cores": flavor.vcpus, "ram": flavor.memory_mb}
        quota.check(context.project_id, deltas)
        instance = objects.Instance(
            context, uuid=str(uuid_lib.uuid4()), display_name=name,
            project_id=context.project_id, user_id=context.user_id, image_ref=image.id,
            flavor_id=flavor.flavorid, flavor_name=flavor.name, memory_mb=flavor.memory_mb,
            vcpus=flavor.vcpus, root_gb=flavor.root_gb, vm_state=vm_states.BUILDING,
            task_state=task_states.SCHEDULING, power_state=power_state.NOSTATE)
        instance.create()
        try:
            quota.check(context.project_id, deltas, already_counted=True)
        except quota.QuotaExceeded:
            instance.destroy()
            raise
        objects.InstanceAction.action_start(context, instance.uuid, instance_actions.CREATE)
        LOG.info("Instance %s created; asking the conductor to build it", instance.uuid)
        try:
            self.conductor_rpcapi.schedule_and_build_instances(context, instance)
        except messaging.MessagingException as exc:
            instance.destroy()
            raise _unreachable(exc) from exc
        return instance

    def start(self, context, instance) -> None:
        _begin(context, instance, "start", instance_actions.START)
        _cast_or_undo(instance, self.compute_rpcapi.start_instance, context, instance)

    def stop(self, context, instance) -> None:
        _begin(context, instance, "stop", instance_actions.STOP)
        _cast_or_undo(instance, self.compute_rpcapi.stop_instance, context, instance)

    def reboot(self, context, instance, reboot_type: str) -> None:
        _begin(context, instance, f"reboot_{reboot_type}", instance_actions.REBOOT)
        _cast_or_undo(instance, self.compute_rpcapi.reboot_instance, context, instance,
                      reboot_type)

    def get_console_output(self, context, instance, tail_length: int | None) -> str:
        """A call to the instance's host. A stopped guest's console log is still there,
        so only an instance that never reached a host has none."""
        if instance.host is None or instance.vm_state == vm_states.BUILDING:
            raise exception.InstanceInvalidState(
                action="get_console_output", instance_uuid=instance.uuid,
                attr="vm_state", state=instance.vm_state)
        return self.compute_rpcapi.get_console_output(context, instance, tail_length)

    def delete(self, context, instance) -> None:
        """Allowed in any state. Without a live compute host, delete locally."""
        instance.task_state = task_states.DELETING
        instance.save()
        objects.InstanceAction.action_start(context, instance.uuid, instance_actions.DELETE)
        if instance.host and self._host_is_up(context, instance.host):
            self.compute_rpcapi.terminate_instance(context, instance)
            return
        LOG.info("Deleting instance %s locally (host %s not up)", instance.uuid,
                 instance.host)
        instance.destroy()

    @staticmethod
    def _host_is_up(context, host: str) -> bool:
        for svc in objects.ServiceList.get_all(context, "mininova-compute"):
            if svc.host == host:
                return svc.is_up(CONF.service_down_time)
        return False

