"""Audit of the index's items and events: hashes recomputed from the fields, Merkle trees
rebuilt per anchor, per-item hash chains from the registration leaf, order against the
chain's anchor order, and each item's state replayed from its events.

Rows are plain tuples (no ORM objects) and hashing uses cached 32-byte words, because this
is the loop that has to verify ≥ 100,000 events a second.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..chain.client import AnchorRecord
from ..codes.identifiers import canonical_key, item_id_of
from ..custody.registration import ITEM_COLUMNS
from ..custody.state import STATE_COLUMNS, Act, Actor, ItemState, Replay
from ..proofs.events import Action
from ..proofs.keccak import keccak256, keccak256_each
from ..proofs.merkle import MerkleTree, attributes_hash
from .findings import Finding, FindingCode

__all__ = ["EVENT_COLUMNS", "ITEM_COLUMNS", "AnchorFacts", "EventHasher", "check_batch_trees", "check_event_trees",
           "check_items"]

EVENT_COLUMNS = ("event_hash", "item_id", "seq", "action", "actor", "counterparty", "timestamp", "previous_hash",
                 "location", "anchor_root")
I_ID, I_GTIN, I_SERIAL, I_LOT, I_EXPIRY, I_BATCH, I_BRAND, I_HEAD, I_STATE = range(9)  # I_STATE: STATE_COLUMNS begin
I_STATE_END = I_STATE + len(STATE_COLUMNS)
E_HASH, E_ITEM, E_SEQ, E_ACTION, E_ACTOR, E_CP, E_TS, E_PREV, E_LOC, E_ROOT, E_RECOMPUTED = range(11)

_ACTIONS = {int(a): a for a in Action}
_ACTION_WORDS = {int(a): int(a).to_bytes(32, "big") for a in Action}


@dataclass(frozen=True)
class AnchorFacts:
    """What the index row of an event anchor says the events share (the chain says the rest)."""

    action: int | None
    timestamp: int | None
    counterparty: str | None
    reference: str | None


def _h(data: bytes) -> str:
    return "0x" + data.hex()


def _key(item: Sequence[Any]) -> str:
    return f"item {canonical_key(item[I_GTIN], item[I_SERIAL])}"


class EventHasher:
    """``CustodyEvent.hash`` from event rows, with the repeated words (addresses, locations) cached."""

    def __init__(self) -> None:
        self._addresses: dict[str, bytes] = {}
        self._locations: dict[str, bytes] = {}

    def _address(self, address: str) -> bytes:
        word = self._addresses.get(address)
        if word is None:
            raw = bytes.fromhex(address[2:])
            if len(raw) != 20:
                raise ValueError(f"address {address} is not 20 bytes")
            word = self._addresses[address] = bytes(12) + raw
        return word

    def _location(self, location: str) -> bytes:
        word = self._locations.get(location)
        if word is None:
            word = self._locations[location] = keccak256(location.encode())
        return word

    def _encoding(self, row: Sequence[Any]) -> bytes:
        """``CustodyEvent.encoded`` of the row's fields, caching its words; ``b""`` if they are not well-formed."""
        try:
            encoding = b"".join((bytes.fromhex(row[E_ITEM][2:]), row[E_ACTION].to_bytes(32, "big"),
                                 self._address(row[E_ACTOR]), self._address(row[E_CP]), row[E_TS].to_bytes(32, "big"),
                                 bytes.fromhex(row[E_PREV][2:]), self._location(row[E_LOC])))
        except (ValueError, TypeError, OverflowError, AttributeError):
            return b""
        return encoding if len(encoding) == 224 else b""

    def rows(self, rows: Sequence[Sequence[Any]]) -> list[Sequence[Any]]:
        """Each row with its recomputed hash appended (at ``E_RECOMPUTED``; ``b""`` if malformed).

        The hot loop of an audit: cached words and one join per row; a row with a word not
        seen yet, or a malformed one, takes the careful path.
        """
        addresses, locations, fromhex, join, careful = self._addresses, self._locations, bytes.fromhex, b"".join, self._encoding
        encodings: list[bytes] = []
        append = encodings.append
        for row in rows:
            _, item, _, action, actor, cp, ts, prev, loc, _ = row
            try:
                encoding = join((fromhex(item[2:]), _ACTION_WORDS[action], addresses[actor], addresses[cp],
                                 ts.to_bytes(32, "big"), fromhex(prev[2:]), locations[loc]))
            except (ValueError, TypeError, OverflowError, AttributeError, KeyError):
                encoding = careful(row)
            append(encoding if len(encoding) == 224 else b"")
        return [(*row, digest if encoding else b"")
                for row, encoding, digest in zip(rows, encodings, keccak256_each(encodings), strict=True)]


def check_event_trees(events_by_anchor: Mapping[str, list[Sequence[Any]]],
                      records: Mapping[str, AnchorRecord]) -> list[Finding]:
    """Each event anchor's tree, rebuilt from its event rows' recomputed hashes, against the chain."""
    findings = []
    for root, events in events_by_anchor.items():
        record = records.get(root)
        if record is None:
            continue  # reported per event as EVENT_NOT_ANCHORED
        leaves = keccak256_each(keccak256_each(e[E_RECOMPUTED] for e in events))
        rebuilt = MerkleTree.build(leaves).root
        if rebuilt != record.root or len(events) != record.count:
            findings.append(Finding(FindingCode.MERKLE_ROOT_MISMATCH, f"anchor {root}",
                                    f"its {len(events)} event rows rebuild the root {_h(rebuilt)}",
                                    f"{record.count} events under root {root} ({record.kind.name.lower()} anchored in block "
                                    f"{record.block_number})"))
    return findings


def check_batch_trees(items_by_batch: Mapping[str, list[Sequence[Any]]], stored_trees: Mapping[str, bytes],
                      records: Mapping[str, AnchorRecord]) -> tuple[list[Finding], dict[str, bytes]]:
    """Each batch's tree rebuilt from its item rows; returns the findings and every item's registration leaf."""
    findings: list[Finding] = []
    leaf_of: dict[str, bytes] = {}
    attrs: dict[tuple[str | None, date | str | None], bytes] = {}
    for root, items in items_by_batch.items():
        record = records.get(root)
        leaves: dict[bytes, Sequence[Any]] = {}
        for item in items:
            key = (item[I_LOT], item[I_EXPIRY])
            if key not in attrs:
                # SQLite hands plain cursors the date as its ISO text.
                expiry = date.fromisoformat(key[1]) if isinstance(key[1], str) else key[1]
                attrs[key] = attributes_hash(key[0], expiry)
            real_id = item_id_of(item[I_GTIN], item[I_SERIAL])
            leaf = keccak256(keccak256(real_id + attrs[key]))
            leaves[leaf] = item
            if _h(real_id) != item[I_ID]:
                findings.append(Finding(FindingCode.ITEM_ID_MISMATCH, _key(item), f"item_id is {item[I_ID]}",
                                        f"{_h(real_id)}, keccak256 of its GTIN and serial"))
                try:
                    leaf = keccak256(keccak256(bytes.fromhex(item[I_ID][2:]) + attrs[key]))
                except ValueError:
                    leaf = b""
            leaf_of[item[I_ID]] = leaf
        if record is None:
            findings.append(Finding(FindingCode.EVENT_NOT_ANCHORED, f"batch {root}",
                                    f"{len(items)} items name it as their batch", "a registration anchored on chain"))
            continue
        if MerkleTree.build(leaves).root == record.root and len(items) == record.count:
            continue
        authentic = _authentic_leaves(stored_trees.get(root), record.root)
        if authentic is None:
            findings.append(Finding(FindingCode.MERKLE_ROOT_MISMATCH, f"batch {root}",
                                    f"its {len(items)} item rows rebuild another root (and the stored tree does not "
                                    "rebuild the anchored root either)", f"{record.count} items under root {root}"))
            continue
        for leaf, item in leaves.items():
            if leaf not in authentic:
                findings.append(Finding(FindingCode.ITEM_NOT_REGISTERED, _key(item),
                                        f"GTIN/serial/lot/expiry as indexed ({item[I_GTIN]}/{item[I_SERIAL]}/{item[I_LOT]}/"
                                        f"{item[I_EXPIRY]}) give leaf {_h(leaf)}", f"one of the {record.count} leaves "
                                        f"anchored under batch {root}"))
        for leaf in authentic - leaves.keys():
            findings.append(Finding(FindingCode.REGISTERED_ITEM_MISSING, f"batch {root}",
                                    f"no item row gives the anchored leaf {_h(leaf)}", "an item row for every registered leaf"))
    return findings, leaf_of


def _authentic_leaves(tree: bytes | None, root: bytes) -> set[bytes] | None:
    """The stored tree's leaves, if they rebuild the anchored root (then they are the registered ones)."""
    if not tree:
        return None
    try:
        leaves = MerkleTree.parse(tree).leaves()
    except ValueError:
        return None
    return set(leaves) if MerkleTree.build(leaves).root == root else None


def check_items(items: Iterable[Sequence[Any]], events_of: Mapping[str, list[Sequence[Any]]],
                leaf_of: Mapping[str, bytes], records: Mapping[str, AnchorRecord], facts: Mapping[str, AnchorFacts],
                actors: Mapping[str, Actor], progress: Callable[[int], None]) -> list[Finding]:
    """Per item: hash chain, numbering, order, agreement with the anchor, and its state replayed
    through the custody state machine (``ledger.custody.state``: each event as the rules allowed it,
    and the result against the row). ``actors``: the parties the index knows, by address.

    The loop compares whole tuples and looks each anchor up once; only an event or item
    that differs goes through the slow path that says precisely what is wrong.
    """
    findings: list[Finding] = []
    # Per anchor: its place in the chain's order, what each of its events must say in the row's
    # (action, actor, counterparty, timestamp) columns — from the chain and the anchor row —, and
    # the act its events replay (built once per anchor, so the replay's memo finds it again).
    anchors = {root: (record.sequence, (fact.action, record.party, fact.counterparty, fact.timestamp), fact)
               for root, record in records.items() if (fact := facts.get(root)) is not None}
    no_anchor = (-1, None, None)
    acts: dict[str, Act | None] = {}
    registered: dict[str, ItemState] = {}
    replay = Replay()
    for item in items:
        registration = records.get(item[I_BATCH])
        previous = item[I_HEAD] if item[I_ID] not in leaf_of else "0x" + leaf_of[item[I_ID]].hex()
        last_sequence = registration.sequence if registration else -1
        brand = registration.party if registration else item[I_BRAND]
        state = registered.get(brand) or registered.setdefault(brand, ItemState.registered(brand))
        events = _in_order(events_of.get(item[I_ID], ()), records)
        number = 0
        for event in events:
            number += 1
            sequence, shared, fact = anchors.get(event[E_ROOT], no_anchor)
            if (event[E_SEQ] != number or event[E_PREV] != previous or event[E_RECOMPUTED].hex() != event[E_HASH][2:]
                    or event[E_ACTION:E_TS + 1] != shared):
                _event_findings(findings, item, event, number, previous, records, facts)
                if event[E_ROOT] not in records:
                    previous = event[E_HASH]
                    continue
                sequence = records[event[E_ROOT]].sequence
                act = _act(event, facts.get(event[E_ROOT]), actors)  # as the row says, not the anchor
            else:
                root = event[E_ROOT]
                act = acts[root] if root in acts else acts.setdefault(root, _act(event, fact, actors))
            previous = event[E_HASH]
            if sequence <= last_sequence:
                record = records[event[E_ROOT]]
                findings.append(Finding(FindingCode.ORDER_MISMATCH, _where(item, event),
                                        f"comes after anchor #{last_sequence} in the index",
                                        f"anchor #{record.sequence} (block {record.block_number}) to come after it"))
            last_sequence = sequence
            if act is None:
                findings.append(Finding(FindingCode.CUSTODY_RULE_BROKEN, _where(item, event),
                                        f"action {event[E_ACTION]} does not exist", "an action of the custody table"))
                continue
            broken, state = replay(state, act)
            if broken is not None:
                findings.append(Finding(FindingCode.CUSTODY_RULE_BROKEN, _where(item, event), broken.error(act, ["it"]).message,
                                        "only what the custody table (docs/DESIGN.md) allows in the item's state"))
        progress(number + 1)
        if previous != item[I_HEAD] or item[I_STATE:I_STATE_END] != state.row or item[I_BRAND] != state.brand:
            _item_findings(findings, item, previous, state, len(events))
    return findings


def _in_order(events: Sequence[Sequence[Any]], records: Mapping[str, AnchorRecord]) -> Sequence[Sequence[Any]]:
    """An item's events (sorted by their ``seq``) in the order to replay them: as they are when numbered
    1, 2, 3, …; else by number, then by the chain's order of their anchors, then by hash. So events that
    share a number replay in the order the chain anchored them, whatever order the database returns
    its rows in: the findings depend on the index and the chain only."""
    for number, event in enumerate(events, 1):
        if event[E_SEQ] != number:
            break
    else:
        return events
    unanchored = -1
    return sorted(events, key=lambda e: (e[E_SEQ], r.sequence if (r := records.get(e[E_ROOT])) else unanchored, e[E_HASH]))


def _act(event: Sequence[Any], fact: AnchorFacts | None, actors: Mapping[str, Actor]) -> Act | None:
    """The act an event replays: its action, actor and counterparty, with its anchor's reference."""
    action = _ACTIONS.get(event[E_ACTION])
    if action is None:
        return None
    actor, counterparty = (actors.get(a) or Actor(a, None) for a in (event[E_ACTOR], event[E_CP]))
    return Act.anchored(action, actor, counterparty, event[E_ROOT], fact.reference if fact else None)


def _item_findings(findings: list[Finding], item: Sequence[Any], head: str, state: ItemState, events: int) -> None:
    subject = _key(item)
    if head != item[I_HEAD]:
        findings.append(Finding(FindingCode.HEAD_MISMATCH, subject, f"head_hash is {item[I_HEAD]}",
                                f"{head}, the hash of its " + ("last event" if events else "registration leaf")))
    for field, mine, replayed in (*zip(STATE_COLUMNS, item[I_STATE:I_STATE_END], state.row, strict=True),
                                  ("brand", item[I_BRAND], state.brand)):
        if mine != replayed:
            findings.append(Finding(FindingCode.STATE_MISMATCH, subject, f"{field} is {mine}", f"{replayed}, from its {events} events"))


def _where(item: Sequence[Any], event: Sequence[Any]) -> str:
    return f"{_key(item)} event {event[E_SEQ]} ({event[E_HASH]})"


def _event_findings(findings: list[Finding], item: Sequence[Any], event: Sequence[Any], number: int, previous: str,
                    records: Mapping[str, AnchorRecord], facts: Mapping[str, AnchorFacts]) -> None:
    """The slow path, for an event the fast comparison flagged: say precisely what is wrong."""
    where, add = _where(item, event), findings.append
    if event[E_SEQ] != number:
        add(Finding(FindingCode.SEQUENCE_GAP, where, f"is number {event[E_SEQ]} in the index", f"number {number}"))
    recomputed = event[E_RECOMPUTED]
    if _h(recomputed) != event[E_HASH]:
        add(Finding(FindingCode.EVENT_HASH_MISMATCH, where, "its fields hash to "
                    + (_h(recomputed) if recomputed else "nothing (malformed)"), f"{event[E_HASH]}, its stored hash"))
    if event[E_PREV] != previous:
        add(Finding(FindingCode.EVENT_CHAIN_BROKEN, where, f"points at previous hash {event[E_PREV]}",
                    f"{previous}, the hash of the item's " + ("registration leaf" if number == 1 else "previous event")))
    record = records.get(event[E_ROOT])
    if record is None:
        add(Finding(FindingCode.EVENT_NOT_ANCHORED, where, f"names anchor {event[E_ROOT]}", "an anchor on chain"))
        return
    action = _ACTIONS.get(event[E_ACTION])
    fact = facts.get(event[E_ROOT]) or AnchorFacts(event[E_ACTION], event[E_TS], event[E_CP], None)
    differs = [f"{name} {mine}" for name, mine, theirs in (
        ("actor", event[E_ACTOR], record.party),
        ("kind", action.anchor_kind.name if action else event[E_ACTION], record.kind.name),
        ("action", event[E_ACTION], fact.action), ("timestamp", event[E_TS], fact.timestamp),
        ("counterparty", event[E_CP], fact.counterparty)) if mine != theirs]
    if differs:
        add(Finding(FindingCode.EVENT_ANCHOR_MISMATCH, where, "has " + ", ".join(differs),
                    f"anchor {event[E_ROOT]}: {record.kind.name.lower()} by {record.party}, action {fact.action}, "
                    f"timestamp {fact.timestamp}, counterparty {fact.counterparty}"))
