"""mininova-metadata: the metadata service guests reach at 169.254.169.254 (gunicorn).

With ``[metadata] listen = 169.254.169.254`` (the default) it first makes sure this
host's bridge exists and holds that address (``network/linux_net.py``, as root), so that
guests reach it through their gateway; any other address is used as it is (tests, or a
host that routes 169.254.169.254 itself). Runs on every compute host that serves it, and
reads the database directly, as nova-api-metadata does.
"""
import sys

from oslo_config import cfg
from oslo_log import log as logging

from mininova.api.metadata import handler
from mininova.cmd import common
from mininova.cmd import gunicorn_app
from mininova.network import linux_net
from mininova.network import model

LOG = logging.getLogger(__name__)
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'


def gunicorn_settings(conf: cfg.ConfigOpts) -> dict:
    """What mininova.conf sets of gunicorn's settings for this service."""
    md = conf.metadata
    return {"bind": f"{md.listen}:{md.listen_port}", "workers": md.workers,
            "worker_class": "gthread", "threads": 4, "accesslog": "-",
            "access_log_format": ACCESS_LOG_FORMAT, "proc_name": "mininova-metadata",
            "graceful_timeout": conf.graceful_shutdown_timeout}


def prepare_host(conf: cfg.ConfigOpts) -> None:
    """Put the metadata address on the bridge when that is where it listens."""
    if conf.metadata.listen != linux_net.METADATA_ADDRESS:
        return
    net = conf.network
    linux_net.ensure_bridge(net.bridge, net.cidr, model.gateway(conf), net.mtu)
    linux_net.ensure_metadata_address(net.bridge)
    LOG.info("Metadata address %s on bridge %s", linux_net.METADATA_ADDRESS, net.bridge)


def main() -> None:
    conf = common.prepare_service(sys.argv[1:])
    prepare_host(conf)
    gunicorn_app.GunicornApplication(gunicorn_settings(conf),
                               lambda: handler.create_app(conf)).run()
