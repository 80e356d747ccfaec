"""Fields that compute API microversions above 2.1 show: server description, lock,
tags, hostname and extended attributes, flavor description and extra specs (with the
servers' copy of them), service and hypervisor UUIDs, forced_down, host IP and CPU
info, and action event details.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _fill_uuids(table: str) -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text(f"SELECT id FROM {table} WHERE uuid IS NULL")).fetchall()
    for (row_id,) in rows:
        bind.execute(sa.text(f"UPDATE {table} SET uuid = :uuid WHERE id = :id"),
                     {"uuid": str(uuid.uuid4()), "id": row_id})


def upgrade() -> None:
    with op.batch_alter_table("instances") as batch_op:
        batch_op.add_column(sa.Column("description", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("locked", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("locked_by", sa.String(255), nullable=True))
        batch_op.add_column(sa.Column("locked_reason", sa.String(255), nullable=True))
        batch_op.add_column(sa.Column("hostname", sa.String(255), nullable=True))
        batch_op.add_column(sa.Column("user_data", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("reservation_id", sa.String(255), nullable=True))
        batch_op.add_column(sa.Column("launch_index", sa.Integer(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("kernel_id", sa.String(255), nullable=True))
        batch_op.add_column(sa.Column("ramdisk_id", sa.String(255), nullable=True))
        batch_op.add_column(sa.Column("root_device_name", sa.String(255), nullable=True))
        batch_op.add_column(sa.Column("ephemeral_gb", sa.Integer(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("swap", sa.Integer(), nullable=False,
                                      server_default="0"))
        batch_op.add_column(sa.Column("availability_zone", sa.String(255), nullable=True))
        batch_op.add_column(sa.Column("scheduler_hints", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("flavor_extra_specs", sa.Text(), nullable=True))
    op.create_table(
        "instance_tags",
        sa.Column("instance_uuid", sa.String(36), nullable=False),
        sa.Column("tag", sa.String(60), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("instance_uuid", "tag"),
    )
    op.create_index("instance_tags_tag_idx", "instance_tags", ["tag"])
    with op.batch_alter_table("flavors") as batch_op:
        batch_op.add_column(sa.Column("description", sa.Text(), nullable=True))
    op.create_table(
        "flavor_extra_specs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flavor_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("value", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.ForeignKeyConstraint(["flavor_id"], ["flavors.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("flavor_id", "key",
                            name="uniq_flavor_extra_specs0flavor_id0key"),
    )
    with op.batch_alter_table("services") as batch_op:
        batch_op.add_column(sa.Column("uuid", sa.String(36), nullable=True))
        batch_op.add_column(sa.Column("forced_down", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    _fill_uuids("services")
    with op.batch_alter_table("services") as batch_op:
        batch_op.create_unique_constraint("uniq_services0uuid", ["uuid"])
    with op.batch_alter_table("compute_nodes") as batch_op:
        batch_op.add_column(sa.Column("uuid", sa.String(36), nullable=True))
        batch_op.add_column(sa.Column("host_ip", sa.String(39), nullable=True))
        batch_op.add_column(sa.Column("cpu_info", sa.Text(), nullable=True))
    _fill_uuids("compute_nodes")
    with op.batch_alter_table("compute_nodes") as batch_op:
        batch_op.create_unique_constraint("uniq_compute_nodes0uuid", ["uuid"])
    with op.batch_alter_table("instance_actions_events") as batch_op:
        batch_op.add_column(sa.Column("details", sa.Text(), nullable=True))
