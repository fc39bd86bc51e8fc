"""Targeting: which open shipment, and which item scanned at a post, to inspect first — with the reasons.

A score is a sum of points, each point a reason a person can check:

* **histories** — the lane's, carrier's, sender's, receiver's and brands' shares of items later found
  bad, over received shipments (:func:`history`), each shrunk toward the network's share; a history
  at ``r`` times the network's share earns ``log2(r)`` points (at most 6). A lane twice as bad as the
  network earns 1 point, sixteen times as bad 4.
* **a consignment held back** — a carrier shipping on fewer of a consignment's items than it received
  in it (carriers carry consignments whole; distributors split them): ``2 + 4 × share held back``;
* **the items' own records** — before now: reported stolen or scanned as stolen (6), seized or scanned
  as counterfeit (5), clone alerts (4), held by an inspection or recalled (3), other suspect scans or
  a case opened by a carrier on the way (2); ``w + log2(n)`` points for ``n`` items with such a record.

Points are log-likelihood-like, so they add; weights are round numbers chosen to order findings
(a stolen item outweighs a poor lane), not fitted, and the benchmark (scripts/bench_intel.py)
measures the ranking on simulated networks.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

from ..chain.roles import Role
from .lanes import PRIOR_ITEMS, Outcome, Rate, lane_of, outcomes, rates
from .records import FlagKind, ItemInfo, Records, ScanRow, ShipmentRow
from .stats import log_ratio

__all__ = ["ITEM_WEIGHTS", "History", "ItemRisk", "RiskReason", "ShipmentRisk", "history", "item_risks",
           "shipment_risks"]

ITEM_WEIGHTS: dict[FlagKind, float] = {
    FlagKind.STOLEN: 6.0, FlagKind.STOLEN_SCANNED: 6.0, FlagKind.SEIZED: 5.0, FlagKind.COUNTERFEIT: 5.0,
    FlagKind.CLONE: 4.0, FlagKind.HELD: 3.0, FlagKind.RECALLED: 3.0, FlagKind.SUSPECT: 2.0, FlagKind.PACKING: 2.0,
}
_MIN_POINTS = 0.5  # a history barely above the network's is not worth a line
_MAX_SOURCES = 20  # records listed per reason (the rest are a query away)


@dataclass(frozen=True, slots=True)
class RiskReason:
    code: str  # LANE, CARRIER, SENDER, RECEIVER, BRAND, or ITEMS_<FLAG KIND>
    points: float
    sentence: str
    records: tuple[str, ...] = ()  # shipment roots, "scan:<id>", "event:<hash>" behind the reason


@dataclass(frozen=True)
class ShipmentRisk:
    root: str
    sender: str
    receiver: str
    carrier: str
    origin: str
    destination: str
    count: int
    shipped_at: int
    score: float
    reasons: tuple[RiskReason, ...]


@dataclass(frozen=True)
class History:
    """Bad-item shares over received shipments: the network's, and per lane, carrier, sender, receiver and brand."""

    base: float
    lanes: Mapping[Hashable, Rate]
    carriers: Mapping[Hashable, Rate]
    senders: Mapping[Hashable, Rate]
    receivers: Mapping[Hashable, Rate]
    brands: Mapping[Hashable, Rate]
    outcomes: Mapping[str, Outcome]


def history(records: Records, prior_items: float = PRIOR_ITEMS) -> History:
    past = [s for s in records.shipments if not s.open]
    done = outcomes(records)
    items = sum(s.count for s in past)
    base = sum(done[s.root].bad for s in past) / items if items else 0.0

    def brand_bad(_s: ShipmentRow, brand: Hashable, o: Outcome) -> int:
        return sum(1 for i in o.bad_items if (info := records.items.get(i)) is not None and info.brand == brand)

    return History(
        base,
        rates(past, done, lambda s: [lane_of(s)], prior_items=prior_items),
        rates(past, done, lambda s: [s.carrier] if s.carrier else [], prior_items=prior_items),
        rates(past, done, lambda s: [s.sender], prior_items=prior_items),
        rates(past, done, lambda s: [s.receiver], prior_items=prior_items),
        rates(past, done, lambda s: [b for b, _ in s.brands], lambda s, b: dict(s.brands).get(str(b), 0), brand_bad,
              prior_items),
        done,
    )


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _rate_reason(code: str, what: str, rate: Rate | None, base: float) -> RiskReason | None:
    if rate is None:
        return None
    points = log_ratio(rate.shrunk, base)
    if points < _MIN_POINTS:
        return None
    return RiskReason(code, round(points, 2),
                      f"{what}: {rate.bad:,} of {rate.items:,} items shipped ({_pct(rate.share)}) later found suspect, "
                      f"counterfeit, stolen or seized; network {_pct(base)}",
                      rate.roots[-_MAX_SOURCES:])


def _history_reasons(s: ShipmentRow, h: History, records: Records) -> list[RiskReason]:
    found = [
        _rate_reason("LANE", f"lane {lane_of(s).text(records)}", h.lanes.get(lane_of(s)), h.base),
        _rate_reason("CARRIER", f"carrier {records.name(s.carrier)}", h.carriers.get(s.carrier), h.base) if s.carrier else None,
        _rate_reason("SENDER", f"sender {records.name(s.sender)}", h.senders.get(s.sender), h.base),
        _rate_reason("RECEIVER", f"receiver {records.name(s.receiver)}", h.receivers.get(s.receiver), h.base),
    ]
    brand = max((r for b, _ in s.brands if (r := _rate_reason("BRAND", f"brand {records.name(b)}", h.brands.get(b), h.base))),
                key=lambda r: r.points, default=None)
    return [r for r in (*found, brand) if r is not None]


def _item_reasons(flags_by_kind: Mapping[FlagKind, Mapping[str, list[str]]], of: int | None) -> list[RiskReason]:
    """Reasons from items' own records: ``flags_by_kind[kind][item] = [sources]``; ``of`` items in all (None: one item)."""
    reasons = []
    for kind, by_item in sorted(flags_by_kind.items()):
        n = len(by_item)
        if not n:
            continue
        sources = tuple(src for srcs in by_item.values() for src in srcs)[:_MAX_SOURCES]
        counted = f"{n} of {of} items" if of is not None else "the item"
        reasons.append(RiskReason(f"ITEMS_{kind.name}", round(ITEM_WEIGHTS[kind] + math.log2(n), 2), f"{counted}: {kind.label}",
                                  sources))
    return reasons


def _held_back(s: ShipmentRow, records: Records) -> list[RiskReason]:
    """A carrier that received a consignment and ships on only part of it: the rest is unaccounted for."""
    sender = records.parties.get(s.sender)
    if sender is None or sender.role is not Role.CARRIER:
        return []
    reasons = []
    for prior, received, shipped_on in records.arrivals.get(s.root, ()):
        held = received - shipped_on
        if held > 0 and received:
            reasons.append(RiskReason("HELD_BACK", round(2 + 4 * held / received, 2),
                                      f"{sender.name} ships on {shipped_on} of the {received} items it received in one shipment; "
                                      f"{held} not shipped on", (prior,)))
    return reasons


def shipment_risks(records: Records, h: History | None = None) -> list[ShipmentRisk]:
    """Every open shipment with its score and reasons, highest first."""
    h = h or history(records)
    open_roots = {s.root for s in records.shipments if s.open}
    items_in: dict[str, set[str]] = defaultdict(set)
    for root, item in records.shipped:
        if root in open_roots:
            items_in[root].add(item)
    flags_of: dict[str, list[tuple[FlagKind, str]]] = defaultdict(list)
    wanted = set().union(*items_in.values()) if items_in else set()
    for f in records.flags:
        if f.item_id in wanted and f.timestamp <= records.now:
            flags_of[f.item_id].append((f.kind, f.source))
    found = []
    for s in records.shipments:
        if not s.open:
            continue
        by_kind: dict[FlagKind, dict[str, list[str]]] = defaultdict(dict)
        for item in items_in.get(s.root, ()):
            for kind, source in flags_of.get(item, ()):
                by_kind[kind].setdefault(item, []).append(source)
        reasons = sorted([*_history_reasons(s, h, records), *_held_back(s, records), *_item_reasons(by_kind, s.count)],
                         key=lambda r: -r.points)
        found.append(ShipmentRisk(s.root, records.name(s.sender), records.name(s.receiver),
                                  records.name(s.carrier) if s.carrier else "—", s.origin, s.destination, s.count,
                                  s.shipped_at, round(sum(r.points for r in reasons), 2), tuple(reasons)))
    found.sort(key=lambda r: (-r.score, -r.shipped_at, r.root))
    return found


@dataclass(frozen=True)
class ItemRisk:
    scan: ScanRow
    brand: str
    score: float
    reasons: tuple[RiskReason, ...]


def item_risks(records: Records, scans: Sequence[ScanRow], items: Mapping[str, ItemInfo],
               shipments_of: Mapping[str, Sequence[str]], h: History | None = None) -> list[ItemRisk]:
    """The items of ``scans`` (latest scan of each), highest score first.

    ``items`` and ``shipments_of`` (item id → roots of the shipments that carried it, oldest first) come
    from :func:`ledger.intel.records.load_post_scans`; the item's last shipment gives its lane and carrier histories.
    """
    h = h or history(records)
    by_root = {s.root: s for s in records.shipments}
    latest: dict[str, ScanRow] = {}
    for scan in scans:
        if scan.item_id not in latest or scan.timestamp >= latest[scan.item_id].timestamp:
            latest[scan.item_id] = scan
    flags_of: dict[str, list[tuple[FlagKind, str]]] = defaultdict(list)
    for f in records.flags:
        if f.item_id in latest and f.timestamp <= records.now:
            flags_of[f.item_id].append((f.kind, f.source))
    found = []
    for item_id, scan in latest.items():
        by_kind: dict[FlagKind, dict[str, list[str]]] = defaultdict(dict)
        for kind, source in flags_of.get(item_id, ()):
            by_kind[kind].setdefault(item_id, []).append(source)
        reasons = _item_reasons(by_kind, None)
        info = items.get(item_id)
        if info is None:
            reasons.append(RiskReason("UNREGISTERED", ITEM_WEIGHTS[FlagKind.COUNTERFEIT],
                                      "no brand registered this code", (f"scan:{scan.id}",)))
        roots = [r for r in shipments_of.get(item_id, ()) if r in by_root]
        if roots:
            last = by_root[roots[-1]]
            reasons.extend(_history_reasons(last, h, records))
        elif info is not None:
            brand = _rate_reason("BRAND", f"brand {records.name(info.brand)}", h.brands.get(info.brand), h.base)
            reasons.extend([brand] if brand else [])
        reasons.sort(key=lambda r: -r.points)
        found.append(ItemRisk(scan, records.name(info.brand) if info else "—", round(sum(r.points for r in reasons), 2),
                              tuple(reasons)))
    found.sort(key=lambda r: (-r.score, -r.scan.timestamp, r.scan.key))
    return found
