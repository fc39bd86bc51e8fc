"""EPCIS 2.0: export, import, CBV 2.0 event hashes, the JSON schema and EPC URIs; serving other organisations
through the REST bindings (query, page tokens, anchor documents), signed requests and the sharing policy.

Imports custody and below.
"""
