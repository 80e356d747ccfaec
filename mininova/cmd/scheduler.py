"""mininova-scheduler: chooses the compute host of each new instance."""
import sys

from mininova import rpc
from mininova import service
from mininova import tracing
from mininova.cmd import common
from mininova.db import traces as db_traces
from mininova.objects import service as service_obj
from mininova.scheduler import manager


def main() -> None:
    conf = common.prepare_service(sys.argv[1:])
    common.require_database()
    tracing.setup(service_obj.SCHEDULER, conf.host, db_traces.add_spans)
    transport = rpc.get_transport(conf)
    mgr = manager.SchedulerManager(conf.host)
    service.Service(conf.host, service_obj.SCHEDULER, "scheduler", mgr, transport).run()
