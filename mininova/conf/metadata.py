"""[metadata] options: mininova-metadata, the metadata service guests reach at
169.254.169.254."""
from oslo_config import cfg

metadata_group = cfg.OptGroup("metadata", title="The metadata service",
                              help="mininova-metadata answers guests on their network at "
                                   "169.254.169.254 (OpenStack and EC2 paths), telling "
                                   "each guest apart by its source address.")

metadata_opts = [
    cfg.StrOpt("listen", default="169.254.169.254",
               help="Address mininova-metadata listens on. With 169.254.169.254 it first "
                    "puts that address (/32) on this host's [network] bridge, which "
                    "needs root; guests reach it through their gateway."),
    cfg.PortOpt("listen_port", default=80,
                help="Port mininova-metadata listens on (guests ask port 80)."),
    cfg.IntOpt("workers", default=1, min=1,
               help="gunicorn worker processes of mininova-metadata."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(metadata_group)
    conf.register_opts(metadata_opts, group=metadata_group)


def list_opts() -> dict:
    return {metadata_group: metadata_opts}
