"""The follower: other organisations' rows, fetched from their services and stored only when they reproduce the chain.

`ledger sync` files every anchor made elsewhere as an anchor without rows (``Anchor.local`` false, no signature).
For each of them, in chain order (``sequence``), :func:`follow_once`

1. asks the anchoring party's service (its ``service_url`` from the directory on chain; http or https only) for
   ``GET /epcis/anchors/{root}`` (:func:`.serving.anchor_document`), signed (:func:`.request_signing.sign_request`)
   with the key of one of this home's own parties that holds a role (:func:`requester_for`: the anchor's
   counterparty if it is ours, else an officer, auditor, brand, carrier, then any, in name order), with at most
   :data:`MAX_BODY` bytes and :data:`TIMEOUT` seconds for the whole answer, redirects refused;
2. checks the document against the anchor on chain (:func:`_registration`, :func:`_events`): its leaves rebuild the
   Merkle root and count, the EIP-712 message rebuilt from it hashes to the anchor's metadataHash and recovers to the
   anchoring party, which holds the right role on chain; a registration's items go through the very check a local
   registration does (:func:`~ledger.custody.registration.plan_batch`: GTINs under the brand's bound prefix), and a
   custody action's through the item state machine (:mod:`ledger.custody.state`), each event's previousHash being the
   head this index holds for the item;
3. stores the rows in one transaction, as this home stores its own (:meth:`Ledger.store_followed_registration`,
   :meth:`Ledger.store_followed_events`).

Anything refused stores nothing; the reason is kept in ``follower.json`` in the home (:class:`FollowState`) with the
number of attempts and the time of the next one (backoff doubling from 2 s up to 5 min). An anchor whose
prerequisites are missing here (its items' registration or an earlier event not yet stored) is refused for that
reason and simply waits: it passes once the earlier anchor is stored. Other anchors go on regardless.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from http.client import HTTPException
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from eth_account.signers.local import LocalAccount
from sqlmodel import Session, col, select

from ..chain.client import AnchorRecord
from ..chain.roles import Role
from ..codes.identifiers import validate_gtin
from ..custody.joining import chain_role, check_service_url
from ..custody.ledger import Ledger
from ..custody.registration import ItemSpec, plan_batch
from ..custody.rules import load_states
from ..custody.state import Act, Actor, check
from ..custody.sync import sync
from ..errors import AnchorNotFollowed, LedgerError
from ..index.models import Anchor, Event, Item, Party, PrefixBinding
from ..proofs.events import Action, AnchorKind, CustodyEvent
from ..proofs.merkle import MerkleTree, event_leaf
from ..proofs.typed_data import ActionMessage, RegistrationMessage, recover
from .request_signing import sign_request

__all__ = ["MAX_BODY", "TIMEOUT", "FollowReport", "FollowState", "Pending", "fetch_document", "follow_once", "requester_for"]

MAX_BODY = 50 * 1024 * 1024  # bytes: a 100,000-item registration is about 30 MB
TIMEOUT = 10.0  # seconds for connecting and reading the whole answer
_BACKOFF = (2.0, 300.0)  # first wait, longest wait (doubling in between)
_STATE_FILE = "follower.json"
_ACTIONS = {a.label: a for a in Action}
_REQUESTER_ORDER = (Role.OFFICER, Role.AUDITOR, Role.BRAND)


@dataclass(frozen=True)
class Pending:
    """An anchor of another organisation not stored yet: why, how often tried, when next."""

    root: str
    sequence: int
    party: str
    reason: str
    attempts: int
    next_try: float


@dataclass
class FollowReport:
    stored: list[str] = field(default_factory=list)
    refused: list[Pending] = field(default_factory=list)
    waiting: int = 0  # not tried in this pass: their backoff has not run out


class FollowState:
    """The reasons and backoff of anchors not stored yet, in ``follower.json`` in the home (written atomically)."""

    def __init__(self, home: Path) -> None:
        self.path = home / _STATE_FILE
        try:
            loaded = json.loads(self.path.read_text())
        except (OSError, ValueError):
            loaded = {}
        self.entries: dict[str, dict[str, Any]] = loaded if isinstance(loaded, dict) else {}

    def refused(self, anchor: Anchor, reason: str, now: float) -> Pending:
        attempts = int(self.entries.get(anchor.root, {}).get("attempts", 0)) + 1
        wait = min(_BACKOFF[0] * 2 ** (attempts - 1), _BACKOFF[1])
        self.entries[anchor.root] = {"reason": reason, "attempts": attempts, "next_try": now + wait}
        return self.pending(anchor)

    def stored(self, root: str) -> None:
        self.entries.pop(root, None)

    def due(self, root: str, now: float) -> bool:
        return float(self.entries.get(root, {}).get("next_try", 0.0)) <= now

    def pending(self, anchor: Anchor) -> Pending:
        entry = self.entries.get(anchor.root, {})
        return Pending(anchor.root, anchor.sequence, anchor.party, str(entry.get("reason", "not tried yet")),
                       int(entry.get("attempts", 0)), float(entry.get("next_try", 0.0)))

    def save(self) -> None:
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.entries, indent=1, sort_keys=True))
        os.replace(temporary, self.path)


def unfollowed(ledger: Ledger) -> list[Anchor]:
    """Anchors of other organisations this index holds without their rows (no signature yet), in chain order."""
    with Session(ledger.engine) as s:
        return list(s.scalars(select(Anchor).where(col(Anchor.local).is_(False), col(Anchor.signature).is_(None))
                              .order_by(col(Anchor.sequence))))


def follow_once(ledger: Ledger, honour_backoff: bool = False, now: Callable[[], float] = time.time,
                fetch: Callable[[str, LocalAccount], bytes] | None = None) -> FollowReport:
    """Sync, then fetch, check and store every anchor made elsewhere whose rows this home lacks (see the module)."""
    sync(ledger)
    state = FollowState(ledger.settings.home)
    report = FollowReport()
    own = _own_parties(ledger)
    accounts: dict[str, LocalAccount] = {}  # unlocked once per pass: the keystore's KDF is slow on purpose
    for anchor in unfollowed(ledger):
        if honour_backoff and not state.due(anchor.root, now()):
            report.waiting += 1
            continue
        try:
            _follow(ledger, anchor, own, accounts, fetch or fetch_document)
        except LedgerError as exc:
            reason = exc.reason if isinstance(exc, AnchorNotFollowed) else exc.message
            report.refused.append(state.refused(anchor, reason, now()))
            continue
        state.stored(anchor.root)
        report.stored.append(anchor.root)
    known = {a.root for a in unfollowed(ledger)}
    state.entries = {root: entry for root, entry in state.entries.items() if root in known}
    state.save()
    return report


def status(ledger: Ledger) -> dict[str, list[Pending]]:
    """Per partner (its name here), the anchors not stored yet and why; without syncing or fetching."""
    state = FollowState(ledger.settings.home)
    found: dict[str, list[Pending]] = {}
    for anchor in unfollowed(ledger):
        found.setdefault(ledger.party_name(anchor.party), []).append(state.pending(anchor))
    return found


def _own_parties(ledger: Ledger) -> list[Party]:
    names = set(ledger.keystore.names())
    with Session(ledger.engine) as s:
        return sorted((p for p in s.scalars(select(Party)) if p.name in names), key=lambda p: p.name)


def requester_for(own: Iterable[Party], anchor: Anchor) -> Party | None:
    """The party of this home that asks for ``anchor``'s rows: the one the default sharing policy most surely
    lets read them — the anchor's counterparty (a shipment's receiver) if it is ours, else an officer, an
    auditor, a brand, then any other party of ours, each in name order."""
    parties = list(own)
    for party in parties:
        if anchor.counterparty is not None and party.address == anchor.counterparty:
            return party
    ranked = sorted(parties, key=lambda p: (_REQUESTER_ORDER.index(p.role) if p.role in _REQUESTER_ORDER
                                            else len(_REQUESTER_ORDER), p.name))
    return ranked[0] if ranked else None


def _refuse(anchor: Anchor, reason: str) -> AnchorNotFollowed:
    return AnchorNotFollowed(anchor.root, reason)


def _follow(ledger: Ledger, anchor: Anchor, own: list[Party], accounts: dict[str, LocalAccount],
            fetch: Callable[[str, LocalAccount], bytes]) -> None:
    with Session(ledger.engine) as s:
        partner = s.get(Party, anchor.party)
    if partner is None or not partner.service_url:
        raise _refuse(anchor, "its party has published no service URL on chain (publishProfile); waiting for one")
    try:
        check_service_url(partner.service_url, "service URL")
    except LedgerError as exc:
        raise _refuse(anchor, exc.message) from None
    requester = requester_for(own, anchor)
    if requester is None:
        raise _refuse(anchor, "this home has no party of its own with a role to sign the request")
    if requester.name not in accounts:
        accounts[requester.name] = ledger.act_as(requester.name)[1]
    account = accounts[requester.name]
    url = partner.service_url.rstrip("/") + "/epcis/anchors/" + anchor.root
    body = fetch(url, account)
    try:
        document = json.loads(body)
    except json.JSONDecodeError as exc:
        raise _refuse(anchor, f"the answer of {url} is not complete JSON ({exc.msg} at byte {exc.pos} of {len(body)})") from None
    except ValueError:
        raise _refuse(anchor, f"the answer of {url} is not UTF-8 JSON") from None
    if not isinstance(document, dict) or not isinstance(document.get("ledger:anchor"), dict):
        raise _refuse(anchor, "the answer has no ledger:anchor object; expected the EPCIS anchor document")
    if str(document["ledger:anchor"].get("ledger:root", "")).lower() != anchor.root:
        raise _refuse(anchor, f"the answer is the document of anchor {str(document['ledger:anchor'].get('ledger:root'))[:66]}, "
                              f"not of {anchor.root} (an older or another document)")
    record = _record(anchor)
    try:
        if anchor.kind == AnchorKind.REGISTRATION:
            _registration(ledger, anchor, record, document)
        elif anchor.kind == AnchorKind.PACKING:
            raise _refuse(anchor, "packing and unpacking anchors are not followed yet")
        else:
            _events(ledger, anchor, record, document)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _refuse(anchor, f"the document is malformed ({type(exc).__name__}: {str(exc)[:120]})") from None


def fetch_document(url: str, account: LocalAccount) -> bytes:
    """GET ``url`` signed with ``account``: at most :data:`MAX_BODY` bytes within :data:`TIMEOUT` seconds, no redirect."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AnchorNotFollowed(url.rsplit("/", 1)[-1], f"the service URL {url[:80]} is not http(s) with a host")
    root = parts.path.rsplit("/", 1)[-1]
    header = sign_request(account, "GET", parts.path, parts.query, b"", int(time.time()))
    request = urllib.request.Request(url, headers={"Authorization": header, "Accept": "application/json"})
    opener = urllib.request.build_opener(_NoRedirect)
    deadline = time.monotonic() + TIMEOUT
    try:
        with opener.open(request, timeout=TIMEOUT) as answer:
            chunks: list[bytes] = []
            size = 0
            while True:
                if time.monotonic() > deadline:
                    raise AnchorNotFollowed(root, f"{url} did not finish its answer within {TIMEOUT:g} s")
                chunk = answer.read(1 << 16)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_BODY:
                    raise AnchorNotFollowed(root, f"the answer of {url} is larger than {MAX_BODY // 2 ** 20} MB, the most "
                                                  "the follower reads")
                chunks.append(chunk)
            declared = answer.headers.get("Content-Length")
            if declared is not None and declared.strip().isdigit() and int(declared) != size:
                raise AnchorNotFollowed(root, f"the answer of {url} was cut short ({size} of the {int(declared)} bytes "
                                              "it announced)")
    except urllib.error.HTTPError as exc:
        detail = exc.read(500).decode("utf-8", "replace")
        raise AnchorNotFollowed(root, f"{url} answered HTTP {exc.code}: {detail.strip()[:200]}") from None
    except TimeoutError:
        raise AnchorNotFollowed(root, f"{url} did not answer within {TIMEOUT:g} s") from None
    except HTTPException as exc:  # IncompleteRead: fewer bytes than its Content-Length
        raise AnchorNotFollowed(root, f"the answer of {url} was cut short ({type(exc).__name__})") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError):
            raise AnchorNotFollowed(root, f"{url} did not answer within {TIMEOUT:g} s") from None
        raise AnchorNotFollowed(root, f"{url} could not be reached ({reason})") from None
    return b"".join(chunks)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> urllib.request.Request | None:
        raise urllib.error.HTTPError(req.full_url, code, f"redirects to {newurl[:80]}; a service answers itself",
                                     headers, fp)


def _record(anchor: Anchor) -> AnchorRecord:
    """The anchor as `ledger sync` took it from the chain's logs (the audit checks the row against them)."""
    return AnchorRecord(bytes.fromhex(anchor.root[2:]), anchor.sequence, AnchorKind(anchor.kind), anchor.party,
                        anchor.count, bytes.fromhex(anchor.metadata_hash[2:]),
                        bytes.fromhex(anchor.previous_anchor_hash[2:]), bytes.fromhex(anchor.anchor_hash[2:]),
                        bytes.fromhex(anchor.tx_hash[2:]), anchor.block_number)


def _signature(anchor: Anchor, head: dict[str, Any]) -> bytes:
    text = head.get("ledger:signature")
    if not isinstance(text, str) or not text.startswith("0x") or len(text) != 132:
        raise _refuse(anchor, "ledger:signature is not a 65-byte signature (0x and 130 hex)")
    return bytes.fromhex(text[2:])


def _signed_by_party(ledger: Ledger, anchor: Anchor, message: RegistrationMessage | ActionMessage, signature: bytes,
                     roles: tuple[Role, ...]) -> Role:
    """The anchoring party's role on chain, once the message is the one anchored and it signed it."""
    if bytes(message.signable(ledger.domain).body) != bytes.fromhex(anchor.metadata_hash[2:]):
        raise _refuse(anchor, f"the {type(message).__name__} rebuilt from the document is not the one anchored "
                              f"(metadataHash {anchor.metadata_hash})")
    try:
        signer = recover(message, ledger.domain, signature)
    except Exception:  # eth-keys refuses a signature that is not on the curve
        signer = "nobody (unrecoverable)"
    if signer != anchor.party:
        raise _refuse(anchor, f"the signature recovers to {signer}, not to {anchor.party}, the party that anchored it")
    role = chain_role(ledger.chain, signer)
    if role not in roles:
        raise _refuse(anchor, f"{signer} holds {role.value if role else 'no role'} on chain, not "
                              f"{' or '.join(r.value for r in roles)}")
    return role


def _registration(ledger: Ledger, anchor: Anchor, record: AnchorRecord, document: dict[str, Any]) -> None:
    head = document["ledger:anchor"]
    prefix, timestamp = str(head["ledger:companyPrefix"]), int(head["ledger:timestamp"])
    rows = document["ledger:items"]
    specs = [ItemSpec(validate_gtin(r["ledger:gtin"]), r["ledger:serial"], r["ledger:lot"],
                      date.fromisoformat(r["ledger:expiry"]) if r["ledger:expiry"] else None) for r in rows]
    with Session(ledger.engine) as s:
        bound = s.get(PrefixBinding, prefix)
    if bound is None or bound.brand != anchor.party:
        raise _refuse(anchor, f"company prefix {prefix[:12]} is not bound to {anchor.party} on chain")
    try:
        plan = plan_batch(anchor.party, [prefix], specs, timestamp)
    except LedgerError as exc:
        raise _refuse(anchor, f"its items are not a batch the brand could register: {exc.message}") from None
    if plan.company_prefix != prefix:
        raise _refuse(anchor, f"its items fall under prefix {plan.company_prefix}, not {prefix}, the one signed")
    _same_tree(anchor, plan.root, plan.count)
    signature = _signature(anchor, head)
    _signed_by_party(ledger, anchor, RegistrationMessage(plan.root, plan.count, prefix, timestamp), signature, (Role.BRAND,))
    try:
        ledger.store_followed_registration(plan, record, signature)
    except LedgerError as exc:
        raise _refuse(anchor, exc.message) from None


def _same_tree(anchor: Anchor, root: bytes, count: int) -> None:
    if "0x" + root.hex() != anchor.root:
        raise _refuse(anchor, f"its rows rebuild Merkle root 0x{root.hex()}, not {anchor.root}, the one on chain")
    if count != anchor.count:
        raise _refuse(anchor, f"it has {count} rows, not {anchor.count}, the count on chain")


def _events(ledger: Ledger, anchor: Anchor, record: AnchorRecord, document: dict[str, Any]) -> None:
    head = document["ledger:anchor"]
    action = _ACTIONS.get(str(head["ledger:action"]))
    if action is None or action.anchor_kind != anchor.kind:
        raise _refuse(anchor, f"ledger:action {str(head['ledger:action'])[:40]!r} is not an action of anchor kind "
                              f"{AnchorKind(anchor.kind).name.lower()}")
    timestamp, reference = int(head["ledger:timestamp"]), str(head.get("ledger:reference") or "0x" + "00" * 32)
    counterparty = str(head.get("ledger:counterparty") or "").rsplit(":", 1)[-1] or "0x" + "00" * 20
    rows = document["ledger:events"]
    events = [CustodyEvent(bytes.fromhex(r["ledger:itemId"][2:]), action, r["ledger:actor"], r["ledger:counterparty"],
                           int(r["ledger:timestamp"]), bytes.fromhex(r["ledger:previousHash"][2:]), r["ledger:location"])
              for r in rows]
    if not events:
        raise _refuse(anchor, "it has no events")
    _same_tree(anchor, MerkleTree.build(event_leaf(e.hash) for e in events).root, len(events))
    for r, e in zip(rows, events, strict=True):
        if _actions_of(r) is not action or e.actor != anchor.party or e.timestamp != timestamp \
                or e.counterparty.lower() != counterparty.lower() or e.location != events[0].location:
            raise _refuse(anchor, f"the event of item {e.item_id.hex()[:16]}… differs from the anchor in its action, actor, "
                                  "counterparty, time or place")
    if len({e.item_id for e in events}) != len(events):
        raise _refuse(anchor, "it names an item twice")
    signature = _signature(anchor, head)
    message = ActionMessage(int(anchor.kind), int(action), bytes.fromhex(anchor.root[2:]), anchor.count,
                            events[0].counterparty, timestamp, bytes.fromhex(reference[2:]))
    role = _signed_by_party(ledger, anchor, message, signature, tuple(Role))
    ids = ["0x" + e.item_id.hex() for e in events]
    with Session(ledger.engine) as s:
        items = {i.item_id: i for i in s.scalars(select(Item).where(col(Item.item_id).in_(ids)))}
        states = load_states(s, [i for i in ids if i in items])
        counterparty_row = s.get(Party, events[0].counterparty)
        known = set(s.scalars(select(col(Event.event_hash)).where(col(Event.event_hash).in_(["0x" + e.hash.hex() for e in events]))))
    missing = [i for i in ids if i not in items]
    if missing:
        raise _refuse(anchor, f"item {missing[0]} is not in this index yet (its registration is not stored here); waiting for it")
    if known:
        raise _refuse(anchor, f"event {sorted(known)[0]} is stored here already (a replayed document)")
    for item_id, e in zip(ids, events, strict=True):
        held = items[item_id].head_hash
        if "0x" + e.previous_hash.hex() != held:
            raise _refuse(anchor, f"item {items[item_id].key}: its event's previousHash 0x{e.previous_hash.hex()} is not the "
                                  f"head this index holds ({held}); an earlier event is missing here, waiting for it")
    other = Actor.of(counterparty_row) if counterparty_row is not None else Actor(events[0].counterparty, None)
    act = Act.anchored(action, Actor(anchor.party, role), other, anchor.root, reference)
    try:
        check([items[i].key for i in ids], [states[i] for i in ids], act)
    except LedgerError as exc:
        raise _refuse(anchor, f"the item state machine refuses it here: {exc.message}") from None
    location = events[0].location
    payload = {"action": int(action), "actor": anchor.party, "counterparty": events[0].counterparty, "timestamp": timestamp,
               "reference": reference, "location": location, "signature": "0x" + signature.hex(),
               "events": [[item_id, "0x" + e.previous_hash.hex()] for item_id, e in zip(ids, events, strict=True)]}
    try:
        ledger.store_followed_events(payload, record)
    except LedgerError as exc:
        raise _refuse(anchor, exc.message) from None


def _actions_of(row: dict[str, Any]) -> Action | None:
    return _ACTIONS.get(str(row["ledger:action"]))
