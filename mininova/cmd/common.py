"""Start-up shared by every console script: configuration, logging, objects."""
import sys
from collections.abc import Callable
from pathlib import Path

from gunicorn.app import base as gunicorn_base
from oslo_config import cfg
from oslo_log import log as logging

from mininova import conf
from mininova import objects

LOG = logging.getLogger(__name__)
LOG_LEVELS = ["amqp=WARN", "amqplib=WARN", "oslo_messaging=INFO", "kombu=WARN",
              "sqlalchemy=WARN", "stevedore=WARN", "oslo_concurrency.lockutils=WARN",
              "gunicorn.access=INFO", "oslo_service=WARN", "alembic=WARN"]


def prepare_service(argv: list[str], cli_opts: list | None = None) -> cfg.ConfigOpts:
    """Parse ``argv`` (without the program name) and set up logging and objects.

    A missing or unparsable config file ends the process with one line saying which
    (exit status 1, so systemd's Restart=on-failure retries until the file is there).
    """
    CONF = conf.CONF
    logging.register_options(CONF)
    if cli_opts:
        CONF.register_cli_opts(cli_opts)
    logging.set_defaults(default_log_levels=LOG_LEVELS)
    try:
        CONF(argv, project="mininova")
    except (cfg.ConfigFilesNotFoundError, cfg.ConfigFileParseError) as exc:
        sys.exit(f"{sys.argv[0].rsplit('/', 1)[-1]}: cannot start: {exc}")
    logging.setup(CONF, "mininova")
    objects.register_all()
    return CONF


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
