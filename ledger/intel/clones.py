"""Clone rings: codes seen at many places, and groups of one batch's codes cloned together.

A genuine item is in one place at a time and moves along its custody path; a copied code
turns up wherever its copies are sold. :func:`cloned_codes` counts each code's places (H3
cells) and clone alerts. :func:`clone_rings` joins codes of one registration batch whose
clone alerts fell in a common cell: labels copied together (a pallet photographed, a print
run stolen) are sold together, so a ring is one source of fakes to trace.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .hotspots import cell_of
from .records import ItemInfo, ScanRow

__all__ = ["ClonedCode", "CloneRing", "clone_rings", "cloned_codes"]

_CLONE_REASONS = frozenset({"CLONE_IMPOSSIBLE_TRAVEL", "TOO_MANY_LOCATIONS"})


@dataclass(frozen=True)
class ClonedCode:
    item_id: str
    key: str
    batch: str | None  # None: a code no brand registered
    brand: str | None  # address
    places: int  # distinct cells it was scanned in
    scans: int
    clone_alerts: int
    first_seen: int
    last_seen: int
    clone_cells: tuple[str, ...]  # cells of its scans with a clone alert
    scan_ids: tuple[int, ...]  # the records behind it


@dataclass(frozen=True)
class CloneRing:
    batch: str
    brand: str  # address
    codes: tuple[str, ...]  # keys
    cells: tuple[str, ...]
    scans: int
    first_seen: int
    last_seen: int


def cloned_codes(scans: Sequence[ScanRow], items: Mapping[str, ItemInfo], min_places: int = 5,
                 resolution: int = 4) -> list[ClonedCode]:
    """Codes seen in at least ``min_places`` cells or with a clone alert, most places first."""
    by_item: dict[str, list[ScanRow]] = defaultdict(list)
    for s in scans:
        by_item[s.item_id].append(s)
    found = []
    for item_id, rows in by_item.items():
        cells = {cell_of(r.place.lat, r.place.lon, resolution) for r in rows if r.place is not None}
        alerts = [r for r in rows if _CLONE_REASONS.intersection(r.reasons)]
        if len(cells) < min_places and not alerts:
            continue
        info = items.get(item_id)
        clone_cells = sorted({cell_of(r.place.lat, r.place.lon, resolution) for r in alerts if r.place is not None})
        found.append(ClonedCode(item_id, rows[0].key, info.batch if info else None, info.brand if info else None, len(cells),
                                len(rows), len(alerts), min(r.timestamp for r in rows), max(r.timestamp for r in rows),
                                tuple(clone_cells), tuple(r.id for r in rows)))
    found.sort(key=lambda c: (-c.places, -c.clone_alerts, c.key))
    return found


def _root(parent: list[int], i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def clone_rings(codes: Sequence[ClonedCode], min_codes: int = 2) -> list[CloneRing]:
    """Groups of at least ``min_codes`` codes of one batch linked by a shared clone-alert cell, largest first."""
    by_batch: dict[str, list[ClonedCode]] = defaultdict(list)
    for c in codes:
        if c.batch is not None and c.clone_cells:
            by_batch[c.batch].append(c)
    rings = []
    for batch, members in by_batch.items():
        parent = list(range(len(members)))  # union-find over the batch's cloned codes
        first_in_cell: dict[str, int] = {}
        for i, c in enumerate(members):
            for cell in c.clone_cells:
                j = first_in_cell.setdefault(cell, i)
                parent[_root(parent, i)] = _root(parent, j)
        groups: dict[int, list[ClonedCode]] = defaultdict(list)
        for i, c in enumerate(members):
            groups[_root(parent, i)].append(c)
        for group in groups.values():
            if len(group) >= min_codes:
                rings.append(CloneRing(batch, group[0].brand or "", tuple(sorted(c.key for c in group)),
                                       tuple(sorted({cell for c in group for cell in c.clone_cells})),
                                       sum(c.scans for c in group), min(c.first_seen for c in group),
                                       max(c.last_seen for c in group)))
    rings.sort(key=lambda r: (-len(r.codes), -r.scans, r.batch))
    return rings
