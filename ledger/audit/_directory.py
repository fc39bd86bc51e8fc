"""Audit of the directory: what verdicts and custody checks read from the index besides items,
events and anchors, each against what proves it.

- prefix bindings (whose signature a GTIN needs): each row against the contract's ``prefixOwner``,
  and every ``PrefixBound`` log against the rows, so a changed, added or deleted row is found;
- parties' roles (custody rules, the verdicts' holder and carrier checks): each party must hold its
  role's on-chain roles (``hasRole``), a custodian's kind included (CARRIER, DISTRIBUTOR, RETAILER);
- parties' names and addresses (``--as``, ``--to``, names in verdicts): each key file of this home
  must have the party row of its name at the key's address;
- premises (CUSTODY_MISMATCH for goods at rest): each party's rows must hash to what the party
  committed on chain (``premisesHash``), for the parties of this home and any party with rows;
- the directory (names and service URLs other homes reach a party by): each party that published an entry
  (``profileOf``) has its name (or, where another address took that name here, ``NAME-<6 hex digits>``) and URL
  in its row; a row with a URL for a party that published none is found too (:func:`check_profiles`).

docs/DESIGN.md lists everything else the index holds and why it needs no proof.
"""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import Session, col, select

from ..chain.client import ChainClient
from ..chain.keystore import Keystore
from ..chain.roles import Role
from ..index.models import Party, PrefixBinding, Premises
from ..proofs.premises import premises_hash
from .findings import Finding, FindingCode

__all__ = ["check_directory", "check_profiles"]

_LOG_BLOCKS = 5_000  # blocks per eth_getLogs request: nodes cap the range a query may span
_KINDS = ("CARRIER", "DISTRIBUTOR", "RETAILER")
_KNOWN_ROLES = ("ADMIN", "BRAND", "CUSTODIAN", "CARRIER", "DISTRIBUTOR", "RETAILER", "OFFICER", "AUDITOR")


def _h(data: bytes) -> str:
    return "0x" + data.hex()


def check_directory(session: Session, chain: ChainClient, keystore: Keystore) -> list[Finding]:
    parties = list(session.scalars(select(Party).order_by(col(Party.name))))
    bindings = list(session.scalars(select(PrefixBinding).order_by(col(PrefixBinding.prefix))))
    premises = list(session.scalars(select(Premises)))
    common = [*check_prefix_bindings(bindings, chain), *check_party_keys(parties, keystore)]
    if chain.runs_artifact():
        return [*common, *check_party_roles(parties, chain), *check_premises(parties, premises, keystore, chain),
                *check_profiles(parties, chain)]
    # An older deployment holds no premises hashes and no custodian kinds: say so once, check what it has.
    outdated = Finding(FindingCode.CONTRACT_OUTDATED, f"contract {chain.contract.address}",
                       "its code is not this version's artifact",
                       "the contract this version deploys (`ledger init --redeploy` on a development chain; on a shared "
                       "network its administrator deploys the new version and parties re-register)")
    return [outdated, *common, *check_party_roles(parties, chain, kinds=False)]


def _chain_bindings(chain: ChainClient) -> dict[str, str]:
    """Every prefix the contract bound, with its brand, from the ``PrefixBound`` logs."""
    head = chain.block_number()
    bound: dict[str, str] = {}
    for low in range(0, head + 1, _LOG_BLOCKS):
        bound.update(chain.prefix_bindings_between(low, min(head, low + _LOG_BLOCKS - 1)))
    return bound


def check_prefix_bindings(rows: list[PrefixBinding], chain: ChainClient) -> list[Finding]:
    findings = []
    for row in rows:
        owner = chain.prefix_owner(row.prefix)
        if owner is None:
            findings.append(Finding(FindingCode.PREFIX_BINDING_ALTERED, f"prefix {row.prefix}", f"is bound to {row.brand}",
                                    "no binding: the contract has not bound this prefix (prefixOwner is zero)"))
        elif owner.lower() != row.brand.lower():
            findings.append(Finding(FindingCode.PREFIX_BINDING_ALTERED, f"prefix {row.prefix}", f"is bound to {row.brand}",
                                    f"{owner} (prefixOwner)"))
    indexed = {row.prefix for row in rows}
    findings += [Finding(FindingCode.PREFIX_NOT_INDEXED, f"prefix {prefix}", "has no index row",
                         f"bound to {brand} (PrefixBound log)")
                 for prefix, brand in sorted(_chain_bindings(chain).items()) if prefix not in indexed]
    return findings


def check_party_roles(parties: list[Party], chain: ChainClient, kinds: bool = True) -> list[Finding]:
    """Each party's role against ``hasRole``; without ``kinds``, a custodian's kind (which older contracts
    do not record) is not asked for."""
    findings = []
    for party in parties:
        subject = f"party {party.name}"
        try:
            needed = tuple(name for name in Role(party.role).chain_roles if kinds or name not in _KINDS)
        except ValueError:
            findings.append(Finding(FindingCode.PARTY_ROLE_MISMATCH, subject, f"role is {party.role!r}",
                                    "one of " + ", ".join(r.value for r in Role)))
            continue
        if all(chain.has_role(name, party.address) for name in needed):
            continue
        held = [name for name in _KNOWN_ROLES if chain.has_role(name, party.address)]
        findings.append(Finding(FindingCode.PARTY_ROLE_MISMATCH, subject, f"role is {party.role}, which needs "
                                f"{' and '.join(needed)} on chain",
                                f"a role that {party.address} holds: it holds {', '.join(held) or 'no role'} (hasRole)"))
    return findings


def check_party_keys(parties: list[Party], keystore: Keystore) -> list[Finding]:
    """The parties this home holds keys for are where their keys are: a renamed, re-addressed or deleted
    row would send ``--to NAME`` elsewhere and put the wrong name on verdicts."""
    by_name = {p.name: p for p in parties}
    findings = []
    for name in keystore.names():
        address = keystore.address_of(name)
        row = by_name.get(name)
        if row is None:
            findings.append(Finding(FindingCode.PARTY_KEY_MISMATCH, f"party {name}", "has no index row",
                                    f"a row for {name} at {address}, the address its key file holds"))
        elif address is None or row.address.lower() != address.lower():
            findings.append(Finding(FindingCode.PARTY_KEY_MISMATCH, f"party {name}", f"address is {row.address}",
                                    f"{address or 'a readable address'}, the address its key file holds"))
    return findings


def check_premises(parties: list[Party], rows: list[Premises], keystore: Keystore, chain: ChainClient) -> list[Finding]:
    """Each party's premises hash to what it committed; a deleted row shows as much as an added or moved one."""
    places: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
    for row in rows:
        places[row.party].append((row.lat, row.lon, row.label))
    keys = set(keystore.names())
    ours = {p.address for p in parties if p.name in keys}
    findings = []
    for address in sorted(ours | places.keys()):
        mine, committed = premises_hash(places.get(address, ())), chain.premises_hash(address)
        if mine != committed:
            name = next((p.name for p in parties if p.address == address), address)
            count = len(places.get(address, ()))
            findings.append(Finding(FindingCode.PREMISES_MISMATCH, f"party {name}",
                                    f"has {count} premises in the index, hashing to {_h(mine)}",
                                    f"{_h(committed)}, the premises hash it committed on chain (premisesHash)"))
    return findings


def check_profiles(parties: list[Party], chain: ChainClient) -> list[Finding]:
    """Each party's name and service URL against the entry it published on chain (``profileOf``). A party that
    published none may have any name here (a local label: decisions go by address), but no URL."""
    findings = []
    for party in parties:
        if party.role == Role.ADMIN:
            continue
        name, url = chain.profile_of(party.address)
        if not name:
            if party.service_url:
                findings.append(Finding(FindingCode.PROFILE_MISMATCH, f"party {party.name}",
                                        f"has the service URL {party.service_url!r}",
                                        f"none: {party.address} published no directory entry (profileOf)"))
            continue
        names = (name, f"{name[:73]}-{party.address[2:8].lower()}")  # as `ledger sync` labels a name taken here
        if party.name not in names or party.service_url != url:
            findings.append(Finding(FindingCode.PROFILE_MISMATCH, f"party {party.address}",
                                    f"is named {party.name!r} with the service URL {party.service_url!r}",
                                    f"name {name!r} and service URL {url!r}, the entry it published (profileOf)"))
    return findings
