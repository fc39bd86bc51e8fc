"""The chain: :class:`ChainClient` (the only door to the contract), the embedded py-evm chain,
revert decoding, keystores, on-chain roles and the compiled contract artifact.

Imports ``ledger.proofs``, ``ledger.codes`` and the package's base modules; never the index.
"""
