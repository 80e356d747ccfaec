"""The Alembic migrations build exactly the schema the models describe."""
import sqlalchemy as sa
from alembic import autogenerate
from alembic import migration as alembic_migration

from mininova import conf
from mininova.db import models


def test_migrations_match_models(db):
    engine = sa.create_engine(conf.CONF.database.connection)
    with engine.connect() as connection:
        context = alembic_migration.MigrationContext.configure(connection)
        diff = autogenerate.compare_metadata(context, models.Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"
