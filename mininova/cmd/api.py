"""mininova-api: the falcon app under gunicorn.

gunicorn's settings come from gunicorn.conf.py when one is found (next to the first
--config-file, e.g. /etc/mininova/gunicorn.conf.py, else etc/mininova/ of a source
checkout), then from mininova.conf, which wins for what it knows: [api] bind_host,
bind_port, workers, threads and [DEFAULT] graceful_shutdown_timeout.
"""
import sys
from pathlib import Path

from gunicorn.app import base as gunicorn_base
from oslo_config import cfg
from oslo_log import log as logging

from mininova import metrics
from mininova.api import wsgi
from mininova.cmd import common

LOG = logging.getLogger(__name__)
GUNICORN_CONF = "gunicorn.conf.py"
ACCESS_LOG_FORMAT = ('%(h)s "%(r)s" %(s)s %(b)s %(M)sms '
                     '%({x-openstack-request-id}o)s')
_SOURCE_ETC = Path(__file__).resolve().parents[2] / "etc" / "mininova"


def find_gunicorn_conf(conf: cfg.ConfigOpts) -> Path | None:
    """The gunicorn.conf.py next to the first --config-file, else the source tree's."""
    candidates = [Path(f).resolve().parent / GUNICORN_CONF for f in conf.config_file[:1]]
    candidates.append(_SOURCE_ETC / GUNICORN_CONF)
    return next((path for path in candidates if path.is_file()), None)


def gunicorn_settings(conf: cfg.ConfigOpts) -> dict:
    """The settings mininova.conf imposes on gunicorn (applied after gunicorn.conf.py)."""
    api = conf.api
    return {"bind": f"{api.bind_host}:{api.bind_port}", "workers": api.workers,
            "threads": api.threads, "graceful_timeout": conf.graceful_shutdown_timeout}


class _Application(gunicorn_base.Application):
    """gunicorn driven by gunicorn.conf.py and oslo.config instead of its command line."""

    def __init__(self, conf: cfg.ConfigOpts):
        self.conf = conf
        super().__init__()

    def init(self, parser, opts, args):  # gunicorn's abstract hook; unused
        return None

    def load_config(self) -> None:
        defaults = {"worker_class": "gthread", "accesslog": "-", "keepalive": 75,
                    "access_log_format": ACCESS_LOG_FORMAT, "proc_name": "mininova-api"}
        for key, value in defaults.items():
            self.cfg.set(key, value)
        path = find_gunicorn_conf(self.conf)
        if path is not None:
            LOG.info("gunicorn settings from %s", path)
            self.load_config_from_file(str(path))
        for key, value in gunicorn_settings(self.conf).items():
            self.cfg.set(key, value)

    def load(self):
        # NOTE: runs in each worker after fork, so each has its own RPC connection.
        return wsgi.create_app(self.conf)


def main() -> None:
    conf = common.prepare_service(sys.argv[1:])
    metrics.serve_workers()
    _Application(conf).run()
