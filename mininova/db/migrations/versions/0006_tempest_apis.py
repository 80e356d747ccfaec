"""What the Compute API's remaining user-facing resources store: server metadata, access
IPs and key names, key pairs, flavor access for private flavors, quota class limits, the
instance usage audit log, per-user quotas and host aggregates. Services take Nova's
binary names (nova-compute, ...), which clients filter on.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _times() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("updated_at", sa.DateTime(), nullable=True)]


_BINARIES = ("compute", "conductor", "scheduler")


def _rename_binaries(old: str, new: str) -> None:
    services = sa.table("services", sa.column("binary", sa.String))
    for name in _BINARIES:
        op.execute(services.update().where(services.c.binary == f"{old}-{name}")
                   .values(binary=f"{new}-{name}"))


def upgrade() -> None:
    _rename_binaries("mininova", "nova")
    with op.batch_alter_table("instances") as batch_op:
        batch_op.add_column(sa.Column("access_ip_v4", sa.String(39), nullable=True))
        batch_op.add_column(sa.Column("access_ip_v6", sa.String(39), nullable=True))
        batch_op.add_column(sa.Column("auto_disk_config", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("key_name", sa.String(255), nullable=True))
        batch_op.add_column(sa.Column("key_data", sa.Text(), nullable=True))
    op.create_table(
        "instance_metadata",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_uuid", sa.String(36), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("value", sa.String(255), nullable=False),
        *_times(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("instance_uuid", "key",
                            name="uniq_instance_metadata0instance_uuid0key"),
    )
    op.create_index("ix_instance_metadata_instance_uuid", "instance_metadata",
                    ["instance_uuid"])
    op.create_table(
        "key_pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(255), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("type", sa.String(32), nullable=False, server_default="ssh"),
        *_times(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "name", name="uniq_key_pairs0user_id0name"),
    )
    op.create_table(
        "flavor_projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flavor_id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.String(255), nullable=False),
        *_times(),
        sa.ForeignKeyConstraint(["flavor_id"], ["flavors.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("flavor_id", "project_id",
                            name="uniq_flavor_projects0flavor_id0project_id"),
    )
    op.create_table(
        "quota_classes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("class_name", sa.String(255), nullable=False),
        sa.Column("resource", sa.String(255), nullable=False),
        sa.Column("hard_limit", sa.Integer(), nullable=False),
        *_times(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("class_name", "resource",
                            name="uniq_quota_classes0class_name0resource"),
    )
    op.create_table(
        "task_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_name", sa.String(255), nullable=False),
        sa.Column("state", sa.String(255), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("period_beginning", sa.DateTime(), nullable=False),
        sa.Column("period_ending", sa.DateTime(), nullable=False),
        sa.Column("message", sa.String(255), nullable=False),
        sa.Column("task_items", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        *_times(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("task_name", "host", "period_beginning", "period_ending",
                            name="uniq_task_log0task0host0period"),
    )
    op.create_table(
        "project_user_quotas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("resource", sa.String(255), nullable=False),
        sa.Column("hard_limit", sa.Integer(), nullable=False),
        *_times(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "user_id", "resource",
                            name="uniq_project_user_quotas0project0user0resource"),
    )
    op.create_table(
        "aggregates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        *_times(),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uuid"),
        sa.UniqueConstraint("name"),
    )
    for table, column, unique in (("aggregate_hosts", "host", "host"),
                                  ("aggregate_metadata", "key", "key")):
        extra = [sa.Column("value", sa.String(255), nullable=False)] if column == "key" else []
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("aggregate_id", sa.Integer(), nullable=False),
            sa.Column(column, sa.String(255), nullable=False),
            *extra,
            *_times(),
            sa.ForeignKeyConstraint(["aggregate_id"], ["aggregates.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("aggregate_id", column,
                                name=f"uniq_{table}0aggregate_id0{unique}"),
        )


def downgrade() -> None:
    for table in ("aggregate_metadata", "aggregate_hosts", "aggregates",
                  "project_user_quotas"):
        op.drop_table(table)
    _rename_binaries("nova", "mininova")
    op.drop_table("task_log")
    op.drop_table("quota_classes")
    op.drop_table("flavor_projects")
    op.drop_table("key_pairs")
    op.drop_index("ix_instance_metadata_instance_uuid", "instance_metadata")
    op.drop_table("instance_metadata")
    with op.batch_alter_table("instances") as batch_op:
        for column in ("auto_disk_config", "key_data", "key_name", "access_ip_v6",
                       "access_ip_v4"):
            batch_op.drop_column(column)
