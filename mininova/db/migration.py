"""Schema migrations through Alembic: ``mininova-manage db sync`` and ``db version``."""
import os

from alembic import command
from alembic import config as alembic_config
from alembic import migration

from mininova.db import api as db_api

_SCRIPT_LOCATION = os.path.join(os.path.dirname(__file__), "migrations")


def _config(connection) -> alembic_config.Config:
    cfg = alembic_config.Config()
    cfg.set_main_option("script_location", _SCRIPT_LOCATION)
    cfg.attributes["connection"] = connection
    return cfg


def db_sync(revision: str = "head") -> None:
    """Upgrade to ``revision``; already there means nothing to do, so it is safe twice."""
    engine = db_api.create_engine(db_api.CONF.database.connection)
    with engine.begin() as connection:
        command.upgrade(_config(connection), revision)
    engine.dispose()


def db_version() -> str | None:
    """The revision the database is at, or None for an empty database."""
    engine = db_api.create_engine(db_api.CONF.database.connection)
    with engine.connect() as connection:
        version = migration.MigrationContext.configure(connection).get_current_revision()
    engine.dispose()
    return version


def revision(message: str, autogenerate: bool = True) -> None:
    """Developer helper: write a new migration script from the models' differences."""
    engine = db_api.create_engine(db_api.CONF.database.connection)
    with engine.begin() as connection:
        command.revision(_config(connection), message=message, autogenerate=autogenerate)
    engine.dispose()
