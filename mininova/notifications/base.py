"""Sending Nova's notifications: instance actions, instance.update and service.update.

Each function builds its payload only when a notifier would send it, so with no
``[oslo_messaging_notifications] driver`` they cost one flag check. A notification that
cannot be sent is logged, never raised: it must not fail the work it reports on.
"""
import traceback

from oslo_log import log as logging
from oslo_utils import timeutils

from mininova import conf
from mininova.compute import power_state
from mininova.notifications import notifier as notifiers
from mininova.notifications.objects import base as payload_base
from mininova.notifications.objects import instance as instance_payload
from mininova.notifications.objects import service as service_payload

CONF = conf.CONF
LOG = logging.getLogger(__name__)


# NOTE: the binary that sends what this process sends (set by each service's main):
# Instance.save runs in the API or, for computes, in the conductor.
_SOURCE = {"binary": "nova-api"}


def set_source(binary: str) -> None:
    """Name this process's binary (Nova's: nova-api, nova-conductor, nova-compute)."""
    _SOURCE["binary"] = binary


def source() -> str:
    return _SOURCE["binary"]


def _legacy_info(instance) -> dict:
    """Nova's unversioned instance dictionary (info_from_instance), in its key names."""
    return {
        "tenant_id": instance.project_id, "user_id": instance.user_id,
        "instance_id": instance.uuid, "display_name": instance.display_name,
        "reservation_id": instance.reservation_id, "hostname": instance.hostname,
        "instance_type": instance.flavor_name, "instance_flavor_id": instance.flavor_id,
        "memory_mb": instance.memory_mb, "vcpus": instance.vcpus,
        "root_gb": instance.root_gb, "ephemeral_gb": instance.ephemeral_gb,
        "disk_gb": instance.root_gb + instance.ephemeral_gb, "host": instance.host,
        "node": instance.node, "availability_zone": instance.availability_zone,
        "state": instance.vm_state, "state_description": instance.task_state or "",
        "power_state": power_state.STATE_MAP.get(instance.power_state),
        "progress": "", "image_ref_url": instance.image_ref,
        "created_at": str(instance.created_at or ""),
        "launched_at": str(instance.launched_at or ""),
        "terminated_at": str(instance.terminated_at or ""),
        "deleted_at": str(instance.deleted_at or ""),
        "fixed_ips": [{"address": ip.address, "label": ip.label, "vif_mac": ip.mac,
                       "version": ip.version, "type": "fixed"}
                      for ip in instance_payload.IpPayload.from_instance(instance)],
        "kernel_id": instance.kernel_id or "", "ramdisk_id": instance.ramdisk_id or "",
        "access_ip_v4": instance.access_ip_v4, "access_ip_v6": instance.access_ip_v6,
        "metadata": {},
    }


def _send(context, source: str, host: str | None, event_type: str, versioned,
          legacy_event: str | None, legacy_extra: dict | None = None,
          priority: str = "info") -> None:
    try:
        if notifiers.notifications_enabled("versioned"):
            payload_base.emit(context, source, host or CONF.host, event_type, versioned(),
                              priority)
        if legacy_event and notifiers.notifications_enabled("legacy"):
            instance, extra = legacy_extra["instance"], legacy_extra.get("extra", {})
            # NOTE: Nova's legacy publisher_id is "<topic>.<host>" (compute.host1).
            notifier = notifiers.get_legacy_notifier(f"{source.split('-')[-1]}.{host or CONF.host}")
            getattr(notifier, priority)(context, legacy_event,
                                        {**_legacy_info(instance), **extra})
    except Exception:
        LOG.exception("Could not send the %s notification", event_type)


def notify_about_instance_action(context, instance, host: str | None, action: str,
                                 phase: str, source: str = "nova-compute",
                                 exception: BaseException | None = None) -> None:
    """instance.<action>.<phase> (start, end, error), as Nova's compute sends them."""
    def payload():
        fault = None
        if exception is not None:
            fault = payload_base.ExceptionPayload.from_exception(
                exception, action, "".join(traceback.format_exception(exception)))
        cls = instance_payload.InstanceActionPayload
        if action == "create":
            return instance_payload.InstanceCreatePayload(
                context, instance, fault=fault, keypairs=_keypairs(instance), tags=[],
                instance_name=instance.name)
        return cls(context, instance, fault=fault)

    priority = "error" if phase == "error" else "info"
    extra = {"message": str(exception)} if exception is not None else {}
    _send(context, source, host, f"instance.{action}.{phase}", payload,
          f"compute.instance.{action}.{phase}", {"instance": instance, "extra": extra},
          priority)


def _keypairs(instance) -> list:
    if not instance.key_name:
        return []
    return [instance_payload.KeypairPayload(user_id=instance.user_id, name=instance.key_name,
                                            public_key=instance.key_data, fingerprint=None,
                                            type="ssh")]


def wants_state_updates() -> bool:
    """Whether Instance.save should read the states it replaces, for instance.update."""
    return bool(CONF.notifications.notify_on_state_change) and (
        notifiers.notifications_enabled("versioned") or notifiers.notifications_enabled("legacy"))


def send_update(context, old_vm_state: str | None, old_task_state: str | None, instance,
                source: str, host: str | None = None) -> None:
    """instance.update when the state changed as [notifications] notify_on_state_change
    asks (Nova's rule: vm_state changes always count, task_state ones on request)."""
    when = CONF.notifications.notify_on_state_change
    if not when:
        return
    changed = old_vm_state != instance.vm_state or (
        when == "vm_and_task_state" and old_task_state != instance.task_state)
    if not changed:
        return

    def payload():
        now = timeutils.utcnow(with_timezone=True)
        begin = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        return instance_payload.InstanceUpdatePayload(
            context, instance,
            state_update=instance_payload.InstanceStateUpdatePayload(
                old_state=old_vm_state, state=instance.vm_state,
                old_task_state=old_task_state, new_task_state=instance.task_state),
            audit_period=instance_payload.AuditPeriodPayload(
                audit_period_beginning=begin, audit_period_ending=now),
            bandwidth=[], old_display_name=None, tags=[])

    extra = {"old_state": old_vm_state, "old_task_state": old_task_state,
             "new_task_state": instance.task_state}
    _send(context, source, host, "instance.update", payload, "compute.instance.update",
          {"instance": instance, "extra": extra})


def notify_about_service_update(context, service, source: str) -> None:
    """service.update: a service was enabled, disabled or forced down."""
    def payload():
        # NOTE: imported here: availability_zones needs the Service object, which sends
        # this notification.
        from mininova import availability_zones

        zone = availability_zones.service_zone(service.binary, service.host,
                                               availability_zones.host_zones())
        return service_payload.ServiceStatusPayload.from_service(service, zone)

    _send(context, source, None, "service.update", payload, None)
