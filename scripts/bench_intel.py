#!/usr/bin/env python
"""Benchmark ledger/intel (issue 13) on simulated networks: do the planted patterns come out on top?

For each seed, scripts/simulate_network.py builds a network with planted patterns into a fresh
index (SQLite in a temporary directory, or a new PostgreSQL database with ``--db postgresql``),
then the analyses run as `ledger intel` and `ledger risk` run them, timed, and the results are
compared with what was planted:

* every planted lane (the clone lane, the diverting carrier's lanes, the stolen truck's lane) in
  the top 5 % of lanes;
* precision of the top 1 % of open shipments by risk score at least 10× the base rate (the share of
  open shipments that are on a planted pattern);
* the stolen truckload's shipment's rank; the planted places (clone market, resurfacing city, fake
  market, grey markets) among the hotspots; the copied batches among the clone rings.

The tests use seed 7; the defaults here are other seeds.

    .venv/bin/python scripts/bench_intel.py --seeds 101 102 103 --consignments 8000 --write
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _bench import database, machine, replace_section
from simulate_network import Truth, simulate

from ledger.geo import Location, haversine_km
from ledger.index.engine import open_engine
from ledger.intel.clones import clone_rings, cloned_codes
from ledger.intel.hotspots import EVERYTHING, hotspots
from ledger.intel.lanes import lanes
from ledger.intel.records import load_clone_scans, load_records, load_scan_groups, load_seizures
from ledger.intel.risk import history, shipment_risks
from ledger.intel.trends import trends

SECTION = "## Intelligence: planted patterns on simulated networks (issue 13)"
LANE_TARGET = 0.05
LIFT_TARGET = 10.0
_NEAR_KM = 60.0  # a hotspot cell's centre this close to a planted place finds it (cells of resolution 5 are ~9 km across)


@dataclass
class Result:
    seed: int
    counts: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)
    lanes: int = 0
    planted_ranks: list[int] = field(default_factory=list)
    open_shipments: int = 0
    open_bad: int = 0
    top: int = 0
    top_bad: int = 0
    top5: int = 0
    top5_bad: int = 0
    stolen_rank: int | None = None
    stolen_lane_rank: int | None = None
    places: dict[str, bool] = field(default_factory=dict)
    rings_found: int = 0
    rings_planted: int = 0

    @property
    def lane_cut(self) -> int:
        return max(1, math.floor(LANE_TARGET * self.lanes))

    @property
    def lanes_ok(self) -> bool:
        return all(r <= self.lane_cut for r in self.planted_ranks)

    @property
    def base(self) -> float:
        return self.open_bad / self.open_shipments if self.open_shipments else 0.0

    @property
    def precision(self) -> float:
        return self.top_bad / self.top if self.top else 0.0

    @property
    def lift(self) -> float:
        return self.precision / self.base if self.base else 0.0


def _timed(result: Result, name: str, fn: Any, *args: Any) -> Any:
    started = time.perf_counter()
    value = fn(*args)
    result.seconds[name] = time.perf_counter() - started
    return value


def measure(url: str, truth: Truth) -> Result:
    result = Result(truth.seed, truth.counts)
    engine = open_engine(url)
    try:
        records = _timed(result, "load records", load_records, engine, truth.now)
        ranked_lanes = _timed(result, "lanes", lanes, records)
        h = _timed(result, "histories", history, records)
        ranked = _timed(result, "risk of open shipments", shipment_risks, records, h)
        groups = _timed(result, "load scan groups", load_scan_groups, engine)
        seizures = load_seizures(engine)
        report = _timed(result, "hotspots", hotspots, groups, seizures, records.brands)
        _timed(result, "trends (by brand)", trends, groups, seizures, records.brands, EVERYTHING, True)
        scans, items = _timed(result, "load clone scans", load_clone_scans, engine)
        rings = _timed(result, "clone rings", lambda: clone_rings(cloned_codes(scans, items)))
    finally:
        engine.dispose()
    result.lanes = len(ranked_lanes)
    position = {(lane.origin, lane.destination, lane.carrier): n for n, lane in enumerate(ranked_lanes, 1)}
    result.planted_ranks = [position.get((o, d, c), len(ranked_lanes) + 1) for o, d, c in truth.planted_lanes]
    result.stolen_lane_rank = position.get(tuple(truth.stolen_lane)) if truth.stolen_lane else None  # type: ignore[arg-type]
    bad = set(truth.open_bad)
    result.open_shipments, result.open_bad = len(ranked), sum(1 for r in ranked if r.root in bad)
    result.top = max(1, math.ceil(0.01 * len(ranked)))
    result.top_bad = sum(1 for r in ranked[:result.top] if r.root in bad)
    result.top5 = max(1, math.ceil(0.05 * len(ranked)))
    result.top5_bad = sum(1 for r in ranked[:result.top5] if r.root in bad)
    result.stolen_rank = next((n for n, r in enumerate(ranked, 1) if r.root == truth.stolen_shipment), None)
    planted = {"clone market": truth.clone_market, "stolen goods resurfacing": truth.resurfacing, "fake market": truth.fake_market,
               **{f"grey market {n + 1}": p for n, p in enumerate(truth.grey_markets)}}
    for name, (lat, lon) in planted.items():
        result.places[name] = any(haversine_km(Location(h.lat, h.lon), Location(lat, lon)) <= _NEAR_KM for h in report.hotspots)
    copied = set(truth.clone_batches)
    result.rings_planted = len(copied)
    result.rings_found = len(copied & {r.batch for r in rings})
    return result


def run_seed(seed: int, consignments: int, db: str) -> Result:
    with tempfile.TemporaryDirectory() as tmp, database(db, Path(tmp), "bench_intel") as url:
        started = time.perf_counter()
        truth = simulate(url, seed, consignments, lock_dir=Path(tmp))
        simulated = time.perf_counter() - started
        result = measure(url, truth)
        result.seconds = {"simulate (write the index)": simulated, **result.seconds}
        return result


_NOTES = """What the columns mean, and what the numbers do not say:

- *Planted lanes* are the clone lane (one carrier's depot → one distributor; half its consignments have their labels
  copied and about 30 % of their codes turn up in a far market within days) and every brand's lane into the diverting
  carrier's depot (40 % of its consignments lose 25–50 % of their items to grey-market stalls; the brand reports half
  of those stolen). The *stolen truck's lane* is not a planted lane: one truckload among the ~7,000 items a busy lane
  carries moves its share by about a point, which is the network's own share; the truck itself is found (its open
  shipment ranks first, and its items' resurfacing city is a hotspot).
- *Open shipments on a planted pattern* are the truth the simulator keeps: the legs of a copied consignment from the
  clone lane on (the clone lane, and its legs to retail), both legs of a consignment the carrier diverts (the leg
  into its depot before the goods vanish, the short leg out of it), and the stolen truck. (A first run counted only
  a copied consignment's leg on the clone lane: seed 103 then had 1 of 4 on a pattern in its top 1 %, 5.1× the
  base rate, because ranks 2–4 were that distributor's shipments to retail of items with clone alerts — goods of
  copied consignments, which the narrower truth did not count; seeds 101 and 102 were 21.7× and 23.9×.)
  No score can tell beforehand which of a lane's or a carrier's consignments will go
  bad; histories rank all of them up, and what separates the bad ones is the items' own records (the stolen truck)
  and a carrier shipping on only part of a consignment (HELD_BACK). The *base rate* is the share of open shipments
  on a pattern. With ~350 open shipments the top 1 % is 4 shipments, one of them always the stolen truck, so the
  target moves in steps of 25 points; the top 5 % column is the steadier measure.
- Times are wall-clock seconds on a shared 2-core machine with other jobs running; loading (SQL over millions of
  rows) dominates, the analyses themselves take seconds. The issue's scale targets (10,000,000 scans; ranking
  10,000 open shipments under 5 s; dashboard p95 under 300 ms) are not met by loading from the raw tables on
  every run: that needs aggregates kept up to date as scans arrive (see docs/DESIGN.md)."""


def section(results: list[Result], args: argparse.Namespace) -> str:
    lines = [SECTION, "", f"Machine: {machine()}.", "",
             (f"Command: `.venv/bin/python scripts/bench_intel.py --seeds {' '.join(map(str, args.seeds))} "
             f"--consignments {args.consignments} --db {args.db} --write`"), "",
             ("Each seed is a fresh simulated network (scripts/simulate_network.py: 8 brands, 6 carriers, 30 distributors, "
             "120 retailers, 3 grey-market stalls, 4 ports, 16 weeks; rows written straight into the index, not through "
             "the ledger's write path). The tests use seed 7. Analysis time is \"now\" = the end of the simulation."), "",
             ("| seed | shipments | scans | lanes | planted lanes' ranks (top 5 % = rank ≤) | stolen truck's lane "
              "| open shipments (on a planted "
             "pattern) | top 1 %: on a pattern | precision / base rate | top 5 %: on a pattern | stolen truck's rank "
              "| planted places among hotspots "
             "| copied batches found as rings |"),
             "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---|---:|"]
    for r in results:
        lanes_cell = f"{', '.join(map(str, sorted(r.planted_ranks)))} (≤ {r.lane_cut}) {'✓' if r.lanes_ok else '✗'}"
        lift = f"{100 * r.precision:.0f} % / {100 * r.base:.1f} % = {r.lift:.1f}× {'✓' if r.lift >= LIFT_TARGET else '✗'}"
        places = f"{sum(r.places.values())} of {len(r.places)}" + (
            "" if all(r.places.values()) else f" (missed: {', '.join(k for k, v in r.places.items() if not v)})")
        lines.append(f"| {r.seed} | {r.counts.get('shipment', 0):,} | {r.counts.get('scan', 0):,} | {r.lanes} | {lanes_cell} | "
                     f"{r.stolen_lane_rank} | {r.open_shipments} ({r.open_bad}) | {r.top_bad} of {r.top} | {lift} | "
                     f"{r.top5_bad} of {r.top5} | "
                     f"{r.stolen_rank} | {places} | "
                     f"{r.rings_found} of {r.rings_planted} |")
    lines += ["", "Seconds (median over the seeds) on " + args.db + ":", "", "| step | seconds |", "|---|---:|"]
    for step in results[0].seconds:
        lines.append(f"| {step} | {statistics.median(r.seconds[step] for r in results):.1f} |")
    lines += ["", _NOTES]
    misses = [r for r in results if not r.lanes_ok or r.lift < LIFT_TARGET]
    lines += ["", "Targets: every planted lane in the top 5 % of lanes; precision of the top 1 % of open shipments "
                  f"≥ {LIFT_TARGET:.0f}× the base rate. " + ("All met on every seed." if not misses else
                                                             f"Missed on seeds {', '.join(str(r.seed) for r in misses)}: "
                                                             "see the table (rank of each planted lane, precision and base).")]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[101, 102, 103])
    parser.add_argument("--consignments", type=int, default=8000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--write", action="store_true", help="write the section of BENCHMARKS.md")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--from-json", type=Path, help="render the section from results written by --json, without running")
    args = parser.parse_args()
    results = []
    if args.from_json:
        results = [Result(**row) for row in json.loads(args.from_json.read_text())]
    for seed in [] if args.from_json else args.seeds:
        result = run_seed(seed, args.consignments, args.db)
        print(json.dumps({**result.__dict__, "lanes_ok": result.lanes_ok, "lift": result.lift}, default=str), file=sys.stderr)
        results.append(result)
    text = section(results, args)
    print(text)
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in results], indent=1, default=str))
    if args.write:
        replace_section(SECTION, text)


if __name__ == "__main__":
    main()
