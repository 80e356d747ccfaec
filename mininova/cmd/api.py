"""mininova-api: the falcon app under gunicorn.

gunicorn's settings come from gunicorn.conf.py when one is found (next to the first
--config-file, e.g. /etc/mininova/gunicorn.conf.py, else etc/mininova/ of a source
checkout), then from mininova.conf, which wins for what it knows: [api] bind_host,
bind_port, workers, threads and [DEFAULT] graceful_shutdown_timeout.
"""
import gc
import sys
from pathlib import Path

from oslo_config import cfg

from mininova import metrics
from mininova import tracing
from mininova.api import wsgi
from mininova.cmd import common
from mininova.cmd import gunicorn_app

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


def _flush_traces(server, worker) -> None:
    """A worker stopping stores the spans it still holds (gunicorn's worker_exit hook)."""
    tracing.shutdown()


def _freeze_app(worker) -> None:
    """A worker's app, built after fork, is frozen too (gunicorn's post_worker_init
    hook): full garbage collections then walk only what requests made."""
    gc.freeze()


class _Application(gunicorn_app.GunicornApplication):
    """gunicorn with mininova's defaults, gunicorn.conf.py, then mininova.conf's [api]."""

    def __init__(self, conf: cfg.ConfigOpts):
        defaults = {"worker_class": "gthread", "accesslog": "-", "keepalive": 75,
                    "access_log_format": ACCESS_LOG_FORMAT, "proc_name": "mininova-api",
                    "worker_exit": _flush_traces, "post_worker_init": _freeze_app}
        # NOTE: the app is built in each worker after fork, so each has its own RPC
        # connection.
        super().__init__(gunicorn_settings(conf), lambda: wsgi.create_app(conf),
                         defaults=defaults, config_file=find_gunicorn_conf(conf))


def main() -> None:
    conf = common.prepare_service(sys.argv[1:])
    common.require_database()
    metrics.serve_workers()
    # NOTE: the workers are forked from this process, which has imported the whole API:
    # they share its pages copy-on-write. Frozen, its objects are left out of the
    # workers' garbage collections, which would otherwise write to (and so copy) them.
    gc.freeze()
    _Application(conf).run()
