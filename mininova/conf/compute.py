"""Options for mininova-compute and the resources it offers to the scheduler."""
from oslo_config import cfg

compute_opts = [
    cfg.IntOpt("shutdown_timeout", default=60, min=0,
               help="Seconds to wait for a guest to shut down cleanly on stop before "
                    "it is destroyed."),
    cfg.IntOpt("shutdown_retry_interval", default=10, min=1,
               help="Seconds between two clean shutdown requests sent to a guest that "
                    "has not stopped yet."),
    cfg.IntOpt("sync_power_state_interval", default=60, min=0,
               help="Seconds between two power-state syncs with the hypervisor; 0 disables."),
    cfg.IntOpt("update_resources_interval", default=60, min=1,
               help="Seconds between two reports of this host's resources to the "
                    "compute_nodes table."),
    cfg.BoolOpt("instance_usage_audit", default=False,
                help="Audit the instances' usage on this host once per audit period, "
                     "recording the run for os-instance_usage_audit_log."),
    cfg.StrOpt("instance_usage_audit_period", default="month",
               regex=r"^(hour|day|month|year)(@[0-9]+)?$",
               help="The audit period: hour, day, month or year, optionally with @N for "
                    "its offset (the minute, hour, day or month it starts at), as Nova's "
                    "option."),
    cfg.FloatOpt("cpu_allocation_ratio", default=4.0, min=0.0,
                 help="Virtual CPUs the scheduler may place per physical CPU."),
    cfg.FloatOpt("ram_allocation_ratio", default=1.0, min=0.0,
                 help="Memory the scheduler may place per MB of physical memory."),
    cfg.FloatOpt("disk_allocation_ratio", default=1.0, min=0.0,
                 help="Disk the scheduler may place per GB of local disk."),
    cfg.IntOpt("reserved_host_memory_mb", default=0, min=0,
               help="Memory kept back for the host itself."),
    cfg.IntOpt("resize_confirm_window", default=0, min=0,
               help="Seconds after which a resize or cold migration waiting for "
                    "confirmation (VERIFY_RESIZE) is confirmed automatically by its "
                    "destination host; 0 never confirms automatically."),
    cfg.BoolOpt("allow_resize_to_same_host", default=False,
                help="Let a resize choose the host the server runs on (a one-host "
                     "cloud can resize only so). A cold migration always moves to "
                     "another host."),
    cfg.BoolOpt("force_config_drive", default=False,
                help="Give every server built on this host a config drive (an ISO 9660 "
                     "cdrom labelled config-2 holding its metadata), whether or not it "
                     "asked for one with config_drive at create."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(compute_opts)


def list_opts() -> dict:
    return {"DEFAULT": compute_opts}
