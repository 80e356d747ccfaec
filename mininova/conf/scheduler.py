"""[filter_scheduler] options."""
from oslo_config import cfg

scheduler_group = cfg.OptGroup("filter_scheduler", title="Scheduler options")

scheduler_opts = [
    cfg.ListOpt("enabled_filters",
                default=["AvailabilityZoneFilter", "ComputeFilter", "RamFilter",
                         "CoreFilter", "DiskFilter"],
                help="Filters a host must pass to be chosen, in order."),
    cfg.FloatOpt("ram_weight_multiplier", default=1.0,
                 help="Weight of free RAM; positive spreads instances, negative stacks them."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(scheduler_group)
    conf.register_opts(scheduler_opts, group=scheduler_group)


def list_opts() -> dict:
    return {scheduler_group: scheduler_opts}
