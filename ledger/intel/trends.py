"""Trends: scans, flags and seizures per week, per brand and per place, with the flagged share."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from ..codes.signature import BrandDirectory
from ._tally import Tally
from .hotspots import EVERYTHING, Scope, cell_label, cell_of
from .records import ScanGroup, Seizure, week_of, week_start

__all__ = ["TrendRow", "trends"]

ALL = "all"


@dataclass(frozen=True)
class TrendRow:
    week: str  # the Monday it starts, YYYY-MM-DD
    brand: str  # name, or "all"
    place: str  # a cell's label, "unknown" for scans without a place, or "all"
    scans: int
    suspect: int
    counterfeit: int
    stolen: int
    seizures: int
    flagged: int  # scans flagged (suspect, counterfeit or of a stolen item) plus seizures
    cell: str = ""

    @property
    def rate(self) -> float:
        total = self.scans + self.seizures
        return self.flagged / total if total else 0.0


def trends(groups: Sequence[ScanGroup], seizures: Sequence[Seizure], brands: BrandDirectory, scope: Scope = EVERYTHING,
           by_brand: bool = False, by_place: bool = False, resolution: int = 3) -> list[TrendRow]:
    """One row per week (and brand, and place, when asked), oldest week first.

    Places are H3 cells of ``resolution`` (3: about 12,000 km², a region), named after their busiest site.
    """
    sums: dict[tuple[int, str, str], Tally] = defaultdict(Tally)

    def brand_name(gtin: str) -> str:
        owner = brands.owner_of(gtin)
        return owner[0].name if owner else "unknown brand"

    for g in groups:
        if not scope.covers_week(g.week) or not scope.covers_gtin(g.gtin, brands):
            continue
        cell = cell_of(g.lat, g.lon, resolution) if g.lat is not None and g.lon is not None else ""
        sums[(g.week, brand_name(g.gtin) if by_brand else ALL, (cell or "unknown") if by_place else ALL)].add_scans(g)
    for z in seizures:
        if not scope.covers_time(z.timestamp) or not scope.covers_gtin(z.gtin, brands):
            continue
        cell = cell_of(z.place.lat, z.place.lon, resolution) if z.place is not None else ""
        sums[(week_of(z.timestamp), brand_name(z.gtin) if by_brand else ALL, (cell or "unknown") if by_place else ALL)] \
            .add_seizure(z)
    rows = []
    for (week, brand, place), s in sorted(sums.items()):
        label = cell_label(place, s.sites) if place not in (ALL, "unknown") else place
        rows.append(TrendRow(week_start(week).date().isoformat(), brand, label, s.scans, s.suspect, s.counterfeit, s.stolen,
                             s.seizures, s.flagged + s.seizures, place if place not in (ALL, "unknown") else ""))
    return rows
