"""The audit: scopes, findings, and the checks that prove the index matches the chain.

Imports custody and below.
"""
