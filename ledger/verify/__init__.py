"""Verification: the verdict rules, the :class:`Verifier` that the web, the API and
``ledger verify`` share, the scan log and inspection sites.

Imports custody and below.
"""
