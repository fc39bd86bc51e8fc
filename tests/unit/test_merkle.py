"""Merkle trees: property tests, and byte-for-byte agreement with OpenZeppelin's JS library."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.proofs.merkle import LeafNotInTree, MerkleTree, event_leaf, item_leaf
from tests._hardhat import ROOT

hashes = st.binary(min_size=32, max_size=32)


@given(st.lists(hashes, min_size=1, max_size=64, unique=True))
def test_every_leaf_proves_and_round_trips(values: list[bytes]) -> None:
    leaves = [event_leaf(v) for v in values]
    tree = MerkleTree.build(leaves)
    assert MerkleTree.parse(tree.to_bytes()) == tree
    assert sorted(tree.leaves()) == sorted(leaves)
    for leaf in leaves:
        assert MerkleTree.verify(tree.root, leaf, tree.proof(leaf))


@given(st.lists(hashes, min_size=2, max_size=32, unique=True), st.data())
def test_proofs_do_not_transfer(values: list[bytes], data: st.DataObject) -> None:
    tree = MerkleTree.build(event_leaf(v) for v in values)
    a, b = data.draw(st.sampled_from(values)), data.draw(st.sampled_from(values))
    if a != b:
        assert not MerkleTree.verify(tree.root, event_leaf(a), tree.proof(event_leaf(b)))
    with pytest.raises(LeafNotInTree):
        tree.proof(event_leaf(b"\xff" * 32 if b"\xff" * 32 not in values else b"\xfe" * 32))


@given(st.lists(hashes, min_size=1, max_size=16, unique=True), st.integers(0, 255))
def test_a_flipped_proof_byte_fails(values: list[bytes], flip: int) -> None:
    tree = MerkleTree.build(event_leaf(v) for v in values)
    leaf = event_leaf(values[0])
    proof = tree.proof(leaf)
    if proof:
        bad = bytearray(proof[0])
        bad[flip % 32] ^= 1
        assert not MerkleTree.verify(tree.root, leaf, [bytes(bad), *proof[1:]])


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 257])
def test_matches_openzeppelin_standard_merkle_tree(size: int) -> None:
    """Same root and proofs as @openzeppelin/merkle-tree for ["bytes32", "bytes32"] leaves."""
    assert shutil.which("node"), "Node.js is needed for this compatibility test"
    values = [[(i * 7919 + 1).to_bytes(32, "big"), (i % 3).to_bytes(32, "big")] for i in range(size)]
    script = """
      const { StandardMerkleTree } = require("@openzeppelin/merkle-tree");
      const values = JSON.parse(process.argv[1]);
      const tree = StandardMerkleTree.of(values, ["bytes32", "bytes32"]);
      const proofs = values.map((v) => tree.getProof(v));
      console.log(JSON.stringify({ root: tree.root, proofs }));
    """
    arg = json.dumps([["0x" + a.hex(), "0x" + b.hex()] for a, b in values])
    out = json.loads(subprocess.run(["node", "-e", script, arg], cwd=ROOT, check=True, capture_output=True, text=True).stdout)
    tree = MerkleTree.build(item_leaf(a, b) for a, b in values)
    assert "0x" + tree.root.hex() == out["root"]
    for (a, b), proof in zip(values, out["proofs"], strict=False):
        assert ["0x" + p.hex() for p in tree.proof(item_leaf(a, b))] == proof


@settings(max_examples=25)
@given(st.lists(hashes, min_size=1, max_size=8, unique=True))
def test_event_leaf_is_double_hashed(values: list[bytes]) -> None:
    from eth_abi import encode
    from eth_utils import keccak

    for v in values:
        assert event_leaf(v) == keccak(keccak(encode(["bytes32"], [v])))
