#!/usr/bin/env python
"""Simulate a supply network into an index database, with planted patterns, to measure ledger/intel on.

NOT the ledger's write path: rows go straight into the index tables (the schema made by the
index migrations) with random hashes and no chain behind them, so a simulated index is for the
analyses only — `ledger audit` on it would (rightly) find nothing anchored. Verdicts and reason
codes are written as the verifier would give them for the simulated facts (a scan far from the
code's other scan within hours is CLONE_IMPOSSIBLE_TRAVEL, a retailer scanning goods it was never
sent is CUSTODY_MISMATCH, and so on); the verifier itself would take a chain round trip per scan.

The network: brands (a plant each, a GS1 prefix, a few products), carriers (depots), distributors
and their retailers in cities of three continents, officers at ports. Each consignment is a
registration batch that travels plant → carrier depot → distributor → two or three retailers, is
scanned by the retailers on receipt, by members of the public afterwards, and sometimes by an
officer at a port. Background noise: stray clone alerts, custody mismatches, thefts, seizures,
counterfeit (unregistered) codes, a recalled lot. Planted on top:

* **a lane that carries clones**: on one carrier's lane from its depot to one distributor, part
  of the consignments have their labels copied; the copies are scanned in a far-away market
  within days of the genuine goods' retail scans (CLONE_IMPOSSIBLE_TRAVEL), codes of one batch
  together;
* **a carrier that diverts goods**: from part of its consignments a share of the items never
  travels on; they turn up at grey-market retailers (CUSTODY_MISMATCH) and the brand reports
  some stolen (the planted lanes: every brand's lane into that carrier's depot);
* **a stolen truckload resurfacing in retail**: one carrier → distributor shipment is reported
  stolen in transit and its items are scanned weeks later by retailers and the public of
  another city (REPORTED_STOLEN, CUSTODY_MISMATCH).

Open shipments (in transit at "now") carry a hidden truth: whether they are on a planted
pattern (any leg of a consignment whose labels are copied from the clone lane on, both legs
of a consignment the carrier diverts, the stolen truck). The truth goes to a JSON file for scripts/bench_intel.py.

    .venv/bin/python scripts/simulate_network.py --database-url sqlite:///net.sqlite --seed 1 \\
        --consignments 8000 --truth net-truth.json
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402

from ledger.index.bulk import insert_rows  # noqa: E402
from ledger.index.engine import open_engine, unit_of_work  # noqa: E402
from ledger.index.migrate import upgrade_index  # noqa: E402
from ledger.index.write_lock import WriteLock  # noqa: E402
from ledger.proofs.events import Action, AnchorKind  # noqa: E402
from ledger.proofs.inspections import InspectionOutcome  # noqa: E402
from ledger.proofs.keccak import keccak256  # noqa: E402

HOUR, DAY, WEEK = 3600, 86_400, 7 * 86_400
START = 1_772_409_600  # 2026-03-02, a Monday

CITIES: list[tuple[str, float, float]] = [
    ("Rotterdam", 51.92, 4.48), ("Antwerp", 51.22, 4.40), ("Hamburg", 53.55, 9.99), ("Lyon", 45.76, 4.84),
    ("Milan", 45.46, 9.19), ("Madrid", 40.42, -3.70), ("Warsaw", 52.23, 21.01), ("Vienna", 48.21, 16.37),
    ("Prague", 50.08, 14.44), ("Barcelona", 41.39, 2.17), ("Munich", 48.14, 11.58), ("Paris", 48.86, 2.35),
    ("Lisbon", 38.72, -9.14), ("Athens", 37.98, 23.73), ("Budapest", 47.50, 19.04), ("Stockholm", 59.33, 18.07),
    ("Dublin", 53.35, -6.26), ("Copenhagen", 55.68, 12.57), ("Brussels", 50.85, 4.35), ("Zurich", 47.38, 8.54),
    ("Istanbul", 41.01, 28.98), ("Dubai", 25.20, 55.27), ("Shanghai", 31.23, 121.47), ("Singapore", 1.35, 103.82),
    ("Mumbai", 19.08, 72.88), ("Shenzhen", 22.54, 114.06), ("New York", 40.71, -74.01), ("Chicago", 41.88, -87.63),
    ("Los Angeles", 34.05, -118.24), ("Toronto", 43.65, -79.38), ("Mexico City", 19.43, -99.13), ("Sao Paulo", -23.55, -46.63),
]
PORTS: list[tuple[str, float, float]] = [
    ("Port of Rotterdam", 51.9496, 4.1453), ("Port of Antwerp", 51.2637, 4.3999), ("Port of Hamburg", 53.5396, 9.9669),
    ("Port of Felixstowe", 51.9536, 1.3511),
]


@dataclass
class Truth:
    """What was planted, for the benchmark and the tests."""

    seed: int
    now: int
    planted_lanes: list[list[str]] = field(default_factory=list)  # [origin, destination, carrier name]
    open_shipments: int = 0
    open_bad: list[str] = field(default_factory=list)  # roots of open shipments on a planted pattern
    stolen_shipment: str = ""
    stolen_lane: list[str] = field(default_factory=list)  # not a planted lane: one theft does not make a lane bad
    clone_batches: list[str] = field(default_factory=list)  # batches whose codes were copied together
    clone_market: list[float] = field(default_factory=list)  # lat, lon of the market where the copies sell
    resurfacing: list[float] = field(default_factory=list)  # lat, lon where the stolen truckload resurfaces
    grey_markets: list[list[float]] = field(default_factory=list)
    fake_market: list[float] = field(default_factory=list)  # where unregistered codes are scanned
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Party:
    address: str
    name: str
    role: str
    city: tuple[str, float, float]
    label: str


def _gtin(prefix: str, ref: int) -> str:
    body = "0" + prefix + f"{ref:0{12 - len(prefix)}d}"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


class Writer:
    """Rows buffered per table and flushed through the ledger's bulk insert (COPY on PostgreSQL)."""

    COLUMNS = {
        "party": ("address", "name", "role", "created_at"),
        "premises": ("party", "lat", "lon", "label"),
        "prefixbinding": ("prefix", "brand"),
        "batch": ("root", "brand", "company_prefix", "count", "created_at", "tree"),
        "item": ("item_id", "gtin", "serial", "lot", "expiry", "batch_root", "brand", "custodian", "life_cycle", "stolen",
                 "recalled", "head_hash", "open_shipment"),
        "anchor": ("root", "sequence", "kind", "action", "party", "count", "metadata_hash", "previous_anchor_hash",
                   "anchor_hash", "tx_hash", "block_number", "timestamp", "counterparty", "reference", "signature", "local"),
        "event": ("event_hash", "item_id", "seq", "action", "actor", "counterparty", "timestamp", "previous_hash", "location",
                  "anchor_root"),
        "shipment": ("root", "sender", "receiver", "count", "state", "receipt_root"),
        "scan": ("item_id", "key", "timestamp", "lat", "lon", "site", "party", "verdict", "reasons"),
    }
    ORDER = ("party", "premises", "prefixbinding", "batch", "item", "anchor", "event", "shipment", "scan")

    def __init__(self, engine: Any, rng: random.Random) -> None:
        self.engine = engine
        self.rng = rng
        self.rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in self.ORDER}
        self.counts: dict[str, int] = dict.fromkeys(self.ORDER, 0)
        self.sequence = 0

    def hex32(self) -> str:
        return f"0x{self.rng.getrandbits(256):064x}"

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        self.rows[table].append(row)
        if len(self.rows[table]) >= 50_000:
            self.flush()

    def flush(self) -> None:
        with unit_of_work(self.engine) as s:
            for table in self.ORDER:  # parents before children (party before premises)
                if self.rows[table]:
                    insert_rows(s, table, self.COLUMNS[table], self.rows[table])
                    self.counts[table] += len(self.rows[table])
                    self.rows[table] = []

    def anchor(self, kind: AnchorKind, action: Action | None, party: str, count: int, ts: int, counterparty: str | None = None,
               reference: str | None = None) -> str:
        root = self.hex32()
        self.sequence += 1
        zero = "0x" + "00" * 32
        self.add("anchor", (root, self.sequence, int(kind), int(action) if action else None, party, count, zero, zero, zero,
                            zero, self.sequence, ts, counterparty, reference, None, False))
        return root


@dataclass
class Item:
    item_id: str
    gtin: str
    serial: str
    key: str
    batch: str
    brand: str
    lot: str
    seq: int = 0
    head: str = ""
    custodian: str = ""
    status: str = "active"
    open_shipment: str | None = None


class Simulation:
    def __init__(self, writer: Writer, rng: random.Random, consignments: int, weeks: int, truth: Truth) -> None:
        self.w = writer
        self.rng = rng
        self.consignments = consignments
        self.now = START + weeks * WEEK
        self.truth = truth
        self.parties: list[Party] = []
        self.zero = "0x" + "00" * 20

    # -- parties ---------------------------------------------------------------------------

    def party(self, name: str, role: str, city: tuple[str, float, float], label: str, jitter: float = 0.0) -> Party:
        address = "0x" + keccak256(name.encode())[:20].hex()
        lat, lon = city[1] + self.rng.uniform(-jitter, jitter), city[2] + self.rng.uniform(-jitter, jitter)
        p = Party(address, name, role, (city[0], lat, lon), label)
        self.parties.append(p)
        self.w.add("party", (address, name, role, datetime.fromtimestamp(START - WEEK, UTC)))
        self.w.add("premises", (address, round(lat, 4), round(lon, 4), label))
        return p

    def build_parties(self) -> None:
        rng = self.rng
        europe = CITIES[:20]
        self.brands = []
        self.products: dict[str, list[str]] = {}
        self.prefix: dict[str, str] = {}
        for i in range(8):
            city = rng.choice(CITIES[20:26] + europe[:6])
            b = self.party(f"brand{i}", "brand", city, f"brand{i} plant, {city[0]}", 0.05)
            self.brands.append(b)
            prefix = f"95{i + 10:05d}"
            self.prefix[b.address] = prefix
            self.w.add("prefixbinding", (prefix, b.address))
            self.products[b.address] = [_gtin(prefix, 1000 + n) for n in range(3)]
        self.carriers: list[list[Party]] = []  # per carrier, its depots (one party per carrier; depots are premises)
        self.carrier_parties = []
        for i in range(6):
            home = europe[i * 3]
            c = self.party(f"carrier{i}", "carrier", home, f"carrier{i} depot, {home[0]}", 0.05)
            self.carrier_parties.append(c)
        self.distributors = [self.party(f"dist{i}", "distributor", europe[i % 20], f"dist{i} warehouse, {europe[i % 20][0]}", 0.1)
                             for i in range(30)]
        self.retailers = {d.address: [self.party(f"shop{i}_{j}", "retailer", (d.city[0], d.city[1], d.city[2]),
                                                 f"shop{i}_{j}, {d.city[0]}", 0.05) for j in range(4)]
                          for i, d in enumerate(self.distributors)}
        grey_cities = [c for c in CITIES if c[0] in ("Istanbul", "Athens", "Budapest")]
        self.grey = [self.party(f"grey{i}", "retailer", grey_cities[i], f"grey{i} market stall, {grey_cities[i][0]}", 0.05)
                     for i in range(3)]
        self.officers = [self.party(f"customs{i}", "officer", (p[0], p[1], p[2]), p[0]) for i, p in enumerate(PORTS)]
        # Each brand works with two or three carriers; each carrier delivers to a set of distributors.
        self.brand_carriers = {b.address: rng.sample(self.carrier_parties, rng.choice((2, 3))) for b in self.brands}
        self.carrier_dists = {c.address: rng.sample(self.distributors, 10) for c in self.carrier_parties}
        # Planted: carrier0's lane to its first distributor carries clones; carrier1 diverts; carrier2's truck is stolen.
        self.clone_carrier, self.clone_dist = self.carrier_parties[0], self.carrier_dists[self.carrier_parties[0].address][0]
        self.diverter = self.carrier_parties[1]
        if not any(self.diverter in cs for cs in self.brand_carriers.values()):
            self.brand_carriers[self.brands[0].address].append(self.diverter)
        if not any(self.clone_carrier in cs for cs in self.brand_carriers.values()):
            self.brand_carriers[self.brands[1].address].append(self.clone_carrier)
        self.clone_market = next(c for c in CITIES if c[0] == "Sao Paulo")
        self.resurface_city = next(c for c in CITIES if c[0] == "Mexico City")
        self.fake_market = next(c for c in CITIES if c[0] == "Mumbai")
        self.resurface_shops = [self.party(f"mxshop{j}", "retailer", self.resurface_city, f"mxshop{j}, Mexico City", 0.05)
                                for j in range(3)]
        self.truth.planted_lanes.append([self.clone_carrier.label, self.clone_dist.label, self.clone_carrier.name])
        self.truth.planted_lanes.extend([b.label, self.diverter.label, self.diverter.name]
                                        for b in self.brands if self.diverter in self.brand_carriers[b.address])
        self.truth.clone_market = [self.clone_market[1], self.clone_market[2]]
        self.truth.resurfacing = [self.resurface_city[1], self.resurface_city[2]]
        self.truth.grey_markets = [[g.city[1], g.city[2]] for g in self.grey]
        self.truth.fake_market = [self.fake_market[1], self.fake_market[2]]

    # -- rows ------------------------------------------------------------------------------

    def near(self, place: tuple[str, float, float], km: float) -> tuple[float, float]:
        d = km / 111.0
        return place[1] + self.rng.uniform(-d, d), place[2] + self.rng.uniform(-d, d) / max(0.2, math.cos(math.radians(place[1])))

    def scan(self, item: Item, ts: int, where: tuple[float, float], site: str, party: str | None, verdict: str,
             reasons: str = "") -> None:
        if ts < self.now:
            self.w.add("scan", (item.item_id, item.key, ts, round(where[0], 5), round(where[1], 5), site, party, verdict, reasons))

    def events(self, items: Sequence[Item], action: Action, actor: str, counterparty: str, ts: int, location: str,
               root: str) -> None:
        for it in items:
            it.seq += 1
            h = self.w.hex32()
            self.w.add("event", (h, it.item_id, it.seq, int(action), actor, counterparty, ts, it.head, location, root))
            it.head = h

    def ship(self, items: Sequence[Item], sender: Party, receiver: Party, ts: int, arrive: int, bad: bool = False) -> str | None:
        """One handover; returns its root, or None if it starts after now. Open if it arrives after now."""
        if ts >= self.now or not items:
            return None
        root = self.w.anchor(AnchorKind.SHIPMENT, Action.SHIP, sender.address, len(items), ts, receiver.address)
        self.events(items, Action.SHIP, sender.address, receiver.address, ts, f"{sender.label} ({sender.city[1]:.4f},{sender.city[2]:.4f})",
                    root)
        for it in items:
            it.open_shipment = root
        if arrive < self.now:
            for it in items:
                it.open_shipment, it.custodian = None, receiver.address
            receipt = self.w.anchor(AnchorKind.RECEIPT, Action.RECEIVE, receiver.address, len(items), arrive, sender.address, root)
            self.events(items, Action.RECEIVE, receiver.address, sender.address, arrive,
                        f"{receiver.label} ({receiver.city[1]:.4f},{receiver.city[2]:.4f})", receipt)
            self.w.add("shipment", (root, sender.address, receiver.address, len(items), "received", receipt))
        else:
            self.w.add("shipment", (root, sender.address, receiver.address, len(items), "open", None))
            self.truth.open_shipments += 1
            if bad:
                self.truth.open_bad.append(root)
        return root

    def status(self, items: Sequence[Item], action: Action, actor: Party, ts: int, reference: str | None = None,
               location: str = "") -> None:
        if ts >= self.now or not items:
            return
        kind = AnchorKind.INSPECTION if action is Action.INSPECT else AnchorKind.STATUS_CHANGE
        root = self.w.anchor(kind, action, actor.address, len(items), ts, self.zero, reference)
        self.events(items, action, actor.address, self.zero, ts, location, root)
        for it in items:
            it.status = {Action.RECALL: "recalled", Action.REPORT_STOLEN: "stolen"}.get(action, it.status)

    # -- consignments ----------------------------------------------------------------------

    def run(self) -> None:
        self.build_parties()
        self.serial = 0
        self.stolen_done = False
        self.recall_done = False
        for n in range(self.consignments):
            for it in self.consignment(n):
                # The simulation keeps one status word; the index keeps the life-cycle and the conditions.
                self.w.add("item", (it.item_id, it.gtin, it.serial, it.lot, None, it.batch, it.brand, it.custodian, "active",
                                    it.status == "stolen", it.status == "recalled", it.head, it.open_shipment))
        self.fakes()
        self.w.flush()
        self.truth.counts = dict(self.w.counts)

    def consignment(self, n: int) -> list[Item]:
        """One registration batch through the network; returns its items (as the index would hold them now)."""
        rng = self.rng
        span = self.now - START - 2 * DAY
        brand = rng.choice(self.brands)
        carrier = rng.choice(self.brand_carriers[brand.address])
        dist = rng.choice(self.carrier_dists[carrier.address])
        t0 = START + int(span * n / self.consignments) + rng.randrange(0, 6 * HOUR)
        size = rng.randint(50, 120)
        gtin = rng.choice(self.products[brand.address])
        batch = self.w.hex32()
        lot = f"L{n}"
        items = []
        for _ in range(size):
            self.serial += 1
            key = f"/01/{gtin}/21/{self.serial}"
            items.append(Item("0x" + keccak256(key.encode()).hex(), gtin, str(self.serial), key, batch, brand.address, lot,
                              head=self.w.hex32(), custodian=brand.address))
        self.w.anchor(AnchorKind.REGISTRATION, None, brand.address, size, t0)
        self.w.add("batch", (batch, brand.address, self.prefix[brand.address], size, datetime.fromtimestamp(t0, UTC), b""))
        clone_lane = carrier is self.clone_carrier and dist is self.clone_dist
        copied = clone_lane and rng.random() < 0.5
        diverted = carrier is self.diverter and rng.random() < 0.4
        # Leg 1: plant → carrier depot.
        t1, a1 = t0 + 2 * HOUR, t0 + rng.randint(10, 30) * HOUR
        self.ship(items, brand, carrier, t1, a1, bad=diverted)
        onward = items
        gone: list[Item] = []
        if diverted:
            cut = int(len(items) * rng.uniform(0.25, 0.5))
            gone, onward = items[:cut], items[cut:]
        # Leg 2: depot → distributor (an officer at a port scans some consignments on the way).
        t2 = a1 + rng.randint(4, 20) * HOUR
        a2 = t2 + rng.randint(2, 5) * DAY
        truck_stolen = (not self.stolen_done and carrier is self.carrier_parties[2] and t2 > START + 5 * WEEK
                        and a2 < self.now - 5 * WEEK)
        root2 = self.ship(onward, carrier, dist, t2, a2 if not truck_stolen else self.now + WEEK,
                          bad=copied or truck_stolen or diverted)  # a diverted consignment's onward leg is short
        if truck_stolen and root2:
            self.stolen_done = True
            self.truth.stolen_shipment = root2
            self.truth.stolen_lane = [carrier.label, dist.label, carrier.name]
            self.status(onward, Action.REPORT_STOLEN, carrier, t2 + DAY, location=carrier.label)
            self.resurface(onward, t2 + rng.randint(3, 5) * WEEK)
            return items
        if rng.random() < 0.08:
            officer = rng.choice(self.officers)
            for it in rng.sample(onward, min(5, len(onward))):
                self.scan(it, t2 + DAY, (officer.city[1], officer.city[2]), officer.label, officer.address, "genuine")
        if gone:
            self.divert(gone, brand, carrier, a2)
        if a2 >= self.now:
            return items
        # Leg 3: distributor → two or three retailers; retail scans on receipt, the public after.
        shops = rng.sample(self.retailers[dist.address], rng.choice((2, 3)))
        parts = [onward[i::len(shops)] for i in range(len(shops))]
        for shop, part in zip(shops, parts, strict=True):
            t3 = a2 + rng.randint(1, 4) * DAY
            a3 = t3 + rng.randint(6, 30) * HOUR
            self.ship(part, dist, shop, t3, a3, bad=copied)  # its codes are being copied: still on the pattern
            for it in part:
                self.scan(it, a3 + HOUR, self.near(shop.city, 1), "", shop.address, "genuine")
                for _ in range(rng.choice((1, 2, 2, 3, 4, 5))):
                    self.scan(it, a3 + rng.randint(1, 40) * DAY, self.near(shop.city, 8), "", None, "genuine")
        if copied:
            self.truth.clone_batches.append(batch)
            for it in rng.sample(onward, int(len(onward) * 0.3)):
                ts = a2 + rng.randint(2, 9) * DAY
                self.scan(it, ts, self.near(self.clone_market, 10), "", None, "suspect", "CLONE_IMPOSSIBLE_TRAVEL")
        if not self.recall_done and n > self.consignments // 3:
            self.recall_done = True
            self.status(items, Action.RECALL, brand, a2 + 2 * WEEK)
        self.noise(onward, a2, dist)
        return items

    def divert(self, gone: Sequence[Item], brand: Party, carrier: Party, when: int) -> None:
        """Goods that left the channel at the carrier: scanned by grey-market retailers; the brand reports some stolen."""
        rng = self.rng
        reported = gone[: len(gone) // 2]
        report_at = when + rng.randint(3, 10) * DAY
        self.status(reported, Action.REPORT_STOLEN, brand, report_at, location=brand.label)
        stolen = {it.item_id for it in reported}
        for it in gone:
            shop = rng.choice(self.grey)
            ts = when + rng.randint(2, 30) * DAY
            alert = ",REPORTED_STOLEN" if it.item_id in stolen and ts > report_at else ""
            if rng.random() < 0.7:
                self.scan(it, ts, self.near(shop.city, 1), "", shop.address, "suspect", "CUSTODY_MISMATCH" + alert)

    def resurface(self, items: Sequence[Item], when: int) -> None:
        rng = self.rng
        for it in items:
            shop = rng.choice(self.resurface_shops)
            self.scan(it, when + rng.randint(0, 14) * DAY, self.near(shop.city, 2), "", shop.address, "suspect",
                      "CUSTODY_MISMATCH,REPORTED_STOLEN")
            if rng.random() < 0.5:
                self.scan(it, when + rng.randint(7, 28) * DAY, self.near(shop.city, 8), "", None, "genuine", "REPORTED_STOLEN")

    def noise(self, items: Sequence[Item], when: int, dist: Party) -> None:
        """What goes wrong anywhere, now and then: stray clone alerts, custody mismatches, thefts, inspections."""
        rng = self.rng
        for it in items:
            r = rng.random()
            if r < 0.002:
                city = rng.choice(CITIES)
                self.scan(it, when + rng.randint(5, 60) * DAY, self.near(city, 10), "", None, "suspect", "CLONE_IMPOSSIBLE_TRAVEL")
            elif r < 0.004:
                shop = rng.choice([s for shops in self.retailers.values() for s in shops])
                self.scan(it, when + rng.randint(5, 60) * DAY, self.near(shop.city, 1), "", shop.address, "suspect",
                          "CUSTODY_MISMATCH")
            elif r < 0.005:
                self.status([it], Action.REPORT_STOLEN, dist, when + rng.randint(1, 30) * DAY, location=dist.label)
        if rng.random() < 0.01:
            officer = rng.choice(self.officers)
            outcome = rng.choice((InspectionOutcome.SEIZED, InspectionOutcome.HELD, InspectionOutcome.PASSED))
            self.status(items[:3], Action.INSPECT, officer, when - DAY, outcome.reference_hex,
                        f"{officer.label} ({officer.city[1]:.4f},{officer.city[2]:.4f})")

    def fakes(self) -> None:
        """Counterfeits with codes no brand registered: a few everywhere, many in one market."""
        rng = self.rng
        total = max(50, self.consignments // 4)
        for n in range(total):
            brand = rng.choice(self.brands)
            gtin = rng.choice(self.products[brand.address])
            key = f"/01/{gtin}/21/F{n}"
            it = Item("0x" + keccak256(key.encode()).hex(), gtin, f"F{n}", key, "", brand.address, "")
            city = self.fake_market if n % 3 else rng.choice(CITIES)
            self.scan(it, START + rng.randrange(self.now - START), self.near(city, 10), "", None, "counterfeit", "UNREGISTERED")


def _bulk_load_pragmas(dbapi_connection: Any, _record: object) -> None:
    # Item ids, event hashes and anchors are random keys: with SQLite's default page cache every insert
    # into their B-trees is a random read once the file outgrows it. A simulated index is scratch data,
    # so it gets a 2 GB cache and no fsync.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA cache_size=-2000000")
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


def simulate(database_url: str, seed: int, consignments: int, weeks: int = 16, lock_dir: Path | None = None) -> Truth:
    """Build the simulated index at ``database_url`` (an empty database) and return what was planted."""
    engine = open_engine(database_url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _bulk_load_pragmas)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            upgrade_index(engine, WriteLock(engine, (lock_dir or Path(tmp)) / "write.lock"))
        with engine.connect() as connection:
            if connection.exec_driver_sql("SELECT 1 FROM party LIMIT 1").first() is not None:
                raise SystemExit(f"{database_url} already holds a network; give a new database (an empty "
                                 "SQLite file or PostgreSQL database) to simulate into")
        rng = random.Random(seed)
        truth = Truth(seed, START + weeks * WEEK)
        Simulation(Writer(engine, rng), rng, consignments, weeks, truth).run()
        return truth
    finally:
        engine.dispose()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="an empty database (SQLite file or PostgreSQL database)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--consignments", type=int, default=8000, help="registration batches sent through the network")
    parser.add_argument("--weeks", type=int, default=16)
    parser.add_argument("--truth", type=Path, help="write what was planted to this JSON file")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    truth = simulate(args.database_url, args.seed, args.consignments, args.weeks)
    if args.truth:
        args.truth.write_text(json.dumps(asdict(truth), indent=1) + "\n")
    print(f"simulated {truth.counts} in {time.perf_counter() - started:.0f} s; now = {date.fromtimestamp(truth.now)}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
