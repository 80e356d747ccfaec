"""mininova-compute: one per hypervisor host; never opens the database."""
import sys

from mininova import context
from mininova import rpc
from mininova import service
from mininova import tracing
from mininova.cmd import common
from mininova.compute import manager
from mininova.conductor import rpcapi as conductor_rpcapi
from mininova.objects import base as objects_base
from mininova.objects import service as service_obj


def _span_sink(transport):
    """Computes never open the database: their spans go to the conductor (a cast)."""
    client: list = []

    def sink(rows: list[dict]) -> None:
        if not client:
            client.append(conductor_rpcapi.ConductorAPI(transport))
        client[0].record_spans(context.get_admin_context(), rows)

    return sink


def main() -> None:
    conf = common.prepare_service(sys.argv[1:])
    transport = rpc.get_transport(conf)
    tracing.setup(service_obj.COMPUTE, conf.host, _span_sink(transport))
    # NOTE: every remotable object method now travels to the conductor.
    conductor = conductor_rpcapi.ConductorAPI(transport)
    objects_base.MininovaObject.indirection_api = conductor
    conductor.wait_until_ready(context.get_admin_context())
    mgr = manager.ComputeManager(conf.host, transport)
    service.Service(conf.host, service_obj.COMPUTE, "compute", mgr, transport).run()
