"""ProvenanceLedger on the embedded py-evm chain and on a real Hardhat node.

The contract is deployed from the committed artifact (ledger/chain/contracts/ProvenanceLedger.json),
a fresh instance per test. Merkle proofs come from OpenZeppelin's JS library
`@openzeppelin/merkle-tree` (StandardMerkleTree), run with `node`, which proves that the
contract accepts OpenZeppelin's standard trees.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any

import pytest
from eth_abi import encode
from eth_tester.exceptions import TransactionFailed
from eth_utils import keccak, to_checksum_address
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD
from web3.types import TxReceipt

from ledger.chain.revert import ErrorDecoder
from tests.integration._revert import reverts_with

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
ARTIFACT = json.loads((ROOT / "ledger" / "chain" / "contracts" / "ProvenanceLedger.json").read_text())
ERRORS = ErrorDecoder(ARTIFACT["abi"])

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
ZERO32 = b"\x00" * 32
PREFIX = "0614141"
OTHER_PREFIX = "4012345"
REGISTRATION_GAS_LIMIT = 100_000
# bindPrefix marks each shorter prefix of a new one (6 digits up): ~24k gas per digit beyond 6.
BIND_GAS_LIMIT = {6: 60_000, 7: 85_000, 12: 205_000}


class Kind(IntEnum):
    Registration = 0
    Shipment = 1
    Receipt = 2
    StatusChange = 3
    Inspection = 4
    Packing = 5


ROLE_NAMES = ["DEFAULT_ADMIN_ROLE", "BRAND_ROLE", "CUSTODIAN_ROLE", "OFFICER_ROLE", "AUDITOR_ROLE"]


def role_id(name: str) -> bytes:
    return ZERO32 if name == "DEFAULT_ADMIN_ROLE" else keccak(text=name)


def h(label: str) -> bytes:
    """A deterministic bytes32 for a label."""
    return keccak(text=label)


def anchor_hash(previous: bytes, root: bytes, kind: int, party: str, count: int, metadata: bytes) -> bytes:
    return keccak(
        encode(
            ["bytes32", "bytes32", "uint8", "address", "uint40", "bytes32"],
            [previous, root, kind, party, count, metadata],
        )
    )


def oz_tree(values: list[list[str]], types: list[str]) -> tuple[bytes, list[list[bytes]]]:
    """Root and per-value proofs of OpenZeppelin's StandardMerkleTree.of(values, types), via node."""
    script = """
const { StandardMerkleTree } = require("@openzeppelin/merkle-tree");
const { values, types } = JSON.parse(require("fs").readFileSync(0, "utf8"));
const tree = StandardMerkleTree.of(values, types);
process.stdout.write(JSON.stringify({ root: tree.root, proofs: values.map((v) => tree.getProof(v)) }));
"""
    done = subprocess.run(
        ["node", "-e", script],
        input=json.dumps({"values": values, "types": types}),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    out = json.loads(done.stdout)
    return bytes.fromhex(out["root"][2:]), [[bytes.fromhex(p[2:]) for p in proof] for proof in out["proofs"]]


@dataclass
class Ledger:
    w3: Web3
    contract: Contract
    admin: str
    brand: str
    other_brand: str
    custodian: str
    officer: str
    auditor: str
    stranger: str

    def party(self, name: str) -> str:
        return str(getattr(self, name))

    def transact(self, fn: Any, sender: str) -> TxReceipt:
        receipt = self.w3.eth.wait_for_transaction_receipt(fn.transact({"from": sender}))
        assert receipt["status"] == 1
        return receipt

    def register(self, root: bytes, count: int = 3, prefix: str = PREFIX, metadata: bytes = ZERO32,
                 sender: str | None = None) -> TxReceipt:
        fn = self.contract.functions.anchorRegistration(root, count, prefix, metadata)
        return self.transact(fn, sender or self.brand)

    def anchor_events(self, root: bytes, kind: int, count: int = 3, metadata: bytes = ZERO32,
                      sender: str | None = None) -> TxReceipt:
        fn = self.contract.functions.anchorEvents(root, kind, count, metadata)
        return self.transact(fn, sender or self.custodian)

    def anchor(self, root: bytes) -> dict[str, Any]:
        party, kind, count, block_number, digest = self.contract.functions.getAnchor(root).call()
        return {"party": party, "kind": kind, "count": count, "blockNumber": block_number, "anchorHash": digest}

    def anchor_count(self) -> int:
        return int(self.contract.functions.anchorCount().call())

    def latest(self) -> bytes:
        return bytes(self.contract.functions.latestAnchorHash().call())


@pytest.fixture
def ledger(web3_chain: Web3) -> Ledger:
    w3 = web3_chain
    accounts = [to_checksum_address(a) for a in w3.eth.accounts]
    admin, brand, other_brand, custodian, officer, auditor, stranger = accounts[:7]
    factory = w3.eth.contract(abi=ARTIFACT["abi"], bytecode=ARTIFACT["bytecode"])
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor(admin).transact({"from": admin}))
    assert receipt["status"] == 1
    contract = w3.eth.contract(address=receipt["contractAddress"], abi=ARTIFACT["abi"])
    assert isinstance(contract, Contract)
    led = Ledger(w3, contract,
                 admin, brand, other_brand, custodian, officer, auditor, stranger)
    grants = [("BRAND_ROLE", brand), ("BRAND_ROLE", other_brand), ("CUSTODIAN_ROLE", custodian),
              ("OFFICER_ROLE", officer), ("AUDITOR_ROLE", auditor)]
    for role, account in grants:
        led.transact(led.contract.functions.grantRole(role_id(role), account), admin)
    led.transact(led.contract.functions.bindPrefix(PREFIX, brand), admin)
    led.transact(led.contract.functions.bindPrefix(OTHER_PREFIX, other_brand), admin)
    return led


# --------------------------------------------------------------------------- ABI surface


def test_abi_surface_matches_the_spec() -> None:
    functions = {e["name"] for e in ARTIFACT["abi"] if e["type"] == "function"}
    assert functions == {
        # IProvenanceLedger
        "bindPrefix", "anchorRegistration", "anchorEvents", "prefixOwner", "getAnchor", "isAnchored",
        "latestAnchorHash", "anchorCount", "verifyItem", "verifyEvent", "conflictingPrefix", "commitPremises",
        "premisesHash", "publishProfile", "profileOf",
        # roles
        "DEFAULT_ADMIN_ROLE", "BRAND_ROLE", "CUSTODIAN_ROLE", "OFFICER_ROLE", "AUDITOR_ROLE",
        # OpenZeppelin AccessControl / ERC165
        "hasRole", "getRoleAdmin", "grantRole", "revokeRole", "renounceRole", "supportsInterface",
    }
    assert ERRORS.names() == {
        "InvalidPrefix", "NotABrand", "PrefixAlreadyBound", "PrefixNests", "PrefixNotOwned", "RootAlreadyAnchored",
        "ZeroRoot", "EmptyAnchor", "KindNotAllowed", "NotAGoodsHolder", "NotAParty", "InvalidProfileName",
        "InvalidServiceUrl", "AccessControlUnauthorizedAccount", "AccessControlBadConfirmation",
    }
    events = {e["name"] for e in ARTIFACT["abi"] if e["type"] == "event"}
    assert {"PrefixBound", "AnchorRecorded", "BatchRegistered", "PremisesCommitted", "ProfilePublished"} <= events
    recorded = next(e for e in ARTIFACT["abi"] if e["type"] == "event" and e["name"] == "AnchorRecorded")
    assert [(i["name"], i["type"], i["indexed"]) for i in recorded["inputs"]] == [
        ("sequence", "uint256", True), ("root", "bytes32", True), ("party", "address", True),
        ("kind", "uint8", False), ("count", "uint40", False), ("metadataHash", "bytes32", False),
        ("previousAnchorHash", "bytes32", False), ("anchorHash", "bytes32", False),
    ]


# --------------------------------------------------------------------------- roles


def test_constructor_grants_only_the_admin_role(web3_chain: Web3) -> None:
    w3 = web3_chain
    admin, other = (to_checksum_address(a) for a in w3.eth.accounts[:2])
    factory = w3.eth.contract(abi=ARTIFACT["abi"], bytecode=ARTIFACT["bytecode"])
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor(other).transact({"from": admin}))
    c = w3.eth.contract(address=receipt["contractAddress"], abi=ARTIFACT["abi"])
    assert c.functions.hasRole(ZERO32, other).call() is True
    assert c.functions.hasRole(ZERO32, admin).call() is False  # the deployer is not the admin
    for name in ROLE_NAMES:
        assert bytes(c.functions[name]().call()) == role_id(name)
        assert bytes(c.functions.getRoleAdmin(role_id(name)).call()) == ZERO32
    assert c.functions.anchorCount().call() == 0
    assert bytes(c.functions.latestAnchorHash().call()) == ZERO32
    assert c.functions.supportsInterface(bytes.fromhex("7965db0b")).call() is True  # IAccessControl
    assert c.functions.supportsInterface(bytes.fromhex("01ffc9a7")).call() is True  # IERC165


def test_admin_onboards_and_offboards_parties(ledger: Ledger) -> None:
    c = ledger.contract
    custodian = role_id("CUSTODIAN_ROLE")
    assert c.functions.hasRole(custodian, ledger.stranger).call() is False
    ledger.transact(c.functions.grantRole(custodian, ledger.stranger), ledger.admin)
    assert c.functions.hasRole(custodian, ledger.stranger).call() is True
    ledger.anchor_events(h("s1"), Kind.Shipment, sender=ledger.stranger)
    ledger.transact(c.functions.revokeRole(custodian, ledger.stranger), ledger.admin)
    assert c.functions.hasRole(custodian, ledger.stranger).call() is False
    with reverts_with(ERRORS, "KindNotAllowed", Kind.Shipment, ledger.stranger):
        ledger.anchor_events(h("s2"), Kind.Shipment, sender=ledger.stranger)


@pytest.mark.parametrize("caller", ["brand", "custodian", "officer", "auditor", "stranger"])
@pytest.mark.parametrize("action", ["grantRole", "revokeRole"])
def test_only_the_admin_manages_roles(ledger: Ledger, caller: str, action: str) -> None:
    sender = ledger.party(caller)
    fn = ledger.contract.functions[action](role_id("BRAND_ROLE"), ledger.stranger)
    with reverts_with(ERRORS, "AccessControlUnauthorizedAccount", sender, ZERO32):
        ledger.transact(fn, sender)


def test_renounce_role_needs_confirmation(ledger: Ledger) -> None:
    c = ledger.contract
    brand_role = role_id("BRAND_ROLE")
    with reverts_with(ERRORS, "AccessControlBadConfirmation"):
        ledger.transact(c.functions.renounceRole(brand_role, ledger.brand), ledger.stranger)
    ledger.transact(c.functions.renounceRole(brand_role, ledger.brand), ledger.brand)
    assert c.functions.hasRole(brand_role, ledger.brand).call() is False


# --------------------------------------------------------------------------- prefixes


@pytest.mark.parametrize("prefix", ["061415", "00000000", "123456789012"])
def test_bind_prefix(ledger: Ledger, prefix: str) -> None:
    c = ledger.contract
    other = "999999" if prefix != "999999" else "888888"
    assert c.functions.prefixOwner(other).call() == ZERO_ADDRESS
    receipt = ledger.transact(c.functions.bindPrefix(prefix, ledger.brand), ledger.admin)
    (event,) = c.events.PrefixBound().process_receipt(receipt, errors=DISCARD)
    assert event["args"]["prefix"] == prefix
    assert event["args"]["brand"] == ledger.brand
    assert c.functions.prefixOwner(prefix).call() == ledger.brand
    assert c.functions.prefixOwner(PREFIX).call() == ledger.brand
    assert c.functions.prefixOwner(OTHER_PREFIX).call() == ledger.other_brand


@pytest.mark.parametrize(
    "prefix",
    [
        "",
        "12345",  # too short
        "1234567890123",  # too long
        "06141a",
        "061414 ",
        " 061414",
        "-61414",
        "0614.41",
        "０６１４１４",  # full-width digits are not ASCII digits
        "06141٤",  # Arabic-Indic digit
        "/12345",  # '0' - 1
        ":12345",  # '9' + 1
    ],
)
def test_bind_prefix_rejects_invalid_prefixes(ledger: Ledger, prefix: str) -> None:
    with reverts_with(ERRORS, "InvalidPrefix", prefix):
        ledger.transact(ledger.contract.functions.bindPrefix(prefix, ledger.brand), ledger.admin)


@pytest.mark.parametrize("target", ["custodian", "officer", "auditor", "stranger", "admin"])
def test_bind_prefix_needs_a_brand(ledger: Ledger, target: str) -> None:
    account = ledger.party(target)
    with reverts_with(ERRORS, "NotABrand", account):
        ledger.transact(ledger.contract.functions.bindPrefix("555555", account), ledger.admin)
    assert ledger.contract.functions.prefixOwner("555555").call() == ZERO_ADDRESS


@pytest.mark.parametrize("second_owner", ["brand", "other_brand"])
def test_prefix_bound_twice(ledger: Ledger, second_owner: str) -> None:
    fn = ledger.contract.functions.bindPrefix(PREFIX, ledger.party(second_owner))
    with reverts_with(ERRORS, "PrefixAlreadyBound", PREFIX, ledger.brand):
        ledger.transact(fn, ledger.admin)
    assert ledger.contract.functions.prefixOwner(PREFIX).call() == ledger.brand


# GS1 company prefixes never nest: with 0614141 bound, a prefix it starts with (shorter) or one that
# starts with it (longer) would give the same GTINs two owners, whichever brand asks.
@pytest.mark.parametrize("owner", ["brand", "other_brand"])
@pytest.mark.parametrize(("prefix", "bound"), [
    ("061414", PREFIX),  # shorter: 0614141 starts with it
    ("06141412", PREFIX),  # longer: it starts with 0614141
    ("061414123456", PREFIX),  # the longest there is
    ("401234", OTHER_PREFIX),
    ("40123456789", OTHER_PREFIX),
])
def test_nested_prefixes_are_refused(ledger: Ledger, prefix: str, bound: str, owner: str) -> None:
    c = ledger.contract
    bound_owner = c.functions.prefixOwner(bound).call()
    with reverts_with(ERRORS, "PrefixNests", prefix, bound, bound_owner):
        ledger.transact(c.functions.bindPrefix(prefix, ledger.party(owner)), ledger.admin)
    assert c.functions.prefixOwner(prefix).call() == ZERO_ADDRESS
    assert c.functions.conflictingPrefix(prefix).call() == [bound, bound_owner]


def test_nesting_is_refused_both_ways_at_every_length(ledger: Ledger) -> None:
    """A 12-digit binding refuses each of its shorter prefixes; each shorter binding refuses every extension."""
    c, long_prefix = ledger.contract, "123456789012"
    ledger.transact(c.functions.bindPrefix(long_prefix, ledger.other_brand), ledger.admin)
    for length in range(6, 12):
        with reverts_with(ERRORS, "PrefixNests", long_prefix[:length], long_prefix, ledger.other_brand):
            ledger.transact(c.functions.bindPrefix(long_prefix[:length], ledger.brand), ledger.admin)
    short = "555555"
    ledger.transact(c.functions.bindPrefix(short, ledger.brand), ledger.admin)
    for length in range(7, 13):
        longer = (short + "012345")[:length]
        with reverts_with(ERRORS, "PrefixNests", longer, short, ledger.brand):
            ledger.transact(c.functions.bindPrefix(longer, ledger.other_brand), ledger.admin)


def test_siblings_share_a_start_but_do_not_nest(ledger: Ledger) -> None:
    c = ledger.contract
    for prefix, owner in (("0614142", ledger.other_brand), ("061415", ledger.other_brand),
                          ("0614149999", ledger.brand), ("06141", None)):
        if owner is None:  # too short to be a company prefix at all
            with pytest.raises((ContractLogicError, TransactionFailed)):
                c.functions.conflictingPrefix(prefix).call()
            continue
        assert c.functions.conflictingPrefix(prefix).call() == ["", ZERO_ADDRESS]
        ledger.transact(c.functions.bindPrefix(prefix, owner), ledger.admin)
        assert c.functions.prefixOwner(prefix).call() == owner
        assert c.functions.conflictingPrefix(prefix).call() == [prefix, owner]
    # 061414 starts three bound prefixes; the error names the first one bound.
    with reverts_with(ERRORS, "PrefixNests", "061414", PREFIX, ledger.brand):
        ledger.transact(c.functions.bindPrefix("061414", ledger.brand), ledger.admin)


def test_a_prefix_that_only_starts_a_bound_one_owns_nothing(ledger: Ledger) -> None:
    """The marks bindPrefix leaves on shorter prefixes are not bindings: no owner, no registrations under them."""
    assert ledger.contract.functions.prefixOwner("061414").call() == ZERO_ADDRESS
    with reverts_with(ERRORS, "PrefixNotOwned", "061414", ledger.brand):
        ledger.register(h("under a mark"), prefix="061414")


@pytest.mark.parametrize("length", sorted(BIND_GAS_LIMIT))
def test_bind_prefix_gas_grows_with_length_only(ledger: Ledger, length: int) -> None:
    receipt = ledger.transact(ledger.contract.functions.bindPrefix("789012345678"[:length], ledger.brand), ledger.admin)
    assert receipt["gasUsed"] < BIND_GAS_LIMIT[length]


@pytest.mark.parametrize("caller", ["brand", "custodian", "officer", "auditor", "stranger"])
def test_only_the_admin_binds_prefixes(ledger: Ledger, caller: str) -> None:
    sender = ledger.party(caller)
    with reverts_with(ERRORS, "AccessControlUnauthorizedAccount", sender, ZERO32):
        ledger.transact(ledger.contract.functions.bindPrefix("777777", ledger.brand), sender)


# --------------------------------------------------------------------------- premises


@pytest.mark.parametrize("caller", ["brand", "custodian"])
def test_goods_holders_commit_their_premises(ledger: Ledger, caller: str) -> None:
    c, sender = ledger.contract, ledger.party(caller)
    assert bytes(c.functions.premisesHash(sender).call()) == ZERO32
    for digest in (h("premises 1"), h("premises 2"), ZERO32):
        receipt = ledger.transact(c.functions.commitPremises(digest), sender)
        (event,) = c.events.PremisesCommitted().process_receipt(receipt, errors=DISCARD)
        assert dict(event["args"]) == {"party": sender, "premisesHash": digest}
        assert bytes(c.functions.premisesHash(sender).call()) == digest
    assert bytes(c.functions.premisesHash(ledger.other_brand).call()) == ZERO32


@pytest.mark.parametrize("caller", ["officer", "auditor", "admin", "stranger"])
def test_only_goods_holders_commit_premises(ledger: Ledger, caller: str) -> None:
    sender = ledger.party(caller)
    with reverts_with(ERRORS, "NotAGoodsHolder", sender):
        ledger.transact(ledger.contract.functions.commitPremises(h("premises")), sender)
    assert bytes(ledger.contract.functions.premisesHash(sender).call()) == ZERO32


# --------------------------------------------------------------------------- anchoring


def test_anchor_registration(ledger: Ledger) -> None:
    c = ledger.contract
    root, metadata = h("batch-1"), h("metadata-1")
    assert c.functions.isAnchored(root).call() is False
    receipt = ledger.register(root, count=100_000, metadata=metadata)
    expected_hash = anchor_hash(ZERO32, root, Kind.Registration, ledger.brand, 100_000, metadata)

    assert c.functions.isAnchored(root).call() is True
    assert ledger.anchor(root) == {
        "party": ledger.brand, "kind": Kind.Registration, "count": 100_000,
        "blockNumber": receipt["blockNumber"], "anchorHash": expected_hash,
    }
    assert ledger.latest() == expected_hash
    assert ledger.anchor_count() == 1

    # AnchorRecorded first, then BatchRegistered, both from this contract.
    recorded_topic = keccak(text="AnchorRecorded(uint256,bytes32,address,uint8,uint40,bytes32,bytes32,bytes32)")
    registered_topic = keccak(text="BatchRegistered(bytes32,address,string)")
    assert [bytes(log["topics"][0]) for log in receipt["logs"]] == [recorded_topic, registered_topic]
    (recorded,) = c.events.AnchorRecorded().process_receipt(receipt, errors=DISCARD)
    assert dict(recorded["args"]) == {
        "sequence": 0, "root": root, "party": ledger.brand, "kind": Kind.Registration, "count": 100_000,
        "metadataHash": metadata, "previousAnchorHash": ZERO32, "anchorHash": expected_hash,
    }
    (registered,) = c.events.BatchRegistered().process_receipt(receipt, errors=DISCARD)
    assert dict(registered["args"]) == {"root": root, "brand": ledger.brand, "companyPrefix": PREFIX}


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("zero root", "ZeroRoot"),
        ("zero count", "EmptyAnchor"),
        ("prefix of another brand", "PrefixNotOwned"),
        ("unbound prefix", "PrefixNotOwned"),
        ("invalid prefix", "PrefixNotOwned"),
        ("custodian", "AccessControlUnauthorizedAccount"),
        ("officer", "AccessControlUnauthorizedAccount"),
        ("auditor", "AccessControlUnauthorizedAccount"),
        ("admin", "AccessControlUnauthorizedAccount"),
        ("revoked brand", "AccessControlUnauthorizedAccount"),
    ],
)
def test_anchor_registration_errors(ledger: Ledger, case: str, error: str) -> None:
    root, count, prefix, sender = h(case), 10, PREFIX, ledger.brand
    args: tuple[Any, ...] = ()
    if case == "zero root":
        root = ZERO32
    elif case == "zero count":
        count = 0
    elif case in ("prefix of another brand", "unbound prefix", "invalid prefix"):
        prefix = {"prefix of another brand": OTHER_PREFIX, "unbound prefix": "111111", "invalid prefix": "x"}[case]
        args = (prefix, ledger.brand)
    elif case == "revoked brand":
        ledger.transact(ledger.contract.functions.revokeRole(role_id("BRAND_ROLE"), ledger.brand), ledger.admin)
        args = (ledger.brand, role_id("BRAND_ROLE"))
    else:
        sender = ledger.party(case)
        args = (sender, role_id("BRAND_ROLE"))
    with reverts_with(ERRORS, error, *args):
        ledger.register(root, count=count, prefix=prefix, sender=sender)
    assert ledger.anchor_count() == 0
    assert ledger.latest() == ZERO32
    assert ledger.contract.functions.isAnchored(root).call() is False


ALLOWED = {
    Kind.Registration: set(),
    Kind.Shipment: {"brand", "custodian"},
    Kind.Receipt: {"brand", "custodian"},
    Kind.Packing: {"brand", "custodian"},
    Kind.StatusChange: {"brand", "custodian", "officer"},
    Kind.Inspection: {"officer"},
}
CALLERS = ["brand", "custodian", "officer", "auditor", "admin", "stranger"]


@pytest.mark.parametrize(
    ("kind", "caller", "allowed"),
    [(kind, caller, caller in ALLOWED[kind]) for kind in Kind for caller in CALLERS],
    ids=lambda v: v.name if isinstance(v, Kind) else str(v),
)
def test_anchor_events_role_matrix(ledger: Ledger, kind: Kind, caller: str, allowed: bool) -> None:
    sender, root, metadata = ledger.party(caller), h(f"{kind.name}-{caller}"), h("m")
    if not allowed:
        with reverts_with(ERRORS, "KindNotAllowed", kind, sender):
            ledger.anchor_events(root, kind, metadata=metadata, sender=sender)
        assert ledger.anchor_count() == 0
        return
    receipt = ledger.anchor_events(root, kind, count=7, metadata=metadata, sender=sender)
    expected_hash = anchor_hash(ZERO32, root, kind, sender, 7, metadata)
    assert ledger.anchor(root) == {
        "party": sender, "kind": kind, "count": 7, "blockNumber": receipt["blockNumber"], "anchorHash": expected_hash
    }
    assert [bytes(log["topics"][0]) for log in receipt["logs"]] == [
        keccak(text="AnchorRecorded(uint256,bytes32,address,uint8,uint40,bytes32,bytes32,bytes32)")
    ]
    (recorded,) = ledger.contract.events.AnchorRecorded().process_receipt(receipt, errors=DISCARD)
    assert recorded["args"]["kind"] == kind and recorded["args"]["party"] == sender
    assert recorded["args"]["anchorHash"] == expected_hash


def test_registration_kind_is_refused_even_to_a_brand_with_every_role(ledger: Ledger) -> None:
    c = ledger.contract
    for role in ("CUSTODIAN_ROLE", "OFFICER_ROLE", "AUDITOR_ROLE"):
        ledger.transact(c.functions.grantRole(role_id(role), ledger.brand), ledger.admin)
    with reverts_with(ERRORS, "KindNotAllowed", Kind.Registration, ledger.brand):
        ledger.anchor_events(h("r"), Kind.Registration, sender=ledger.brand)


def test_anchor_events_rejects_an_out_of_range_kind(ledger: Ledger) -> None:
    """An enum value past Packing never reaches the contract logic (ABI decoding reverts)."""
    data = ledger.contract.encode_abi("anchorEvents", [h("x"), 0, 1, ZERO32])
    selector_and_root = data[: 2 + 8 + 64]
    bad = selector_and_root + f"{6:064x}" + data[2 + 8 + 128:]
    with pytest.raises((ContractLogicError, TransactionFailed)):  # a plain revert, no custom error
        ledger.w3.eth.call({"from": ledger.custodian, "to": ledger.contract.address, "data": bad})


@pytest.mark.parametrize(
    ("case", "error"),
    [("zero root", "ZeroRoot"), ("zero count", "EmptyAnchor")],
)
@pytest.mark.parametrize("kind", [k for k in Kind if k is not Kind.Registration], ids=lambda k: k.name)
def test_anchor_events_errors(ledger: Ledger, case: str, error: str, kind: Kind) -> None:
    sender = ledger.officer if kind is Kind.Inspection else ledger.custodian
    root, count = (ZERO32, 1) if case == "zero root" else (h("e"), 0)
    with reverts_with(ERRORS, error):
        ledger.anchor_events(root, kind, count=count, sender=sender)
    assert ledger.anchor_count() == 0


def test_zero_root_is_checked_before_count_and_before_duplicates(ledger: Ledger) -> None:
    with reverts_with(ERRORS, "ZeroRoot"):
        ledger.anchor_events(ZERO32, Kind.Shipment, count=0)
    ledger.anchor_events(h("dup"), Kind.Shipment)
    with reverts_with(ERRORS, "EmptyAnchor"):
        ledger.anchor_events(h("dup"), Kind.Shipment, count=0)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("registration", "registration"),
        ("registration", "events"),
        ("events", "registration"),
        ("events", "events"),
        ("events", "events by another party"),
        ("registration", "registration by another brand"),
    ],
)
def test_root_anchored_twice(ledger: Ledger, first: str, second: str) -> None:
    root = h("the-root")
    if first == "registration":
        ledger.register(root, count=5, metadata=h("first"))
    else:
        ledger.anchor_events(root, Kind.Shipment, count=5, metadata=h("first"))
    before = ledger.anchor(root)
    latest = ledger.latest()

    with reverts_with(ERRORS, "RootAlreadyAnchored", root):
        if second == "registration":
            ledger.register(root, count=9, metadata=h("second"))
        elif second == "registration by another brand":
            ledger.register(root, count=9, prefix=OTHER_PREFIX, metadata=h("second"), sender=ledger.other_brand)
        elif second == "events":
            ledger.anchor_events(root, Kind.Receipt, count=9, metadata=h("second"))
        else:
            ledger.anchor_events(root, Kind.StatusChange, count=9, metadata=h("second"), sender=ledger.officer)
    assert ledger.anchor(root) == before  # never overwritten
    assert ledger.latest() == latest
    assert ledger.anchor_count() == 1


def test_anchor_hash_chain(ledger: Ledger) -> None:
    """Every anchor commits to its predecessor; Python recomputes the chain from the events."""
    c = ledger.contract
    steps: list[tuple[str, bytes, Kind, int, bytes]] = [
        ("brand", h("reg-1"), Kind.Registration, 100_000, h("meta-1")),
        ("custodian", h("ship-1"), Kind.Shipment, 40_000, h("meta-2")),
        ("other_brand", h("reg-2"), Kind.Registration, 1, ZERO32),
        ("officer", h("insp-1"), Kind.Inspection, 12, h("meta-4")),
        ("custodian", h("recv-1"), Kind.Receipt, 40_000, h("meta-5")),
        ("brand", h("pack-1"), Kind.Packing, 2**40 - 1, h("meta-6")),
        ("officer", h("status-1"), Kind.StatusChange, 3, h("meta-7")),
    ]
    previous = ZERO32
    for sequence, (who, root, kind, count, metadata) in enumerate(steps):
        sender = ledger.party(who)
        if kind is Kind.Registration:
            prefix = PREFIX if who == "brand" else OTHER_PREFIX
            receipt = ledger.register(root, count=count, prefix=prefix, metadata=metadata, sender=sender)
        else:
            receipt = ledger.anchor_events(root, kind, count=count, metadata=metadata, sender=sender)
        expected = anchor_hash(previous, root, kind, sender, count, metadata)
        (event,) = c.events.AnchorRecorded().process_receipt(receipt, errors=DISCARD)
        assert event["args"]["sequence"] == sequence
        assert event["args"]["previousAnchorHash"] == previous
        assert event["args"]["anchorHash"] == expected
        assert ledger.anchor(root)["anchorHash"] == expected
        assert ledger.latest() == expected
        assert ledger.anchor_count() == sequence + 1
        previous = expected

    # The whole chain, re-derived from the logs alone.
    logs = c.events.AnchorRecorded().get_logs(from_block=0)
    logs = [log for log in logs if log["address"] == c.address]
    chain = ZERO32
    for log, (who, root, kind, count, metadata) in zip(logs, steps, strict=True):
        a = log["args"]
        assert (a["root"], a["kind"], a["party"], a["count"], a["metadataHash"]) == (
            root, kind, ledger.party(who), count, metadata)
        chain = anchor_hash(chain, a["root"], a["kind"], a["party"], a["count"], a["metadataHash"])
        assert a["anchorHash"] == chain
    assert chain == ledger.latest()


def test_get_anchor_of_an_unknown_root_is_all_zero(ledger: Ledger) -> None:
    assert ledger.anchor(h("nothing")) == {
        "party": ZERO_ADDRESS, "kind": 0, "count": 0, "blockNumber": 0, "anchorHash": ZERO32
    }
    assert ledger.contract.functions.isAnchored(h("nothing")).call() is False
    assert ledger.contract.functions.isAnchored(ZERO32).call() is False


# --------------------------------------------------------------------------- gas


def test_gas_of_anchoring(ledger: Ledger, request: pytest.FixtureRequest) -> None:
    """A registration of 100,000 items costs under 100,000 gas (< 1 gas per item), the first one included."""
    c = ledger.contract
    twelve = "123456789012"
    ledger.transact(c.functions.bindPrefix(twelve, ledger.brand), ledger.admin)
    registrations = [
        ledger.register(h("gas-reg-1"), count=100_000, metadata=h("m1")),  # first anchor of the contract
        ledger.register(h("gas-reg-2"), count=100_000, prefix=twelve, metadata=h("m2")),
        ledger.register(h("gas-reg-3"), count=2**40 - 1, metadata=h("m3")),
    ]
    events = [
        ledger.anchor_events(h("gas-ev-1"), Kind.Shipment, count=100_000, metadata=h("m4")),
        ledger.anchor_events(h("gas-ev-2"), Kind.Inspection, count=100_000, metadata=h("m5"), sender=ledger.officer),
    ]
    reg_gas = [r["gasUsed"] for r in registrations]
    ev_gas = [r["gasUsed"] for r in events]
    request.node.user_properties.append(("anchorRegistration_gas", reg_gas))
    request.node.user_properties.append(("anchorEvents_gas", ev_gas))
    print(f"anchorRegistration gasUsed: {reg_gas}; anchorEvents gasUsed: {ev_gas}")
    for gas in reg_gas + ev_gas:
        assert gas < REGISTRATION_GAS_LIMIT
    assert max(reg_gas) / 100_000 < 1  # gas per item for a batch of 100,000 items


# --------------------------------------------------------------------------- Merkle verification


def _items(n: int) -> list[tuple[bytes, bytes]]:
    return [(h(f"item-{i}"), h(f"attributes-{i}")) for i in range(n)]


def _hex(b: bytes) -> str:
    return "0x" + b.hex()


@pytest.mark.parametrize("n", [1, 2, 7])
def test_verify_item_with_openzeppelin_standard_tree(ledger: Ledger, n: int) -> None:
    c = ledger.contract
    items = _items(n)
    root, proofs = oz_tree([[_hex(i), _hex(a)] for i, a in items], ["bytes32", "bytes32"])
    # Not anchored yet: nothing is included.
    assert c.functions.verifyItem(root, items[0][0], items[0][1], proofs[0]).call() == [False, ZERO_ADDRESS]
    ledger.register(root, count=n)
    for (item_id, attributes), proof in zip(items, proofs, strict=True):
        assert c.functions.verifyItem(root, item_id, attributes, proof).call() == [True, ledger.brand]

    item_id, attributes = items[0]
    # A wrong item: attributes altered, unknown item, fields swapped.
    assert c.functions.verifyItem(root, item_id, h("forged"), proofs[0]).call() == [False, ZERO_ADDRESS]
    assert c.functions.verifyItem(root, h("unknown"), attributes, proofs[0]).call() == [False, ZERO_ADDRESS]
    if n > 1:
        assert c.functions.verifyItem(root, attributes, item_id, proofs[0]).call() == [False, ZERO_ADDRESS]
        # A wrong proof: another item's proof, a truncated proof, a tampered node.
        assert c.functions.verifyItem(root, item_id, attributes, proofs[1]).call() == [False, ZERO_ADDRESS]
        assert c.functions.verifyItem(root, item_id, attributes, proofs[0][:-1]).call() == [False, ZERO_ADDRESS]
        tampered = [h("x")] + proofs[0][1:]
        assert c.functions.verifyItem(root, item_id, attributes, tampered).call() == [False, ZERO_ADDRESS]
    else:
        assert proofs[0] == []
        assert c.functions.verifyItem(root, item_id, attributes, [h("x")]).call() == [False, ZERO_ADDRESS]
    # A bare single-hash leaf (not the standard double hash) is not accepted either.
    single = keccak(encode(["bytes32", "bytes32"], [item_id, attributes]))
    if n == 1:
        assert c.functions.verifyItem(single, item_id, attributes, []).call() == [False, ZERO_ADDRESS]


def test_verify_item_refuses_a_root_of_the_wrong_kind(ledger: Ledger) -> None:
    """The same tree anchored as an event batch proves nothing about registered items."""
    c = ledger.contract
    items = _items(4)
    root, proofs = oz_tree([[_hex(i), _hex(a)] for i, a in items], ["bytes32", "bytes32"])
    ledger.anchor_events(root, Kind.Shipment, count=4)
    assert c.functions.verifyItem(root, items[2][0], items[2][1], proofs[2]).call() == [False, ZERO_ADDRESS]


@pytest.mark.parametrize(
    ("kind", "sender"),
    [(Kind.Shipment, "custodian"), (Kind.Receipt, "brand"), (Kind.StatusChange, "officer"),
     (Kind.Inspection, "officer"), (Kind.Packing, "custodian")],
    ids=lambda v: v.name if isinstance(v, Kind) else str(v),
)
def test_verify_event_with_openzeppelin_standard_tree(ledger: Ledger, kind: Kind, sender: str) -> None:
    c = ledger.contract
    events = [h(f"{kind.name}-event-{i}") for i in range(5)]
    root, proofs = oz_tree([[_hex(e)] for e in events], ["bytes32"])
    none = [False, ZERO_ADDRESS, 0]
    assert c.functions.verifyEvent(root, events[0], proofs[0]).call() == none
    party = ledger.party(sender)
    ledger.anchor_events(root, kind, count=5, sender=party)
    for event_hash, proof in zip(events, proofs, strict=True):
        assert c.functions.verifyEvent(root, event_hash, proof).call() == [True, party, kind]
    assert c.functions.verifyEvent(root, h("not-an-event"), proofs[0]).call() == none  # wrong event
    assert c.functions.verifyEvent(root, events[0], proofs[1]).call() == none  # wrong proof
    assert c.functions.verifyEvent(root, events[0], []).call() == none
    assert c.functions.verifyEvent(h("other-root"), events[0], proofs[0]).call() == none  # not anchored


def test_verify_event_refuses_a_registration_root(ledger: Ledger) -> None:
    c = ledger.contract
    events = [h(f"e-{i}") for i in range(3)]
    root, proofs = oz_tree([[_hex(e)] for e in events], ["bytes32"])
    ledger.register(root, count=3)
    assert c.functions.verifyEvent(root, events[1], proofs[1]).call() == [False, ZERO_ADDRESS, 0]


def test_item_and_event_leaves_do_not_collide(ledger: Ledger) -> None:
    """A registration tree's proof does not verify as an event, nor the other way round."""
    c = ledger.contract
    items = _items(3)
    item_root, item_proofs = oz_tree([[_hex(i), _hex(a)] for i, a in items], ["bytes32", "bytes32"])
    ledger.register(item_root, count=3)
    events = [h(f"ev-{i}") for i in range(3)]
    event_root, event_proofs = oz_tree([[_hex(e)] for e in events], ["bytes32"])
    ledger.anchor_events(event_root, Kind.Receipt, count=3)
    assert c.functions.verifyEvent(event_root, items[0][0], item_proofs[0]).call() == [False, ZERO_ADDRESS, 0]
    assert c.functions.verifyItem(item_root, events[0], events[1], event_proofs[0]).call() == [False, ZERO_ADDRESS]
