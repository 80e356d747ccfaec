"""The network service's entry points: validate what a create asks for (API side),
allocate and release a server's addresses (conductor side), and read them back.

A request is a list of ``{"network_id": ..., "address": ...}`` dicts, one per NIC
(``address`` None for any free one); ``[]`` is ``networks: "none"``. It travels from
the API to the conductor over RPC as it is.
"""
from oslo_log import log as logging
from oslo_utils import uuidutils

from mininova import conf
from mininova import exception
from mininova.db import fixed_ips as db_fixed_ips
from mininova.db import instances as db_instances
from mininova.network import model

CONF = conf.CONF
LOG = logging.getLogger(__name__)


def auto_request() -> list[dict]:
    """One NIC on the cloud's network (``networks: "auto"`` or none given before 2.37)."""
    return [{"network_id": model.network_id(CONF), "address": None}]


def validate_networks(context, networks, max_count: int) -> list[dict]:
    """The request for ``networks`` as the create body gave it, checked as Nova checks
    it: unknown network or port, a fixed IP outside the network or in use (400), a port
    that exists (its server holds it: 409), a fixed IP or port for several servers."""
    if networks is None or networks == "auto":
        return auto_request()
    if networks == "none":
        return []
    requests = []
    for net in networks:
        if net.get("tag") is not None:
            raise exception.Invalid(message="Device tags are not supported: mininova "
                                            "cannot show them to the guest.")
        port_id = net.get("port")
        if port_id:
            _check_port(port_id, net.get("fixed_ip"), max_count)
        if "uuid" not in net:
            raise exception.Invalid(message="Bad network format: missing 'uuid'")
        if not uuidutils.is_uuid_like(net["uuid"]):
            raise exception.Invalid(message="Bad networks format: network uuid is not in "
                                            f"proper format ({net['uuid']})")
        if net["uuid"] != model.network_id(CONF):
            raise exception.NetworkNotFoundForCreate(network_id=net["uuid"])
        address = net.get("fixed_ip")
        if address is not None:
            _check_fixed_ip(address, max_count)
        requests.append({"network_id": net["uuid"], "address": address})
    return requests


def _check_port(port_id: str, address: str | None, max_count: int) -> None:
    """mininova creates a port with the server that holds it, so a port named at create
    is either unknown or in use."""
    if address is not None:
        raise exception.Invalid(message=f"Specified Fixed IP '{address}' cannot be used "
                                        f"with port '{port_id}': the two cannot be "
                                        "specified together.")
    if max_count > 1:
        raise exception.Invalid(message="Failed to launch instances: Unable to launch "
                                        "multiple instances with a single configured port "
                                        "ID. Please launch your instance one by one with "
                                        "different ports.")
    if db_fixed_ips.get_by_port(port_id) is not None:
        raise exception.PortInUse(port_id=port_id)
    raise exception.PortNotFound(port_id=port_id)


def _check_fixed_ip(address: str, max_count: int) -> None:
    if max_count > 1:
        raise exception.Invalid(message="Failed to launch instances: max_count cannot be "
                                        "greater than 1 if an fixed_ip is specified.")
    if not model.contains(CONF, address):
        raise exception.FixedIpNotFoundForNetwork(address=address,
                                                  network_uuid=model.network_id(CONF))
    holder = db_fixed_ips.get_by_address(None, address)
    if holder is not None:
        raise exception.FixedIpAlreadyInUse(address=address,
                                            instance_uuid=holder["instance_uuid"])


def allocate_for_instance(context, instance, requested_networks: list[dict] | None
                          ) -> list[dict]:
    """Allocate one address per requested NIC; the server's VIF dicts.

    All or nothing: if one allocation fails (NoMoreFixedIps, FixedIpAlreadyInUse lost
    to a concurrent boot), the ones already made are released before it raises.
    """
    requests = auto_request() if requested_networks is None else requested_networks
    candidates = model.allocatable(CONF)
    rows = []
    try:
        for request in requests:
            row = db_fixed_ips.allocate(request["network_id"], instance.uuid,
                                        instance.project_id, candidates,
                                        address=request.get("address"))
            LOG.info("Allocated %s (port %s) to instance %s", row["address"],
                     row["port_id"], instance.uuid)
            rows.append(row)
    except exception.MininovaException:
        deallocate_for_instance(context, instance)
        raise
    try:
        # NOTE: a delete that ran meanwhile found nothing to release: release here.
        db_instances.instance_get_states(instance.uuid)
    except exception.InstanceNotFound:
        deallocate_for_instance(context, instance)
        raise
    # NOTE: built from the rows just written, in allocation order: no read back.
    base = model.vif_base(CONF)
    return [model.vif(CONF, row, base) for row in rows]


def deallocate_for_instance(context, instance) -> None:
    """Free every address of ``instance``."""
    if db_fixed_ips.release_for_instance(instance.uuid):
        LOG.info("Released the addresses of instance %s", instance.uuid)

