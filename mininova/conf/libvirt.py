"""[libvirt] options for the libvirt virt driver."""
from oslo_config import cfg

libvirt_group = cfg.OptGroup("libvirt", title="libvirt driver options")

libvirt_opts = [
    cfg.StrOpt("connection_uri", default="qemu:///system",
               help="libvirt URI the compute service drives. qemu:///system runs real "
                    "guests; test:///default is libvirt's in-process test driver (one "
                    "private fake hypervisor per compute process), used in CI."),
    cfg.StrOpt("virt_type", default="kvm", choices=["kvm", "qemu"],
               help="Domain type: kvm for hardware acceleration, qemu for software "
                    "emulation (TCG) where /dev/kvm is not usable."),
    cfg.FloatOpt("test_live_migration_duration", default=0.0, min=0.0,
                 help="Test driver (test:///default) only: seconds a live migration "
                      "stays 'running' on its source before the guest moves, so that "
                      "its abort (DELETE /servers/{id}/migrations/{id}) and "
                      "force-complete can be exercised; force-complete ends the wait "
                      "at once, abort cancels the move. 0 (the default): the move is "
                      "immediate. Ignored on a real hypervisor."),
    cfg.StrOpt("live_migration_scheme", default="tcp",
               help="Transport of the libvirt URI a source's libvirtd reaches the "
                    "destination's by (qemu+SCHEME://ADDRESS/system) for a live "
                    "migration of a QEMU/KVM guest: tcp (listen_tcp), tls or ssh."),
    cfg.StrOpt("live_migration_inbound_addr",
               help="Address (or host name) other hosts' libvirtd and QEMU reach this "
                    "host at for live migrations to it: the destination URI's host and "
                    "the QEMU migration stream's target (tcp://ADDRESS). Default: this "
                    "host's [DEFAULT] host name, and the stream goes where the "
                    "destination's libvirtd says (its own host name)."),
    cfg.IntOpt("live_migration_completion_timeout", default=800, min=0,
               help="Seconds per GiB of guest RAM a live migration of a QEMU/KVM guest "
                    "may take before live_migration_timeout_action is taken (at least "
                    "this many seconds for a smaller guest); 0: no limit."),
    cfg.StrOpt("live_migration_timeout_action", default="abort",
               choices=["abort", "force_complete"],
               help="What a live migration that exceeds its completion timeout does: "
                    "abort (the guest keeps running on its source) or force_complete "
                    "(the guest is paused so that its last memory pages go, then it "
                    "runs on the destination)."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(libvirt_group)
    conf.register_opts(libvirt_opts, group=libvirt_group)


def list_opts() -> dict:
    return {libvirt_group: libvirt_opts}
