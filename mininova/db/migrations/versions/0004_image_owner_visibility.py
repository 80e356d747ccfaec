"""Image owner, visibility and sha512 hash, for the Image API v2 subset.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("images") as batch_op:
        batch_op.add_column(sa.Column("owner", sa.String(255), nullable=True))
        # NOTE: images registered before this revision were visible to everyone.
        batch_op.add_column(sa.Column("visibility", sa.String(32), nullable=False,
                                      server_default="public"))
        batch_op.add_column(sa.Column("os_hash_value", sa.String(128), nullable=True))
