"""Alembic migrations of the index: ``env.py`` (run by :mod:`ledger.index.migrate`, never by hand)
and one module per revision in ``versions/``. How to add one: docs/DESIGN.md, "Index migrations"."""
