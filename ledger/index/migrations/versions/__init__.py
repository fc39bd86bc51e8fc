"""The index's schema revisions, oldest first by their number; alembic finds them by file name."""
