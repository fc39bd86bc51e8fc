"""EPCIS 2.0: export, import, CBV 2.0 event hashes, the JSON schema and EPC URIs.

Imports custody and below.
"""
