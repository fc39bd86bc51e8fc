"""Hashing and proofs: keccak, Merkle trees (OpenZeppelin's StandardMerkleTree layout), custody
event hashing and EIP-712 typed data.

The bottom layer: pure functions over bytes and values; imports nothing of the ledger but
``ledger.errors``.
"""
