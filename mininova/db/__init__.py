"""Database access: SQLAlchemy models, the query functions, and Alembic migrations.

Only the API, conductor and scheduler import this package; compute hosts reach the
database through the conductor.
"""
