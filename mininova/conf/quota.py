"""[quota] options: the default limits of every project."""
from oslo_config import cfg

quota_group = cfg.OptGroup("quota", title="Quota options")

quota_opts = [
    cfg.IntOpt("instances", default=10, min=-1,
               help="Servers a project may have; -1 for no limit."),
    cfg.IntOpt("cores", default=20, min=-1,
               help="vCPUs a project's servers may use together; -1 for no limit."),
    cfg.IntOpt("ram", default=51200, min=-1,
               help="MB of RAM a project's servers may use together; -1 for no limit."),
    cfg.IntOpt("metadata_items", default=128, min=-1,
               help="Metadata keys one server may have; -1 for no limit."),
    cfg.IntOpt("key_pairs", default=100, min=-1,
               help="Key pairs one user may have; -1 for no limit."),
    cfg.IntOpt("server_groups", default=10, min=-1,
               help="Server groups a project may have (reported: mininova has no server "
                    "groups yet); -1 for no limit."),
    cfg.IntOpt("server_group_members", default=10, min=-1,
               help="Servers one server group may hold (reported, like server_groups); -1 "
                    "for no limit."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(quota_group)
    conf.register_opts(quota_opts, group=quota_group)


def list_opts() -> dict:
    return {quota_group: quota_opts}
