"""Shared unit-test fixtures: configuration, a throw-away SQLite database, contexts."""
import shutil

import pytest

from mininova import conf
from mininova import context as mn_context
from mininova import objects
from mininova.db import api as db_api
from mininova.db import migration

CONF = conf.CONF
CONF([], project="mininova", default_config_files=[])
objects.register_all()


@pytest.fixture
def flags():
    """Set options for one test: ``flags(name=value, group=...)``; undone afterwards."""
    done = []

    def _set(group=None, **kwargs):
        for name, value in kwargs.items():
            CONF.set_override(name, value, group=group)
            done.append((name, group))

    yield _set
    for name, group in done:
        CONF.clear_override(name, group=group)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    """One SQLite file migrated to head per test run: each test gets a copy, because
    running every migration again costs more than most tests themselves."""
    path = tmp_path_factory.mktemp("template") / "unit.sqlite"
    CONF.set_override("connection", f"sqlite:///{path}", group="database")
    try:
        db_api.dispose_engine()
        migration.db_sync()
    finally:
        CONF.clear_override("connection", group="database")
        db_api.dispose_engine()
    return path


@pytest.fixture
def db(tmp_path, flags, migrated_template):
    """A migrated SQLite database private to the test."""
    shutil.copyfile(migrated_template, tmp_path / "unit.sqlite")
    flags(connection=f"sqlite:///{tmp_path}/unit.sqlite", group="database")
    db_api.dispose_engine()
    yield
    db_api.dispose_engine()


@pytest.fixture
def ctxt():
    return mn_context.RequestContext(user_id="alice", project_id="p1",
                                     request_id="req-unit")


@pytest.fixture
def admin_ctxt():
    return mn_context.RequestContext(user_id="admin", project_id="admin", is_admin=True,
                                     request_id="req-admin")
