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
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(libvirt_group)
    conf.register_opts(libvirt_opts, group=libvirt_group)


def list_opts() -> dict:
    return {libvirt_group: libvirt_opts}
