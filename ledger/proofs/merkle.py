"""Merkle trees laid out exactly as OpenZeppelin's StandardMerkleTree, so that the
contract's `MerkleProof` and OpenZeppelin's JavaScript library accept our roots and proofs.

Leaves are double-hashed (``keccak(keccak(abi.encode(values)))``) so a leaf can never be
mistaken for an inner node; pairs are hashed in sorted order, so proofs carry no left/right
flags. The tree is an array: root at 0, children of ``i`` at ``2i+1`` and ``2i+2``, the
leaves (sorted) at the end in reverse order.

>>> tree = MerkleTree.build([item_leaf(bytes(32), bytes(32)), event_leaf(b"\\x01" * 32)])
>>> leaf = event_leaf(b"\\x01" * 32)
>>> MerkleTree.verify(tree.root, leaf, tree.proof(leaf))
True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from eth_abi.abi import encode

from ..errors import LedgerError
from .keccak import keccak256, keccak_256

__all__ = ["LeafNotInTree", "MerkleTree", "attributes_hash", "event_leaf", "item_leaf"]


class LeafNotInTree(LedgerError):
    def __init__(self, leaf: bytes) -> None:
        self.leaf = leaf
        super().__init__(f"leaf 0x{leaf.hex()} is not in this tree")


def attributes_hash(lot: str | None, expiry: date | None) -> bytes:
    """``keccak256(abi.encode(string lot, uint32 yyyymmdd))``: binds lot and expiry into the leaf."""
    day = int(expiry.strftime("%Y%m%d")) if expiry else 0
    return keccak256(encode(["string", "uint32"], [lot or "", day]))


def item_leaf(item_id: bytes, attributes_hash: bytes) -> bytes:
    """Leaf of a registered item: StandardMerkleTree leaf for types ``["bytes32", "bytes32"]``."""
    return keccak256(keccak256(item_id + attributes_hash))


def event_leaf(event_hash: bytes) -> bytes:
    """Leaf of a custody event: StandardMerkleTree leaf for type ``["bytes32"]``."""
    return keccak256(keccak256(event_hash))


def _hash_pair(a: bytes, b: bytes) -> bytes:
    return keccak256(a + b if a < b else b + a)


@dataclass(frozen=True)
class MerkleTree:
    """An immutable tree; ``nodes[0]`` is the root."""

    nodes: tuple[bytes, ...]

    @classmethod
    def build(cls, leaves: Iterable[bytes]) -> MerkleTree:
        ordered = sorted(leaves)
        if not ordered:
            raise ValueError("a Merkle tree needs at least one leaf")
        size = 2 * len(ordered) - 1
        nodes: list[bytes] = [b""] * size
        nodes[size - len(ordered):] = reversed(ordered)
        k = keccak_256  # bound locally: this loop is most of an audit's tree rebuilding
        for i in range(size - len(ordered) - 1, -1, -1):
            a, b = nodes[2 * i + 1], nodes[2 * i + 2]
            nodes[i] = k(a + b if a < b else b + a).digest()
        return cls(tuple(nodes))

    @classmethod
    def parse(cls, blob: bytes) -> MerkleTree:
        """Read a tree from :meth:`to_bytes`' output."""
        if not blob or len(blob) % 32:
            raise ValueError(f"a stored tree is a non-empty multiple of 32 bytes, got {len(blob)}")
        return cls(tuple(blob[i:i + 32] for i in range(0, len(blob), 32)))

    def to_bytes(self) -> bytes:
        return b"".join(self.nodes)

    @property
    def root(self) -> bytes:
        return self.nodes[0]

    @property
    def leaf_count(self) -> int:
        return (len(self.nodes) + 1) // 2

    def leaves(self) -> list[bytes]:
        return list(self.nodes[len(self.nodes) - self.leaf_count:])

    def proof(self, leaf: bytes) -> list[bytes]:
        """The sibling hashes from ``leaf`` up to the root."""
        first = len(self.nodes) - self.leaf_count
        # Leaves sit reversed-sorted at the end, so a binary search finds one in O(log n).
        lo, hi = first, len(self.nodes)
        while lo < hi:
            mid = (lo + hi) // 2
            if self.nodes[mid] > leaf:
                lo = mid + 1
            else:
                hi = mid
        if lo >= len(self.nodes) or self.nodes[lo] != leaf:
            raise LeafNotInTree(leaf)
        return self._proof_at(lo)

    def _proof_at(self, index: int) -> list[bytes]:
        proof = []
        while index > 0:
            proof.append(self.nodes[index + 1 if index % 2 else index - 1])
            index = (index - 1) // 2
        return proof

    @staticmethod
    def verify(root: bytes, leaf: bytes, proof: Sequence[bytes]) -> bool:
        node = leaf
        for sibling in proof:
            node = _hash_pair(node, sibling)
        return node == root
