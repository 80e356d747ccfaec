"""Server side of the scheduler RPC API: filter, weigh, claim."""
import threading

import oslo_messaging as messaging
from oslo_log import log as logging

from mininova import conf
from mininova import exception
from mininova import manager
from mininova.db import instances as db_instances
from mininova.scheduler import filters as filters_mod
from mininova.scheduler import host_manager
from mininova.scheduler import weights

CONF = conf.CONF
LOG = logging.getLogger(__name__)


class SchedulerManager(manager.Manager):
    target = messaging.Target(version="1.0")

    def __init__(self, host: str):
        super().__init__(host)
        self.filters = filters_mod.load_filters(CONF.filter_scheduler.enabled_filters)
        # NOTE: selection and claim happen under one lock so two concurrent boots never
        # both count the same free memory; the claim is the instance's host column.
        self._claim_lock = threading.Lock()

    @messaging.expected_exceptions(exception.NoValidHost, exception.InstanceNotFound)
    def select_destinations(self, context, instance) -> str:
        with self._claim_lock:
            hosts = host_manager.get_host_states(context)
            if not hosts:
                raise exception.NoValidHost(reason="No compute host has reported in.")
            candidates = hosts
            rejected: dict[str, str] = {}
            for flt in self.filters:
                passed = []
                for host in candidates:
                    if flt.host_passes(host, instance):
                        passed.append(host)
                    else:
                        rejected[host.host] = flt.reason
                candidates = passed
            if not candidates:
                why = "; ".join(f"{h}: {r}" for h, r in sorted(rejected.items()))
                raise exception.NoValidHost(
                    reason=f"No host can take {instance.memory_mb} MB RAM, "
                           f"{instance.vcpus} vCPU, {instance.root_gb} GB disk ({why}).")
            chosen = weights.sort_hosts(candidates,
                                        CONF.filter_scheduler.ram_weight_multiplier)[0]
            db_instances.instance_update(instance.uuid, {"host": chosen.host, "node": chosen.host})
        LOG.info("Instance %s goes to %s", instance.uuid, chosen.host)
        return chosen.host
