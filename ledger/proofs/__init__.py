"""Hashing and proofs: keccak, Merkle trees (OpenZeppelin's StandardMerkleTree layout), custody
event hashing, EIP-712 typed data and the inspection outcomes that ride in its ``reference`` word.

The bottom layer: pure functions over bytes and values; imports nothing of the ledger but
``ledger.errors``.
"""
