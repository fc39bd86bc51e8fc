"""The index: SQLModel tables, the engine and units of work, bulk paths, the write lock, web
accounts, and read queries (item status, brand directory, trails).

Reads take an :class:`~sqlalchemy.engine.Engine`, never a ``Ledger``. Imports ``ledger.proofs``,
``ledger.codes`` and ``ledger.chain``.
"""
