"""[database] options."""
from oslo_config import cfg

database_group = cfg.OptGroup("database", title="Database options")

database_opts = [
    cfg.StrOpt("connection", secret=True,
               default="sqlite:///$state_path/mininova.sqlite",
               help="SQLAlchemy URL of the database, e.g. "
                    "postgresql+psycopg2://user@127.0.0.1/mininova or "
                    "mysql+pymysql://root@127.0.0.1/mininova."),
    cfg.IntOpt("max_pool_size", default=10, min=1,
               help="Connections kept open per process (not used for SQLite)."),
    cfg.BoolOpt("connection_debug", default=False, help="Log every SQL statement."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_group(database_group)
    conf.register_opts(database_opts, group=database_group)


def list_opts() -> dict:
    return {database_group: database_opts}
