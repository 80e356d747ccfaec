"""Indexes in the order a server listing reads: by project (or all projects), not
deleted, newest first. The database walks the index and stops at the page's end instead
of reading and sorting every server of the project.

The project's index (project_id, deleted, created_at, id) replaces (project_id,
deleted), of which it is an extension.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("instances_project_id_deleted_created_at_idx", "instances",
                    ["project_id", "deleted", "created_at", "id"])
    op.create_index("instances_deleted_created_at_idx", "instances",
                    ["deleted", "created_at", "id"])
    op.drop_index("instances_project_id_deleted_idx", table_name="instances")


def downgrade() -> None:
    op.create_index("instances_project_id_deleted_idx", "instances",
                    ["project_id", "deleted"])
    op.drop_index("instances_deleted_created_at_idx", table_name="instances")
    op.drop_index("instances_project_id_deleted_created_at_idx", table_name="instances")
