"""[DEFAULT] options shared by every mininova service."""
import socket

from oslo_config import cfg

default_opts = [
    cfg.StrOpt("host", default=socket.gethostname(), sample_default="<hostname>",
               help="Name of this node. A compute service registers and listens under this "
                    "name, so it must be unique among compute hosts."),
    cfg.StrOpt("state_path", default="/var/lib/mininova",
               help="Directory where mininova keeps its state (SQLite database, "
                    "instance files)."),
    cfg.IntOpt("report_interval", default=10, min=1,
               help="Seconds between two service heartbeats written to the services table."),
    cfg.IntOpt("service_down_time", default=60, min=1,
               help="A service whose last heartbeat is older than this many seconds is "
                    "reported down and is not scheduled to."),
    cfg.IntOpt("graceful_shutdown_timeout", default=60, min=0,
               help="On SIGTERM, seconds to let in-flight RPC work finish before exiting."),
    cfg.StrOpt("default_availability_zone", default="nova",
               help="The availability zone of a compute host that no aggregate with an "
                    "availability_zone puts in another one."),
    cfg.StrOpt("internal_service_availability_zone", default="internal",
               help="The availability zone shown for services other than nova-compute "
                    "(conductor, scheduler)."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(default_opts)


def list_opts() -> dict:
    return {"DEFAULT": default_opts}
