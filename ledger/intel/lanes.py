"""Lanes: origin → destination (and carrier) of shipments, with the share of their items later found bad.

A lane is a handover leg as the ledger records it: from the sender's place to the receiver's,
with the carrier on either side of it (a carrier's trip shows as the leg into its custody and the
leg out of it). An item "later found bad" had, after that shipment left, a flag in
:data:`~ledger.intel.records.FOUND_BAD`: a clone alert, a suspect or counterfeit scan, a theft
report or a scan of it as stolen, or a seizure. Lanes are ranked by their shrunk share (a lane of
two shipments cannot top the list on one bad item) and tested against the network's share.

The same counting serves carriers, senders, receivers and brands (:func:`rates`), which the risk
score uses as histories.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass

from ..errors import InvalidInput
from .hotspots import EVERYTHING, Scope
from .records import FOUND_BAD, FlagKind, Records, ShipmentRow
from .stats import adjusted, excess_p_value, shrunk_rate

__all__ = ["PRIOR_ITEMS", "Lane", "LaneKey", "Outcome", "Rate", "lane_of", "lanes", "outcomes", "rates"]

PRIOR_ITEMS = 200.0  # the network's share counts as this many items of evidence in every lane's, carrier's… share


@dataclass(frozen=True, slots=True)
class LaneKey:
    origin: str
    destination: str
    carrier: str | None  # address

    def text(self, records: Records) -> str:
        via = f" via {records.name(self.carrier)}" if self.carrier else ""
        return f"{self.origin} → {self.destination}{via}"


def lane_of(shipment: ShipmentRow) -> LaneKey:
    return LaneKey(shipment.origin, shipment.destination, shipment.carrier)


@dataclass(frozen=True)
class Outcome:
    """What became of one shipment's items after it left: bad items, by kind, and the records behind them."""

    items: int
    bad_items: tuple[str, ...]  # item ids
    kinds: tuple[tuple[FlagKind, int], ...]  # items per kind of flag
    sources: tuple[str, ...]  # the flags' records

    @property
    def bad(self) -> int:
        return len(self.bad_items)


def outcomes(records: Records, until: int | None = None) -> dict[str, Outcome]:
    """Each shipment's outcome from the flags raised after it was shipped (and before ``until``)."""
    flags_of: dict[str, list[tuple[int, FlagKind, str]]] = defaultdict(list)
    for f in records.flags:
        if f.kind in FOUND_BAD and (until is None or f.timestamp < until):
            flags_of[f.item_id].append((f.timestamp, f.kind, f.source))
    shipped_at = {s.root: s.shipped_at for s in records.shipments}
    bad: dict[str, dict[str, list[tuple[FlagKind, str]]]] = defaultdict(dict)
    for root, item in records.shipped:
        when = shipped_at.get(root)
        if when is None:
            continue
        later = [(kind, source) for ts, kind, source in flags_of.get(item, ()) if ts >= when]
        if later:
            bad[root][item] = later
    result = {}
    for s in records.shipments:
        found = bad.get(s.root, {})
        kinds: Counter[FlagKind] = Counter()
        for later in found.values():
            kinds.update({kind for kind, _ in later})
        result[s.root] = Outcome(s.count, tuple(sorted(found)), tuple(sorted(kinds.items())),
                                 tuple(sorted({src for later in found.values() for _, src in later})))
    return result


@dataclass(frozen=True)
class Rate:
    """Items and bad items of one group of shipments (a lane, a carrier, a brand…), against the network's share."""

    key: Hashable
    shipments: int
    items: int
    bad: int
    share: float
    shrunk: float
    p_value: float
    kinds: tuple[tuple[FlagKind, int], ...] = ()
    roots: tuple[str, ...] = ()  # the shipments behind it


def rates(shipments: Iterable[ShipmentRow], done: Mapping[str, Outcome], key: Callable[[ShipmentRow], Iterable[Hashable]],
          weight: Callable[[ShipmentRow, Hashable], int] | None = None,
          bad_of: Callable[[ShipmentRow, Hashable, Outcome], int] | None = None,
          prior_items: float = PRIOR_ITEMS) -> dict[Hashable, Rate]:
    """Group shipments by ``key`` (a shipment may fall in several groups, e.g. one per brand in it).

    ``weight`` gives the items a shipment brings to a group (default all of them); ``bad_of`` its bad
    items there (default all of its bad items).
    """
    totals: dict[Hashable, list[int]] = defaultdict(lambda: [0, 0, 0])
    kinds: dict[Hashable, Counter[FlagKind]] = defaultdict(Counter)
    roots: dict[Hashable, list[str]] = defaultdict(list)
    for s in shipments:
        outcome = done.get(s.root)
        if outcome is None:
            continue
        for k in key(s):
            n = weight(s, k) if weight else s.count
            b = bad_of(s, k, outcome) if bad_of else outcome.bad
            t = totals[k]
            t[0], t[1], t[2] = t[0] + 1, t[1] + n, t[2] + b
            kinds[k].update(dict(outcome.kinds))
            roots[k].append(s.root)
    items = sum(t[1] for t in totals.values())
    base = sum(t[2] for t in totals.values()) / items if items else 0.0
    return {k: Rate(k, t[0], t[1], t[2], t[2] / t[1] if t[1] else 0.0, shrunk_rate(t[2], t[1], base, prior_items),
                    excess_p_value(t[2], t[1], base), tuple(sorted(kinds[k].items())), tuple(roots[k]))
            for k, t in totals.items()}


@dataclass(frozen=True)
class Lane:
    key: LaneKey
    origin: str
    destination: str
    carrier: str  # name, or "—" when neither side is a carrier
    rate: Rate
    q_value: float


def _brand_share(shipment: ShipmentRow, brand: str) -> int:
    return dict(shipment.brands).get(brand, 0)


def lanes(records: Records, scope: Scope = EVERYTHING, prior_items: float = PRIOR_ITEMS) -> list[Lane]:
    """Every lane in scope, most suspicious first (shrunk share, then p-value).

    With ``scope.brand`` only that brand's items count (its share of each shipment and its bad items);
    ``scope.since``/``until`` bound the ship time. Shipments are not split by product, so ``scope.gtin`` is refused.
    """
    if scope.gtin is not None:
        raise InvalidInput("gtin", scope.gtin, "cannot narrow lanes (the index counts a shipment's items by brand, not product)",
                           "a brand")
    chosen = [s for s in records.shipments if scope.covers_time(s.shipped_at)
              and (scope.brand is None or _brand_share(s, scope.brand) > 0)]
    done = outcomes(records)
    weight = bad_of = None
    if scope.brand is not None:
        brand = scope.brand

        def weight(s: ShipmentRow, _k: Hashable) -> int:
            return _brand_share(s, brand)

        def bad_of(_s: ShipmentRow, _k: Hashable, o: Outcome) -> int:
            return sum(1 for i in o.bad_items if (info := records.items.get(i)) is not None and info.brand == brand)

    found = rates(chosen, done, lambda s: [lane_of(s)], weight, bad_of, prior_items)
    ordered = sorted(found.values(), key=lambda r: (-r.shrunk, r.p_value))
    qs = adjusted([r.p_value for r in ordered])
    return [Lane(key, key.origin, key.destination, records.name(key.carrier) if key.carrier else "—", r, q)
            for r, q in zip(ordered, qs, strict=True) if isinstance(key := r.key, LaneKey)]
