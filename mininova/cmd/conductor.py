"""mininova-conductor: builds instances and does database work for compute hosts."""
import sys

from mininova import rpc
from mininova import service
from mininova import tracing
from mininova.cmd import common
from mininova.conductor import manager
from mininova.db import traces as db_traces
from mininova.objects import service as service_obj


def main() -> None:
    conf = common.prepare_service(sys.argv[1:])
    common.require_database()
    tracing.setup(service_obj.CONDUCTOR, conf.host, db_traces.add_spans)
    transport = rpc.get_transport(conf)
    mgr = manager.ConductorManager(conf.host, transport)
    service.Service(conf.host, service_obj.CONDUCTOR, "conductor", mgr, transport).run()
