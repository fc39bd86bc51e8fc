"""Joining a shared chain: one organisation per home, each holding only its own parties' keys.

A home attached to a contract that another organisation administers cannot grant roles. Its `ledger party add`
creates the party's key here and writes a join request signed by that key (:class:`~ledger.proofs.join_request.
JoinRequest`) into ``$LEDGER_HOME/join-requests/NAME.json``; the requester sends the file to the administrator,
whose home checks it (:func:`check_request`) and grants it on chain (:func:`grant_request`: roles, prefixes, and the
party's row in the admin's index). The requester's home then picks the party up (:func:`adopt_granted`, run by
`ledger sync` and when the party is first named): once the chain shows its roles and prefixes, the party gets its
index rows and publishes its directory entry (name and service URL) with its own key.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from eth_account.signers.local import LocalAccount
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ..chain.client import ChainClient
from ..chain.keystore import Keystore
from ..chain.roles import Role
from ..errors import BadJoinRequest, ChainRejected, InvalidInput, JoinRequestForged, NotContractAdmin, StateConflict
from ..files import private_directory
from ..index.engine import unit_of_work
from ..index.models import Party, PrefixBinding
from ..proofs.join_request import JoinRequest
from ..proofs.typed_data import Domain
from ..settings import Settings


class _Home(Protocol):
    """What joining needs of :class:`~ledger.custody.ledger.Ledger` (which calls in here, so no import of it)."""

    settings: Settings
    chain: ChainClient
    engine: Engine
    keystore: Keystore
    domain: Domain
    gas_money: int

    def admin_account(self) -> LocalAccount | None: ...

    def refuse_taken_prefixes(self, prefixes: Sequence[str]) -> None: ...

__all__ = ["CLOCK_SKEW", "JOIN_REQUEST_TTL", "MAX_SERVICE_URL", "PendingJoin", "adopt_granted", "chain_role",
           "check_request", "check_service_url", "grant_request", "is_profile_name", "pending_requests",
           "request_path", "write_request"]

JOIN_REQUEST_TTL = 7 * 24 * 3600  # a request older than a week is refused: ask for a fresh one
CLOCK_SKEW = 300  # a request may be dated up to five minutes ahead of the administrator's clock
MAX_SERVICE_URL = 200  # as the contract allows
_PROFILE_NAME = re.compile(r"[A-Za-z0-9._-]{1,80}")  # what the contract accepts as a directory name
_CHAIN_ROLES = (Role.BRAND, Role.CARRIER, Role.DISTRIBUTOR, Role.RETAILER, Role.OFFICER, Role.AUDITOR)


@dataclass(frozen=True)
class PendingJoin:
    """What `ledger party add` did in a home that cannot grant roles: the key it made and the request it wrote."""

    name: str
    role: Role
    address: str
    prefixes: tuple[str, ...]
    service_url: str
    request: Path
    existing_key: bool


def is_profile_name(name: str) -> bool:
    """Whether ``name`` can be published in the directory on chain (ASCII letters, digits, - _ .; ≤ 80)."""
    return _PROFILE_NAME.fullmatch(name) is not None


def check_service_url(url: str, field: str = "--url") -> str:
    """``url`` if it is "" or an http(s) URL with a host, at most 200 printable ASCII characters without spaces."""
    if url == "":
        return url
    expected = f"an http:// or https:// URL with a host, at most {MAX_SERVICE_URL} characters, e.g. https://ledger.acme.example"
    if len(url) > MAX_SERVICE_URL or any(not 0x21 <= ord(c) <= 0x7E for c in url):
        raise _invalid(field, url, "is too long, or has spaces or characters other than printable ASCII", expected)
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises on a port that is no number or out of range
    except ValueError as exc:
        raise _invalid(field, url, f"is not a URL ({exc})", expected) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _invalid(field, url, "is not an http(s) URL with a host", expected)
    return url


def _invalid(field: str, value: str, problem: str, expected: str) -> InvalidInput:
    if field == "service_url":
        return BadJoinRequest(field, value, problem, expected)
    return InvalidInput(field, value, problem, expected)


def chain_role(chain: ChainClient, address: str) -> Role | None:
    """The app role ``address`` holds on chain (a custodian's kind included), or None."""
    for role in _CHAIN_ROLES:
        if all(chain.has_role(name, address) for name in role.chain_roles):
            return role
    return None


def request_path(home: Path, name: str) -> Path:
    return home / "join-requests" / f"{name}.json"


def write_request(home: Path, request: JoinRequest) -> Path:
    path = request_path(home, request.name)
    private_directory(path.parent)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(request.to_json())
    tmp.replace(path)
    return path


def pending_requests(home: Path) -> list[JoinRequest]:
    """The join requests this home wrote and has not yet seen granted (files it wrote itself: parsed, not checked)."""
    folder = home / "join-requests"
    return [JoinRequest.parse(path.read_bytes()) for path in sorted(folder.glob("*.json"))] if folder.is_dir() else []


def check_request(ledger: _Home, request: JoinRequest, now: int) -> Role:
    """Everything the administrator's home checks before granting ``request``; returns the role to grant."""
    domain = ledger.domain
    if request.chain_id != domain.chain_id:
        raise BadJoinRequest("chain_id", request.chain_id, "is another chain's", f"{domain.chain_id}, this ledger's chain")
    if request.contract.lower() != domain.contract.lower():
        raise BadJoinRequest("contract", request.contract, "is another contract", f"{domain.contract}, this ledger's contract")
    if request.timestamp > now + CLOCK_SKEW:
        raise BadJoinRequest("timestamp", request.timestamp, f"is {request.timestamp - now} s in the future",
                             "the time the request was made; check the requester's clock")
    if now - request.timestamp > JOIN_REQUEST_TTL:
        raise BadJoinRequest("timestamp", request.timestamp, f"is {(now - request.timestamp) // 86400} days old: "
                             "the request has expired", f"a request made within the last {JOIN_REQUEST_TTL // 86400} "
                             "days; the requester runs `ledger party add` again for a fresh one")
    signer = request.signer()
    if signer.lower() != request.address.lower():
        raise JoinRequestForged(request.address, signer)
    try:
        role = Role.parse(request.role)
    except Exception:  # noqa: BLE001 - worded below, as a request's field
        role = None
    if role is None or role is Role.ADMIN or request.role != role.value:
        raise BadJoinRequest("role", request.role, "is not a role a party may ask for",
                             " | ".join(r.value for r in _CHAIN_ROLES))
    if not is_profile_name(request.name):
        raise BadJoinRequest("name", request.name, "is not a directory name",
                             "1 to 80 ASCII letters, digits, '-', '_' and '.'")
    check_service_url(request.service_url, "service_url")
    if request.prefixes and role is not Role.BRAND:
        raise BadJoinRequest("prefixes", list(request.prefixes), f"are claimed for a {role.value}",
                             "no prefixes: only a brand owns GS1 company prefixes")
    with Session(ledger.engine) as s:
        if s.get(Party, request.address) is not None:
            raise StateConflict(f"party {request.address}", "is already in this ledger's directory: the request was "
                                "granted before")
        holder = s.scalars(select(Party).where(col(Party.name) == request.name)).first()
    if holder is not None:
        raise StateConflict(f"party name {request.name}", f"is taken by {holder.address}; the requester asks again "
                            "under another name")
    if chain_role(ledger.chain, request.address) is not None:
        raise StateConflict(f"party {request.address}", "already holds a role on chain: the request was granted before")
    ledger.refuse_taken_prefixes(request.prefixes)
    return role


def grant_request(ledger: _Home, data: bytes, now: int) -> Party:
    """Check the request file's bytes and grant it on chain; the new party gets its rows in this index."""
    admin = ledger.admin_account()
    if admin is None:
        raise NotContractAdmin(ledger.chain.contract.address, "grant roles")
    request = JoinRequest.parse(data)
    role = check_request(ledger, request, now)
    with contextlib.suppress(ChainRejected):  # a production network has no dev accounts: the requester buys its gas
        ledger.chain.fund(request.address, ledger.gas_money)
    for chain_role_name in role.chain_roles:
        ledger.chain.grant_role(admin, chain_role_name, request.address)
    for prefix in request.prefixes:
        ledger.chain.bind_prefix(admin, prefix, request.address)
    party = Party(address=request.address, name=request.name, role=role, created_at=datetime.now(UTC),
                  service_url="")  # the URL comes with the party's own published entry (`ledger sync`)
    with unit_of_work(ledger.engine) as s:
        s.add(party)
        s.add_all(PrefixBinding(prefix=p, brand=request.address) for p in request.prefixes)
    return party


def adopt_granted(ledger: _Home, only: str | None = None) -> list[Party]:
    """The parties whose join requests the chain now shows granted get their rows here, and publish their
    directory entries; their request files are removed. Requests not granted yet stay, silently, and so do
    granted ones while the keystore is locked (a `ledger sync` without LEDGER_PASSPHRASE signs nothing)."""
    adopted = []
    for request in pending_requests(ledger.settings.home):
        if only is not None and request.name != only:
            continue
        if request.name not in ledger.keystore.names() or ledger.keystore.address_of(request.name) != request.address:
            continue
        role = Role(request.role)
        if chain_role(ledger.chain, request.address) is not role:
            continue
        if any(ledger.chain.prefix_owner(p) != request.address for p in request.prefixes):
            continue
        if ledger.keystore.locked:  # publishing needs the party's key: the first command that signs as it takes it up
            continue
        account = ledger.keystore.unlock(request.name)
        if ledger.chain.profile_of(request.address) != (request.name, request.service_url):
            ledger.chain.publish_profile(account, request.name, request.service_url)
        party = Party(address=request.address, name=request.name, role=role, created_at=datetime.now(UTC),
                      service_url=request.service_url)
        with unit_of_work(ledger.engine) as s:
            if s.get(Party, request.address) is None:
                s.add(party)
            else:  # `ledger sync` learned it from the chain first: this home's name and URL are the party's own
                row = s.get(Party, request.address)
                assert row is not None
                row.name, row.role, row.service_url = request.name, role, request.service_url
            for prefix in request.prefixes:
                if s.get(PrefixBinding, prefix) is None:
                    s.add(PrefixBinding(prefix=prefix, brand=request.address))
        request_path(ledger.settings.home, request.name).unlink(missing_ok=True)
        adopted.append(party)
    return adopted
