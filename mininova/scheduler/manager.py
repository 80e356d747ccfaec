"""Server side of the scheduler RPC API: filter, weigh, claim."""
import time

import oslo_messaging as messaging
from oslo_log import log as logging

from mininova import conf
from mininova import exception
from mininova import manager
from mininova import tracing
from mininova.db import allocations as db_allocations
from mininova.scheduler import filters as filters_mod
from mininova.scheduler import host_manager
from mininova.scheduler import weights

CONF = conf.CONF
LOG = logging.getLogger(__name__)


class SchedulerManager(manager.Manager):
    target = messaging.Target(version="1.2")

    def __init__(self, host: str):
        super().__init__(host)
        self.filters = filters_mod.load_filters(CONF.filter_scheduler.enabled_filters)
        self.in_flight = host_manager.ClaimsInFlight()

    @messaging.expected_exceptions(exception.NoValidHost, exception.InstanceNotFound)
    def select_destinations(self, context, instance=None,
                            ignore_hosts: list[str] | None = None,
                            requested_host: str | None = None, request_spec=None) -> str:
        """Filter and weigh the hosts, then claim on the best one; a claim lost to a
        concurrent scheduler (the host filled up meanwhile) moves on to the next.

        A move (1.1) leaves out ``ignore_hosts`` and keeps only ``requested_host`` when
        one is asked for (it still has to pass the filters, as Nova's requested
        destination does). A resize or cold migration (1.2) passes a ``request_spec``
        instead, which names those hosts too: its sizes are what is claimed, for its
        instance, and the claim leaves the instance where it runs.
        """
        started = time.monotonic()
        wanted_by = instance if request_spec is None else request_spec
        if request_spec is not None:
            ignore_hosts = request_spec.ignore_hosts
            requested_host = request_spec.requested_host
        hosts = host_manager.get_host_states(context)
        if not hosts:
            raise exception.NoValidHost(reason="No compute host has reported in.")
        known = len(hosts)
        rejected: dict[str, str] = {}
        hosts = self._restrict(hosts, ignore_hosts or [], requested_host, rejected)
        candidates = self._filter(hosts, wanted_by, rejected)
        wanted = db_allocations.requested(wanted_by)
        multiplier = CONF.filter_scheduler.ram_weight_multiplier
        ranked = weights.sort_hosts(self.in_flight.weighed(candidates), multiplier)
        uuid = instance.uuid if request_spec is None else request_spec.instance_uuid
        tracing.annotate(**{"weighed": ", ".join(
            f"{h.host}={multiplier * weights.ram_weight(h):g}" for h in ranked)})
        claiming = 0.0
        for host in ranked:
            # NOTE: a build's or an evacuation's claim sets the instance's host too.
            claim_started = time.monotonic()
            with self.in_flight.claiming(host.host, wanted):
                claimed = db_allocations.claim(uuid, host.host, wanted, host.limits(),
                                               place_instance=request_spec is None)
            claiming += time.monotonic() - claim_started
            if claimed:
                LOG.info("Instance %s goes to %s (%d of %d hosts passed the filters; "
                         "decided in %.1f ms, the claim %.1f ms)", uuid, host.host,
                         len(candidates), known, (time.monotonic() - started) * 1e3,
                         claiming * 1e3)
                return host.host
            rejected[host.host] = "claimed full by concurrent builds"
            tracing.annotate(**{f"claim_lost.{host.host}": True})
        why = "; ".join(f"{h}: {r}" for h, r in sorted(rejected.items()))
        raise exception.NoValidHost(
            reason=f"No host can take {wanted.memory_mb} MB RAM, {wanted.vcpus} vCPU, "
                   f"{wanted.disk_gb} GB disk ({why}).")

    @staticmethod
    def _restrict(hosts: list, ignore_hosts: list[str], requested_host: str | None,
                  rejected: dict[str, str]) -> list:
        """The hosts a move may consider; ``rejected`` records why the others may not."""
        kept = []
        for host in hosts:
            if host.host in ignore_hosts:
                rejected[host.host] = "the server's current host"
            elif requested_host is not None and host.host != requested_host:
                rejected[host.host] = "not the requested host"
            else:
                kept.append(host)
        return kept

    def _filter(self, hosts: list, instance, rejected: dict[str, str]) -> list:
        """The hosts that pass every filter; ``rejected`` records why the others fail."""
        candidates = hosts
        for flt in self.filters:
            passed = []
            for host in candidates:
                if flt.host_passes(host, instance):
                    passed.append(host)
                else:
                    rejected[host.host] = flt.reason
            candidates = passed
            tracing.annotate(**{f"filter.{type(flt).__name__}": ", ".join(
                h.host for h in candidates) or "(none)"})
        return candidates
