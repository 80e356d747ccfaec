"""Migrations (resize, cold and live migration) for os-migrations and
/servers/{id}/migrations.

NOTE: mininova cannot resize or migrate yet, so there is no migrations table and no
migration: each query answers what a table without rows answers (an empty list; any
marker is unknown). Resize and migrate bring the table and replace these bodies; the
API and its views above stay as they are.
"""
from mininova import exception


def migration_get_all(filters: dict, limit: int | None = None,
                      marker: str | None = None) -> list:
    """Migrations matching ``filters``, newest first, after ``marker`` (a uuid)."""
    if marker is not None:
        raise exception.MarkerNotFound(marker=marker)
    return []


def migration_get_in_progress_by_instance(instance_uuid: str,
                                          migration_type: str | None = None) -> list:
    """The instance's migrations that are still running."""
    return []
