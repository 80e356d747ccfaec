"""The database engine and transactions every query module shares.

The engine is created once per process on first use. The queries live beside this
module, one module per resource (db/instances.py, db/flavors.py, ...), one function per
operation.
"""
import contextlib
import contextvars
import datetime
import os
import threading
from collections.abc import Iterator

import sqlalchemy as sa
from oslo_log import log as logging
from sqlalchemy import orm

from mininova import conf
from mininova import tracing

CONF = conf.CONF
LOG = logging.getLogger(__name__)

class _Engine:
    """Lazily creates this process's engine and session factory from [database]."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessionmaker: orm.sessionmaker | None = None
        self._traced: orm.sessionmaker | None = None

    def sessionmaker(self) -> orm.sessionmaker:
        if self._sessionmaker is None:
            with self._lock:
                if self._sessionmaker is None:
                    engine = create_engine(CONF.database.connection)
                    traced = tracing.db_listen(engine)
                    if traced is not None:
                        self._traced = orm.sessionmaker(bind=traced, expire_on_commit=False)
                    self._sessionmaker = orm.sessionmaker(bind=engine, expire_on_commit=False)
        # NOTE: only a traced request's transactions go through the engine that makes
        # spans of writes: statement events slow down every statement of an engine
        # that has them, polls and periodic tasks included.
        if self._traced is not None and tracing.recording():
            return self._traced
        return self._sessionmaker

    def reset(self) -> None:
        with self._lock:
            if self._sessionmaker is not None:
                self._sessionmaker.kw["bind"].dispose()
            self._sessionmaker = self._traced = None


_ENGINE = _Engine()


def create_engine(url: str) -> sa.Engine:
    """An engine tuned per backend: SQLite gets WAL and a busy timeout, since several
    processes write to the same file."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, echo=CONF.database.connection_debug,
                                  connect_args={"timeout": 30, "check_same_thread": False})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return sa.create_engine(url, echo=CONF.database.connection_debug, pool_pre_ping=True,
                            pool_size=CONF.database.max_pool_size)


_VERSIONS = os.path.join(os.path.dirname(__file__), "migrations", "versions")


def schema_problem() -> str | None:
    """Why this database cannot serve this mininova yet (unreachable, not migrated, or
    migrated by an older mininova), or None.

    Reads Alembic's version table with a throwaway engine (the API checks in gunicorn's
    master, before the fork) and compares it with the newest migration script's number
    (they are numbered in order), without importing Alembic into every service.
    """
    head = max(name[:4] for name in os.listdir(_VERSIONS) if name[:4].isdigit())
    engine = create_engine(CONF.database.connection)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                current = None
            else:
                current = conn.scalar(sa.text("SELECT version_num FROM alembic_version"))
    except sa.exc.SQLAlchemyError as exc:
        return (f"the database at {engine.url.render_as_string(hide_password=True)} "
                f"does not answer: {str(exc).splitlines()[0]}")
    finally:
        engine.dispose()
    if current is None or current < head:
        return (f"the database at {engine.url.render_as_string(hide_password=True)} is "
                f"at revision {current or 'none (empty)'} and this mininova needs {head}: "
                f"run mininova-manage db sync")
    return None


def dispose_engine() -> None:
    """Forget this process's engine (after fork, or in tests switching databases)."""
    _ENGINE.reset()


# The transaction of the innermost reader() block of this thread (or task), if any.
_READER: contextvars.ContextVar[orm.Session | None] = contextvars.ContextVar(
    "mininova_db_reader", default=None)


@contextlib.contextmanager
def session() -> Iterator[orm.Session]:
    """A transaction: commits on success, rolls back on any exception; inside a
    reader() block, that block's transaction."""
    outer = _READER.get()
    if outer is not None:
        yield outer
        return
    with _ENGINE.sessionmaker().begin() as sess:
        yield sess


@contextlib.contextmanager
def reader() -> Iterator[None]:
    """Every query of the block in one transaction: a request that only reads (a GET of
    a server or a listing: the rows, then their metadata, tags, zones, services and
    image in five more queries) pays for one connection checkout, begin and commit
    instead of one a query. Only for blocks that do not write: a write inside would
    join this transaction."""
    if _READER.get() is not None:
        yield
        return
    with _ENGINE.sessionmaker().begin() as sess:
        token = _READER.set(sess)
        try:
            yield
        finally:
            _READER.reset(token)


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def naive(value):
    """Datetimes are stored as naive UTC on every backend."""
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value
