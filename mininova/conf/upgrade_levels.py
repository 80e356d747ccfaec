"""[upgrade_levels] caps the RPC version each client sends, for rolling upgrades."""
from oslo_config import cfg

upgrade_group = cfg.OptGroup("upgrade_levels", title="RPC version caps")

upgrade_opts = [
    cfg.StrOpt("compute", help="Highest compute RPC API version to send, e.g. 1.0."),
    cfg.StrOpt("conductor", help="Highest conductor RPC API version to send."),
    cfg.StrOpt("scheduler", help="Highest scheduler RPC API version to send."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(upgrade_group)
    conf.register_opts(upgrade_opts, group=upgrade_group)


def list_opts() -> dict:
    return {upgrade_group: upgrade_opts}
