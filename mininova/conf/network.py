"""[network] options: the one flat network every server of the cloud is on."""
from oslo_config import cfg

network_group = cfg.OptGroup("network", title="The flat network",
                             help="One flat network per cloud, in nova-network's flat DHCP "
                                  "spirit: addresses are allocated by the conductor, each "
                                  "compute host bridges its guests onto it.")

network_opts = [
    cfg.StrOpt("network_name", default="private",
               help="Name of the network, as the Compute API's addresses and the "
                    "Networking API show it (openstack server create --network NAME)."),
    cfg.StrOpt("cidr", default="10.99.0.0/24",
               help="IPv4 range of the network. Guests get addresses from it, except the "
                    "network and broadcast addresses and the gateway."),
    cfg.StrOpt("gateway", default=None,
               help="Gateway address of the network; by default the first host address "
                    "of cidr (the address the host's bridge holds)."),
    cfg.StrOpt("bridge", default="mnbr0",
               help="Linux bridge each compute host plugs its guests' NICs into."),
    cfg.ListOpt("dns_servers", default=[],
                help="DNS servers handed to guests (by DHCP and the network metadata)."),
    cfg.IntOpt("mtu", default=1500, min=576,
               help="MTU of the network, as guests are told it."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(network_group)
    conf.register_opts(network_opts, group=network_group)


def list_opts() -> dict:
    return {network_group: network_opts}
