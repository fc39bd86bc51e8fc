"""Audit of the anchors: the index's anchor rows against the contract's logs and storage,
the anchors' own hash chain, and each anchor's EIP-712 signature against the party's role."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from eth_account.messages import SignableMessage
from eth_keys.exceptions import BadSignature
from eth_utils.exceptions import ValidationError

from ..chain.client import AnchorRecord, ChainClient
from ..index.models import Anchor
from ..proofs.events import Action, AnchorKind
from ..proofs.keccak import keccak256
from ..proofs.typed_data import ActionMessage, Domain, RegistrationMessage, recover
from .findings import Finding, FindingCode

__all__ = ["AnchorRow", "anchor_hash", "check_anchor_chain", "check_anchor_rows", "check_signatures", "chain_anchors",
           "check_unindexed_anchors"]

_LOG_BLOCKS = 5_000  # blocks per eth_getLogs request: nodes cap the range a query may span

# Who may anchor each kind, as the contract's `_mayAnchor` and `anchorRegistration` decide.
_ROLES_FOR_KIND = {
    AnchorKind.REGISTRATION: ("BRAND",),
    AnchorKind.SHIPMENT: ("BRAND", "CUSTODIAN"),
    AnchorKind.RECEIPT: ("BRAND", "CUSTODIAN"),
    AnchorKind.PACKING: ("BRAND", "CUSTODIAN"),
    AnchorKind.STATUS_CHANGE: ("BRAND", "CUSTODIAN", "OFFICER"),
    AnchorKind.INSPECTION: ("OFFICER",),
}


@dataclass(frozen=True)
class AnchorRow:
    """An index anchor row with what its signed message needs from other tables."""

    row: Anchor
    company_prefix: str | None = None  # registrations: the batch's prefix


def _h(data: bytes) -> str:
    return "0x" + data.hex()


def chain_anchors(chain: ChainClient) -> list[AnchorRecord]:
    """Every ``AnchorRecorded`` log of the contract, in sequence order."""
    head = chain.block_number()
    records: list[AnchorRecord] = []
    for low in range(0, head + 1, _LOG_BLOCKS):
        records.extend(chain.anchors_between(low, min(head, low + _LOG_BLOCKS - 1)))
    return sorted(records, key=lambda r: r.sequence)


def anchor_hash(previous: bytes, root: bytes, kind: int, party: str, count: int, metadata_hash: bytes) -> bytes:
    """``keccak256(abi.encode(previousAnchorHash, root, uint8 kind, party, uint40 count, metadataHash))``."""
    return keccak256(previous + root + kind.to_bytes(32, "big") + bytes(12) + bytes.fromhex(party[2:])
                     + count.to_bytes(32, "big") + metadata_hash)


def check_anchor_chain(records: list[AnchorRecord], latest: bytes, count_on_chain: int) -> list[Finding]:
    """Recompute the contract's hash chain from its own logs, up to ``latestAnchorHash``."""
    findings = []
    previous = bytes(32)
    for expected_sequence, record in enumerate(records):
        subject = f"anchor {_h(record.root)}"
        if record.sequence != expected_sequence:
            findings.append(Finding(FindingCode.ANCHOR_CHAIN_BROKEN, subject, f"log has sequence {record.sequence}",
                                    f"sequence {expected_sequence}"))
        if record.previous_anchor_hash != previous:
            findings.append(Finding(FindingCode.ANCHOR_CHAIN_BROKEN, subject,
                                    f"log's previousAnchorHash is {_h(record.previous_anchor_hash)}",
                                    f"{_h(previous)}, the anchor hash before it"))
        recomputed = anchor_hash(record.previous_anchor_hash, record.root, int(record.kind), record.party, record.count,
                                 record.metadata_hash)
        if recomputed != record.anchor_hash:
            findings.append(Finding(FindingCode.ANCHOR_CHAIN_BROKEN, subject, f"log's anchorHash is {_h(record.anchor_hash)}",
                                    f"{_h(recomputed)}, recomputed from the log's fields"))
        previous = record.anchor_hash
    if latest != previous:
        findings.append(Finding(FindingCode.ANCHOR_CHAIN_BROKEN, "contract", f"latestAnchorHash is {_h(latest)}",
                                f"{_h(previous)}, the hash of the last logged anchor"))
    if count_on_chain != len(records):
        findings.append(Finding(FindingCode.ANCHOR_CHAIN_BROKEN, "contract", f"anchorCount is {count_on_chain}",
                                f"{len(records)} AnchorRecorded logs"))
    return findings


def check_unindexed_anchors(records: Iterable[AnchorRecord], rows: Iterable[Anchor], own: Mapping[str, str]) -> list[Finding]:
    """Anchors on chain without their rows in the index.

    ``own`` maps the addresses of this home's parties (those with a key here) to their names. Their
    anchors were made from this home, so their rows must be here: an anchor of theirs with no row, or
    filed as another organisation's (a row with ``local`` false, as `ledger sync` files unknown anchors),
    is ORPHANED_ANCHOR. Another organisation's anchor without a row is ANCHOR_NOT_INDEXED.
    """
    local = {row.root: row.local for row in rows}
    findings = []
    for r in records:
        root, where = _h(r.root), f"#{r.sequence}, {r.kind.name.lower()}, tx {_h(r.tx_hash)}, block {r.block_number}"
        if r.party in own and not local.get(root, False):
            filed = "is filed as another organisation's anchor" if root in local else "has no index row"
            findings.append(Finding(FindingCode.ORPHANED_ANCHOR, f"anchor {root}",
                                    f"anchored by {own[r.party]}, a party of this home ({where}), but {filed}",
                                    f"this home's own anchor row and its {r.count} rows, committed from the journal"))
        elif root not in local:
            findings.append(Finding(FindingCode.ANCHOR_NOT_INDEXED, f"anchor {root}", "has no index row",
                                    f"a row for anchor #{r.sequence} ({r.kind.name.lower()} by {r.party}, block {r.block_number})"))
    return findings


def check_anchor_rows(rows: Iterable[Anchor], records: Mapping[str, AnchorRecord], chain: ChainClient) -> list[Finding]:
    """Each index row field by field against its log, and the log against contract storage."""
    findings = []
    for row in rows:
        subject = f"anchor {row.root}"
        record = records.get(row.root)
        if record is None:
            findings.append(Finding(FindingCode.ANCHOR_NOT_ON_CHAIN, subject,
                                    f"index row (sequence {row.sequence}, tx {row.tx_hash}) has no AnchorRecorded log",
                                    "no anchor with this root on chain"))
            continue
        on_chain = {"sequence": record.sequence, "kind": int(record.kind), "party": record.party, "count": record.count,
                    "metadata_hash": _h(record.metadata_hash), "previous_anchor_hash": _h(record.previous_anchor_hash),
                    "anchor_hash": _h(record.anchor_hash), "tx_hash": _h(record.tx_hash),
                    "block_number": record.block_number}
        for field, value in on_chain.items():
            indexed = getattr(row, field)
            if (indexed.lower() if isinstance(indexed, str) else indexed) != (value.lower() if isinstance(value, str) else value):
                findings.append(Finding(FindingCode.ANCHOR_ROW_ALTERED, subject, f"{field} is {indexed}", f"{value} (chain log)"))
        stored = chain.get_anchor(record.root)
        if stored is None or (stored.party, stored.kind, stored.count, stored.block_number, stored.anchor_hash) != (
                record.party, record.kind, record.count, record.block_number, record.anchor_hash):
            findings.append(Finding(FindingCode.ANCHOR_CHAIN_BROKEN, subject, f"getAnchor returns {stored}",
                                    f"party {record.party}, kind {record.kind.name}, count {record.count}, "
                                    f"block {record.block_number}, as logged"))
    return findings


def _message(anchor: AnchorRow) -> RegistrationMessage | ActionMessage | str:
    """The signed message rebuilt from the rows, or why it cannot be."""
    row = anchor.row
    root = bytes.fromhex(row.root[2:])
    if row.timestamp is None:
        return "the row has no timestamp"
    if row.kind == AnchorKind.REGISTRATION:
        if anchor.company_prefix is None:
            return "the batch row is missing"
        return RegistrationMessage(root, row.count, anchor.company_prefix, row.timestamp)
    if row.action is None or row.action not in Action._value2member_map_ or row.counterparty is None or row.reference is None:
        return "the row lacks its action, counterparty or reference"
    return ActionMessage(row.kind, row.action, root, row.count, row.counterparty, row.timestamp,
                         bytes.fromhex(row.reference[2:]))


def check_signatures(anchors: Iterable[AnchorRow], records: Mapping[str, AnchorRecord], domain: Domain,
                     chain: ChainClient) -> list[Finding]:
    """One recovery per anchor: the signer must be the anchoring party, holding the kind's role."""
    findings = []
    roles: dict[tuple[str, str], bool] = {}
    for anchor in anchors:
        row = anchor.row
        record = records.get(row.root)
        if record is None:
            continue
        subject = f"anchor {row.root}"
        if row.signature is None:
            findings.append(Finding(FindingCode.BAD_SIGNATURE, subject, "has no signature",
                                    f"the signature of {record.party}, the party that anchored it"))
            continue
        try:
            message = _message(anchor)
            if isinstance(message, str):
                findings.append(Finding(FindingCode.SIGNED_MESSAGE_MISMATCH, subject, message, "a complete signed record"))
                continue
            signable: SignableMessage = message.signable(domain)
        except (ValueError, TypeError, OverflowError) as exc:
            findings.append(Finding(FindingCode.SIGNED_MESSAGE_MISMATCH, subject, f"the rows do not form a message: {exc}",
                                    "well-formed anchor fields"))
            continue
        if bytes(signable.body) != record.metadata_hash:
            findings.append(Finding(FindingCode.SIGNED_MESSAGE_MISMATCH, subject,
                                    f"the {type(message).__name__} rebuilt from the rows hashes to {_h(bytes(signable.body))}",
                                    f"{_h(record.metadata_hash)}, the metadataHash anchored on chain"))
            continue
        try:
            signer = recover(message, domain, bytes.fromhex(row.signature[2:]))
        except (ValueError, TypeError, ValidationError, BadSignature) as exc:
            signer = f"unrecoverable ({type(exc).__name__})"
        if signer != record.party:
            findings.append(Finding(FindingCode.BAD_SIGNATURE, subject, f"signature recovers to {signer}",
                                    f"{record.party}, the party that anchored it"))
            continue
        needed = _ROLES_FOR_KIND[record.kind]
        for role in needed:
            if (role, signer) not in roles:
                roles[role, signer] = chain.has_role(role, signer)
        if not any(roles[role, signer] for role in needed):
            findings.append(Finding(FindingCode.ROLE_MISSING, subject, f"{signer} holds none of {', '.join(needed)}",
                                    f"a {' or '.join(needed)} role on chain for a {record.kind.name.lower()} anchor"))
    return findings
