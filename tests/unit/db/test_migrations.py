"""The Alembic migrations build exactly the schema the models describe."""
import sqlalchemy as sa
from alembic import autogenerate
from alembic import migration as alembic_migration

from mininova import conf
from mininova.db import api as db_api
from mininova.db import migration
from mininova.db import models


def test_migrations_match_models(db):
    engine = sa.create_engine(conf.CONF.database.connection)
    with engine.connect() as connection:
        context = alembic_migration.MigrationContext.configure(connection)
        diff = autogenerate.compare_metadata(context, models.Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_a_migrated_database_serves(db):
    assert db_api.schema_problem() is None


def test_an_empty_or_older_database_says_to_sync(tmp_path, flags):
    flags(connection=f"sqlite:///{tmp_path}/empty.sqlite", group="database")
    problem = db_api.schema_problem()
    assert "is at revision none (empty)" in problem and "mininova-manage db sync" in problem
    migration.db_sync("0010")
    assert "is at revision 0010 and this mininova needs 00" in db_api.schema_problem()
    migration.db_sync()
    assert db_api.schema_problem() is None


def test_an_unreachable_database_is_named_without_its_password(flags):
    flags(connection="mysql+pymysql://nova:secret@127.0.0.1:1/nova", group="database")
    problem = db_api.schema_problem()
    assert problem.startswith("the database at mysql+pymysql://nova:***@127.0.0.1:1/nova "
                              "does not answer: "), problem
    assert "secret" not in problem
