"""Claims: the allocations table (what each instance holds on its host) and the compute
nodes' generation, the row every claim on a host bumps. Existing servers are counted: each
live instance on a host gets its allocation here, except a build that ended in ERROR
(Nova frees those).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""
import datetime

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _heal() -> None:
    """One allocation per live, placed instance that is not a failed build."""
    instances = sa.table(
        "instances", sa.column("uuid", sa.String), sa.column("host", sa.String),
        sa.column("vcpus", sa.Integer), sa.column("memory_mb", sa.Integer),
        sa.column("root_gb", sa.Integer), sa.column("ephemeral_gb", sa.Integer),
        sa.column("vm_state", sa.String), sa.column("launched_at", sa.DateTime),
        sa.column("deleted", sa.Integer))
    allocations = sa.table(
        "allocations", sa.column("consumer_uuid", sa.String), sa.column("host", sa.String),
        sa.column("vcpus", sa.Integer), sa.column("memory_mb", sa.Integer),
        sa.column("disk_gb", sa.Integer), sa.column("created_at", sa.DateTime))
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    placed = sa.select(
        instances.c.uuid, instances.c.host, instances.c.vcpus, instances.c.memory_mb,
        instances.c.root_gb + sa.func.coalesce(instances.c.ephemeral_gb, 0),
        sa.literal(now, sa.DateTime)).where(
        instances.c.deleted == 0, instances.c.host.is_not(None),
        sa.not_(sa.and_(instances.c.vm_state == "error", instances.c.launched_at.is_(None))))
    op.execute(allocations.insert().from_select(
        ["consumer_uuid", "host", "vcpus", "memory_mb", "disk_gb", "created_at"], placed))


def upgrade() -> None:
    with op.batch_alter_table("compute_nodes") as batch_op:
        batch_op.add_column(sa.Column("generation", sa.Integer(), nullable=False,
                                      server_default="0"))
    op.create_table(
        "allocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consumer_uuid", sa.String(36), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("vcpus", sa.Integer(), nullable=False),
        sa.Column("memory_mb", sa.Integer(), nullable=False),
        sa.Column("disk_gb", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("consumer_uuid"),
    )
    op.create_index("ix_allocations_host", "allocations", ["host"])
    _heal()


def downgrade() -> None:
    op.drop_index("ix_allocations_host", table_name="allocations")
    op.drop_table("allocations")
    with op.batch_alter_table("compute_nodes") as batch_op:
        batch_op.drop_column("generation")
