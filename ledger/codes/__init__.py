"""Item codes: the canonical item key, GS1 Digital Link, element strings, EPC/RFID, brand
signatures, QR labels and sheets, and reading codes from images.

Imports only ``ledger.proofs`` and ``ledger.errors``; no chain, no database.
"""
