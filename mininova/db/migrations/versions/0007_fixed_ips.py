"""The flat network's address allocations (fixed_ips): one row per allocated address,
unique per network, so concurrent boots never share one.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fixed_ips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.String(36), nullable=False),
        sa.Column("address", sa.String(39), nullable=False),
        sa.Column("mac", sa.String(17), nullable=False),
        sa.Column("port_id", sa.String(36), nullable=False),
        sa.Column("instance_uuid", sa.String(36), nullable=False),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("network_id", "address",
                            name="uniq_fixed_ips0network_id0address"),
        sa.UniqueConstraint("mac"),
        sa.UniqueConstraint("port_id"),
    )
    op.create_index("ix_fixed_ips_instance_uuid", "fixed_ips", ["instance_uuid"])


def downgrade() -> None:
    op.drop_index("ix_fixed_ips_instance_uuid", "fixed_ips")
    op.drop_table("fixed_ips")
