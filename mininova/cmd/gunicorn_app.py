"""gunicorn under oslo.config: what mininova-api and mininova-metadata-api run.

Apart from common.py so that the services without an HTTP server never import gunicorn.
"""
from collections.abc import Callable
from pathlib import Path

from gunicorn.app import base as gunicorn_base
from oslo_log import log as logging

LOG = logging.getLogger(__name__)


class GunicornApplication(gunicorn_base.Application):
    """gunicorn driven by oslo.config instead of its command line: ``defaults``, then
    ``config_file`` (a gunicorn.conf.py) when given, then ``settings``, which win;
    ``load`` builds the WSGI app in each worker, after the fork."""

    def __init__(self, settings: dict, load: Callable, defaults: dict | None = None,
                 config_file: Path | None = None) -> None:
        self._settings, self._load = settings, load
        self._defaults, self._config_file = defaults or {}, config_file
        super().__init__()

    def init(self, parser, opts, args):  # gunicorn's abstract hook; unused
        return None

    def load_config(self) -> None:
        for key, value in self._defaults.items():
            self.cfg.set(key, value)
        if self._config_file is not None:
            LOG.info("gunicorn settings from %s", self._config_file)
            self.load_config_from_file(str(self._config_file))
        for key, value in self._settings.items():
            self.cfg.set(key, value)

    def load(self):
        return self._load()
