"""A fake virt driver for the ComputeManager unit tests: guests as a dict."""
from mininova import exception
from mininova.compute import power_state
from mininova.virt import driver as virt_driver

HOST = "compute1"


class FakeDriver(virt_driver.ComputeDriver):
    """Guests as a dict uuid -> power state; records every call."""

    def __init__(self):
        self.guests: dict[str, int] = {}
        self.calls: list[tuple] = []
        self.fail: set[str] = set()

    def _call(self, name, instance, *args):
        self.calls.append((name, instance.uuid, *args))
        if name in self.fail:
            raise exception.HypervisorError(reason=f"{name} failed")
        if instance.uuid not in self.guests and name != "destroy":
            raise exception.InstanceNotFound(instance_id=instance.uuid)

    def init_host(self, host):
        pass

    def spawn(self, context, instance, image):
        self.guests[instance.uuid] = power_state.RUNNING

    def power_off(self, instance, timeout=0, retry_interval=0):
        self._call("power_off", instance, timeout, retry_interval)
        self.guests[instance.uuid] = power_state.SHUTDOWN

    def power_on(self, context, instance):
        self._call("power_on", instance)
        self.guests[instance.uuid] = power_state.RUNNING

    def reboot(self, context, instance, reboot_type):
        self._call("reboot", instance, reboot_type)
        self.guests[instance.uuid] = power_state.RUNNING

    def destroy(self, context, instance):
        self._call("destroy", instance)
        self.guests.pop(instance.uuid, None)

    def get_info(self, instance):
        if instance.uuid not in self.guests:
            raise exception.InstanceNotFound(instance_id=instance.uuid)
        return virt_driver.InstanceInfo(state=self.guests[instance.uuid])

    def get_available_resource(self):
        return {"vcpus": 4, "memory_mb": 4096, "local_gb": 10, "hypervisor_type": "fake",
                "hypervisor_version": 1, "hypervisor_hostname": HOST}

    def list_instance_uuids(self):
        return list(self.guests)
