"""Who sees what of the analyses: sharing rules for scan places and scanner identities.

Scan places can be personal data (a member of the public's phone) and scanner identities
are operational data (which post, which retailer). The analyses themselves only count, so
their results (cells, lanes, rates, rings) carry neither; the records behind a result do,
and :func:`shown_scan` decides, per viewer, what of a record is shown:

============  ===============================================================================
viewer        sees
============  ===============================================================================
``full``      officers, auditors and the ledger's operator (the CLI without ``--for``): every
              brand; each scan's coordinates and site, and the scanning party's name
``brand``     a brand (the CLI's ``--for BRAND``): its own products only; a scan's place as the
              H3 cell (resolution 5, about 250 km²) it fell in, never its coordinates; the
              scanning party as a pseudonym that is stable on this ledger (so repeated scans by
              one post are visible as such) but cannot be turned back into the party without the
              ledger's key; members of the public as ``public``
carriers,     nothing: the intelligence views are refused (``NotAllowed``)
distributors,
retailers
============  ===============================================================================

The analyses' own results follow the same rules for a brand (:func:`shared_counts`): hotspot and
trend cells no finer than resolution 5, and cells labelled by their centre, never by the site
names of the scans and seizures in them (a post's name says who scanned).

Web users' names never appear: a scan records the party, not the person who scanned. Raw places
and scanners are kept for a retention period only (:mod:`ledger.intel.retention`); after it the
analyses read weekly aggregates that carry neither a scanner nor more than a 0.01° grid point.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import h3

from ..chain.roles import Role
from ..errors import NotAllowed, RoleError
from .hotspots import Scope
from .records import ScanGroup, ScanRow, Seizure

__all__ = ["BRAND_CELL_RESOLUTION", "Detail", "Pseudonyms", "Viewer", "pseudonym_key", "shared_counts", "shown_scan",
           "viewer_for"]

BRAND_CELL_RESOLUTION = 5
_KEY_FILE = "intel-pseudonyms.key"


class Detail(enum.StrEnum):
    FULL = "full"
    BRAND = "brand"


@dataclass(frozen=True, slots=True)
class Viewer:
    detail: Detail
    name: str
    brand: str | None = None  # the brand's address, for Detail.BRAND

    def scope(self, asked: Scope) -> Scope:
        """``asked``, narrowed to what this viewer may see: a brand sees its own goods only."""
        if self.detail is Detail.FULL:
            return asked
        if asked.brand is not None and asked.brand != self.brand:
            raise _OtherBrand(self.name)
        return replace(asked, brand=self.brand)


class _OtherBrand(NotAllowed):
    def __init__(self, viewer: str) -> None:
        self.viewer = viewer
        super().__init__(f"{viewer} may see intelligence on its own goods only; leave out --brand or name {viewer}")


FULL_VIEW = Viewer(Detail.FULL, "operator")


def viewer_for(role: Role, address: str, name: str) -> Viewer:
    """The view a party of ``role`` gets; custodians get none (RoleError)."""
    if role in (Role.OFFICER, Role.AUDITOR, Role.ADMIN):
        return Viewer(Detail.FULL, name)
    if role is Role.BRAND:
        return Viewer(Detail.BRAND, name, address)
    raise RoleError(name, "see intelligence on scans and shipments", "officer, auditor or brand")


def pseudonym_key(home: Path) -> bytes:
    """The ledger's pseudonym key (``intel-pseudonyms.key`` in the home, mode 0600), made on first use."""
    path = home / _KEY_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(path.read_text().strip())
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())


class Pseudonyms:
    """Stable, keyed pseudonyms of party addresses: HMAC-SHA-256, first 10 hex digits."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def of(self, address: str | None) -> str:
        if address is None:
            return "public"
        return "scanner-" + hmac.new(self._key, address.lower().encode(), hashlib.sha256).hexdigest()[:10]


def shown_scan(scan: ScanRow, viewer: Viewer, names: Mapping[str, str], pseudonyms: Pseudonyms) -> dict[str, Any]:
    """One scan as ``viewer`` may see it."""
    when = datetime.fromtimestamp(scan.timestamp, UTC).isoformat().replace("+00:00", "Z")
    shown: dict[str, Any] = {"scan": scan.id, "code": scan.key, "time": when, "verdict": scan.verdict,
                             "reasons": list(scan.reasons)}
    if viewer.detail is Detail.FULL:
        shown["place"] = (None if scan.place is None else
                          {"lat": scan.place.lat, "lon": scan.place.lon, "site": scan.place.site})
        shown["scanner"] = "public" if scan.party is None else names.get(scan.party, scan.party)
    else:
        shown["place"] = (None if scan.place is None else
                          {"cell": str(h3.latlng_to_cell(scan.place.lat, scan.place.lon, BRAND_CELL_RESOLUTION))})
        shown["scanner"] = pseudonyms.of(scan.party)
    return shown


class _FinerThanShared(NotAllowed):
    def __init__(self, viewer: str, resolution: int) -> None:
        self.viewer = viewer
        self.resolution = resolution
        super().__init__(f"{viewer} may see places as H3 cells of resolution {BRAND_CELL_RESOLUTION} or coarser, not "
                         f"{resolution}; ask for --resolution {BRAND_CELL_RESOLUTION} or less")


def shared_counts(groups: Sequence[ScanGroup], seizures: Sequence[Seizure], viewer: Viewer, resolution: int
                  ) -> tuple[list[ScanGroup], list[Seizure]]:
    """The counts a hotspot or trend analysis at ``resolution`` may use for ``viewer``: all of them for full detail;
    for a brand, without site names, and refused (NotAllowed) finer than :data:`BRAND_CELL_RESOLUTION`."""
    if viewer.detail is Detail.FULL:
        return list(groups), list(seizures)
    if resolution > BRAND_CELL_RESOLUTION:
        raise _FinerThanShared(viewer.name, resolution)
    return ([replace(g, site="") if g.site else g for g in groups],
            [replace(z, place=replace(z.place, site="")) if z.place is not None and z.place.site else z for z in seizures])
