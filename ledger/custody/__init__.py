"""Custody: the item state machine, registration planning, the :class:`Ledger` write path
(journal, anchor, commit), packing, statuses, inspections and ``ledger sync``.

Imports the layers below (proofs, codes, chain, index); never verify, audit, epcis or the edges.
"""
