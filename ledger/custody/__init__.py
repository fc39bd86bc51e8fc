"""Custody: the item state machine (:mod:`ledger.custody.state`: which action is allowed in which
state, and what it changes), registration planning, the :class:`Ledger` write path (journal,
anchor, commit), packing, status changes, inspections and ``ledger sync``.

Imports the layers below (proofs, codes, chain, index); never verify, audit, epcis or the edges.
"""
