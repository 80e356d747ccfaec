"""[metrics] options: the Prometheus endpoint each service can serve."""
from oslo_config import cfg

metrics_group = cfg.OptGroup("metrics", title="Prometheus metrics")

metrics_opts = [
    cfg.PortOpt("port", default=0,
                help="Port this service serves /metrics on (Prometheus text format); 0 "
                     "serves none. Each process on a machine needs its own: set it in the "
                     "host's own config file for a compute. mininova-api serves the sum "
                     "of its workers from its master process."),
    cfg.HostAddressOpt("host", default="127.0.0.1",
                       help="Address /metrics listens on."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(metrics_group)
    conf.register_opts(metrics_opts, group=metrics_group)


def list_opts() -> dict:
    return {metrics_group: metrics_opts}
