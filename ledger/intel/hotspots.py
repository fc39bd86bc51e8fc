"""Hotspots: hexagonal cells (H3) where flagged scans and seizures exceed what the cell's own scan volume explains.

Each cell is tested on its own volume: with ``n`` observations (scans and seizures) in the
cell and the scope's network-wide flagged share ``p``, the chance of ``k`` or more flags is a
binomial tail; a busy port with many flags only because it scans a lot is not a hotspot, a
quiet town where one in five scans is flagged is. The p-values of all cells are adjusted
together (Benjamini–Hochberg), and a cell is a hotspot when its q-value is at most ``alpha``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import h3

from ..codes.signature import BrandDirectory
from ..errors import InvalidInput
from ._tally import Tally
from .records import ScanGroup, Seizure, week_of
from .stats import adjusted, excess_p_value

__all__ = ["EVERYTHING", "MAX_RESOLUTION", "Hotspot", "HotspotReport", "Scope", "cell_label", "cell_of", "hotspots"]

# Scans are grouped on a 0.01° grid (about 1 km) before they reach this module: cells of resolution 6
# (edge about 3.7 km) and coarser are not distorted by that rounding.
MAX_RESOLUTION = 6


@dataclass(frozen=True)
class Scope:
    """What an analysis looks at: one brand (address), one product (GTIN-14), a period [since, until)."""

    brand: str | None = None
    gtin: str | None = None
    since: int | None = None
    until: int | None = None

    def covers_gtin(self, gtin: str, brands: BrandDirectory) -> bool:
        if self.gtin is not None and gtin != self.gtin:
            return False
        if self.brand is not None:
            owner = brands.owner_of(gtin)
            return owner is not None and owner[0].address.lower() == self.brand.lower()
        return True

    def covers_week(self, week: int) -> bool:
        return ((self.since is None or week >= week_of(self.since))
                and (self.until is None or week <= week_of(self.until - 1)))

    def covers_time(self, timestamp: int) -> bool:
        return (self.since is None or timestamp >= self.since) and (self.until is None or timestamp < self.until)


EVERYTHING = Scope()


@dataclass(frozen=True)
class Hotspot:
    cell: str
    lat: float
    lon: float
    place: str
    scans: int
    flagged_scans: int
    seizures: int
    expected: float  # flags the cell's volume would bring at the scope's network-wide share
    p_value: float
    q_value: float
    suspect: int = 0
    counterfeit: int = 0
    stolen: int = 0

    @property
    def observed(self) -> int:
        return self.flagged_scans + self.seizures

    @property
    def ratio(self) -> float:
        return self.observed / self.expected if self.expected else float("inf")


@dataclass(frozen=True)
class HotspotReport:
    resolution: int
    alpha: float
    cells_tested: int
    observations: int  # scans and seizures in scope, with a place
    flagged: int
    hotspots: tuple[Hotspot, ...] = field(default_factory=tuple)

    @property
    def rate(self) -> float:
        return self.flagged / self.observations if self.observations else 0.0


def cell_of(lat: float, lon: float, resolution: int) -> str:
    return str(h3.latlng_to_cell(lat, lon, resolution))


def cell_label(cell: str, sites: Counter[str]) -> str:
    """The most scanned site name in the cell, else its centre's coordinates."""
    named = [(n, s) for s, n in sites.items() if s]
    if named:
        return max(named)[1]
    lat, lon = h3.cell_to_latlng(cell)
    return f"near {lat:.2f},{lon:.2f}"


def hotspots(groups: Sequence[ScanGroup], seizures: Sequence[Seizure], brands: BrandDirectory, scope: Scope = EVERYTHING,
             resolution: int = 5, alpha: float = 0.05, min_flags: int = 3) -> HotspotReport:
    """Cells whose flagged scans and seizures exceed their volume's expectation, most significant first.

    ``min_flags``: a cell needs at least this many flags to be reported, whatever its p-value
    (two flags in a cell of two scans are a coincidence worth no patrol).
    """
    if not 0 <= resolution <= MAX_RESOLUTION:
        raise InvalidInput("resolution", resolution, f"is outside 0…{MAX_RESOLUTION}", "an H3 resolution, e.g. 5 (cells of about 250 km²)")
    if not 0 < alpha < 1:
        raise InvalidInput("alpha", alpha, "is not between 0 and 1", "a false-discovery rate such as 0.05")
    cells: dict[str, Tally] = defaultdict(Tally)
    for g in groups:
        if g.lat is None or g.lon is None or not scope.covers_week(g.week) or not scope.covers_gtin(g.gtin, brands):
            continue
        cells[cell_of(g.lat, g.lon, resolution)].add_scans(g)
    for s in seizures:
        if s.place is None or not scope.covers_time(s.timestamp) or not scope.covers_gtin(s.gtin, brands):
            continue
        cells[cell_of(s.place.lat, s.place.lon, resolution)].add_seizure(s)
    total = sum(c.scans + c.seizures for c in cells.values())
    flagged = sum(c.flagged + c.seizures for c in cells.values())
    rate = flagged / total if total else 0.0
    ordered = sorted(cells.items())
    p_values = [excess_p_value(c.flagged + c.seizures, c.scans + c.seizures, rate) for _, c in ordered]
    found = []
    for (cell, c), p, q in zip(ordered, p_values, adjusted(p_values), strict=True):
        n, k = c.scans + c.seizures, c.flagged + c.seizures
        if q <= alpha and k >= min_flags and k > n * rate:
            lat, lon = h3.cell_to_latlng(cell)
            found.append(Hotspot(cell, lat, lon, cell_label(cell, c.sites), c.scans, c.flagged, c.seizures, n * rate, p, q,
                                 c.suspect, c.counterfeit, c.stolen))
    found.sort(key=lambda h: (h.q_value, h.p_value, -h.observed))
    return HotspotReport(resolution, alpha, len(cells), total, flagged, tuple(found))
