"""mininova-api: the falcon app under gunicorn; bind and workers from [api]."""
import sys

from gunicorn.app import base as gunicorn_base

from mininova.api import wsgi
from mininova.cmd import common

ACCESS_LOG_FORMAT = ('%(h)s "%(r)s" %(s)s %(b)s %(M)sms '
                     '%({x-openstack-request-id}o)s')


class _Application(gunicorn_base.BaseApplication):
    """gunicorn driven from oslo.config instead of its own command line."""

    def __init__(self, conf):
        self.conf = conf
        super().__init__()

    def load_config(self) -> None:
        api = self.conf.api
        settings = {"bind": f"{api.bind_host}:{api.bind_port}", "workers": api.workers,
                    "threads": api.threads, "worker_class": "gthread",
                    "accesslog": "-", "access_log_format": ACCESS_LOG_FORMAT,
                    "graceful_timeout": self.conf.graceful_shutdown_timeout,
                    "proc_name": "mininova-api"}
        for key, value in settings.items():
            self.cfg.set(key, value)

    def load(self):
        # NOTE: runs in each worker after fork, so each has its own RPC connection.
        return wsgi.create_app(self.conf)


def main() -> None:
    conf = common.prepare_service(sys.argv[1:])
    _Application(conf).run()
