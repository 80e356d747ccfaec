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
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(libvirt_group)
    conf.register_opts(libvirt_opts, group=libvirt_group)


def list_opts() -> dict:
    return {libvirt_group: libvirt_opts}
