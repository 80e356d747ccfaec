"""Start-up shared by every console script: configuration, logging, objects."""
import sys

from oslo_config import cfg
from oslo_log import log as logging

from mininova import conf
from mininova import objects

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


def require_database() -> None:
    """End a service that holds the database with one line saying why it cannot use it
    (exit status 1: systemd's Restart=on-failure retries until it can), rather than with
    a traceback from its first query."""
    from mininova.db import api as db_api

    problem = db_api.schema_problem()
    if problem:
        sys.exit(f"{sys.argv[0].rsplit('/', 1)[-1]}: cannot start: {problem}")
