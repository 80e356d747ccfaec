"""mininova-scheduler: chooses the compute host of each new instance."""
import sys

from mininova import rpc
from mininova import service
from mininova.cmd import common
from mininova.objects import service as service_obj
from mininova.scheduler import manager


def main() -> None:
    conf = common.prepare_service(sys.argv[1:])
    transport = rpc.get_transport(conf)
    mgr = manager.SchedulerManager(conf.host)
    service.Service(conf.host, service_obj.SCHEDULER, "scheduler", mgr, transport).run()
