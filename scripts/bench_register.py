#!/usr/bin/env python
"""Benchmark registration and custody through the `Ledger` facade (issue 2).

For each chain (embedded py-evm, a real Hardhat node) × index database (SQLite,
PostgreSQL) combination, in its own subprocess so peak memories don't mix:

1. register ``--items`` items for one brand in batches of ``--batch`` through
   ``Ledger.register`` (fresh ledger home; fresh PostgreSQL database, dropped afterwards):
   items/s end to end, per-batch time, gas per item from the anchor receipts, peak RSS,
   and a breakdown by phase (plan_batch, duplicate check, EIP-712 signing, journal,
   anchor transaction, index commit);
2. the naive way: one ``anchorRegistration`` transaction per item for ``--per-item-tx``
   items, with the 1,000,000-item time extrapolated from that rate;
3. ship ``--shipment`` items to a carrier and have it receive them: wall time and gas.

``--profile`` instead runs cProfile over one ``--batch`` registration (embedded + SQLite)
and prints the top entries.

    .venv/bin/python scripts/bench_register.py --chain all --db all --out on
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import io
import json
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from _bench import ROOT, chain, database, machine, replace_section

GTIN = "09521234543213"  # GTIN-14 under company prefix 9521234
PREFIX = "9521234"
SECTION = "## Registration and custody (issue 2)"
TARGET_RATE = 50_000  # items/s end to end with SQLite
TARGET_GAS = 1.0  # gas per item for batches of 100,000
TARGET_RSS_MB = 2048
EXTRAPOLATE_TO = 1_000_000


# -- worker: one chain × database combination -------------------------------------------


class _Phases:
    """Wall time per phase of `Ledger.register`, collected by wrapping its collaborators."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - t0
        return timed


def _instrument(ledger: Any) -> _Phases:
    import ledger.custody.ledger as ledger_module

    phases = _Phases()
    ledger_module.plan_batch = phases.wrap("plan_batch", ledger_module.plan_batch)
    ledger_module.sign = phases.wrap("sign (EIP-712)", ledger_module.sign)
    ledger._refuse_registered = phases.wrap("duplicate check (SQL)", ledger._refuse_registered)
    ledger._journal_and_anchor = phases.wrap("journal + anchor", ledger._journal_and_anchor)
    ledger.chain.send_anchor = phases.wrap("anchor tx", ledger.chain.send_anchor)
    ledger._commit_registration = phases.wrap("index commit (SQL)", ledger._commit_registration)
    return phases


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _setup(chain_url: str, db_url: str, home: Path) -> Any:
    from ledger.chain.roles import Role
    from ledger.custody.ledger import Ledger
    from ledger.settings import Settings

    settings = Settings(home=home, chain=chain_url, database_url=db_url, passphrase="x", kdf_iterations=16)
    ledger = Ledger.init(settings)
    ledger.add_party("brand", Role.BRAND, [PREFIX])
    ledger.add_party("carrier", Role.CARRIER)
    return ledger


def _specs(start: int, count: int) -> Iterator[Any]:
    from ledger.custody.registration import ItemSpec, serial_range

    return (ItemSpec(GTIN, s) for s in serial_range(start, count))


def _gas(ledger: Any, tx_hash: str) -> int:
    return int(ledger.chain.w3.eth.get_transaction_receipt(tx_hash)["gasUsed"])


def run_combination(args: argparse.Namespace) -> dict[str, Any]:
    from ledger.codes.identifiers import ItemKey, item_id_of
    from ledger.proofs.merkle import MerkleTree, attributes_hash, item_leaf
    from ledger.proofs.typed_data import RegistrationMessage, sign

    out: dict[str, Any] = {"chain": args.chain, "db": args.db, "items_requested": args.items, "batch": args.batch}
    with tempfile.TemporaryDirectory(prefix="bench_register_") as tmp, chain(args.chain) as chain_url, \
            database(args.db, Path(tmp), "bench_register") as db_url:
        ledger = _setup(chain_url, db_url, Path(tmp) / "home")
        try:
            phases = _instrument(ledger)
            # 1. batched registration
            batch_times, gas = [], []
            done, t_start = 0, time.perf_counter()
            while done < args.items:
                n = min(args.batch, args.items - done)
                t0 = time.perf_counter()
                result = ledger.register("brand", _specs(done, n))
                batch_times.append(time.perf_counter() - t0)
                gas.append(_gas(ledger, result.tx_hash) / n)
                done += n
                print(f"[{args.chain}+{args.db}] batch {len(batch_times)}: {n} items in {batch_times[-1]:.2f}s, "
                      f"{gas[-1]:.3f} gas/item, rss {_rss_mb():.0f} MB", file=sys.stderr, flush=True)
                if args.budget and time.perf_counter() - t_start > args.budget and done < args.items:
                    print(f"time budget {args.budget}s reached after {done} items", file=sys.stderr)
                    break
            total = time.perf_counter() - t_start
            out.update(items=done, batches=len(batch_times), register_s=total, items_per_s=done / total,
                       batch_median_s=statistics.median(batch_times), batch_times_s=batch_times,
                       gas_per_item_median=statistics.median(gas), gas_per_item_max=max(gas),
                       phases_s=dict(phases.seconds), rss_after_register_mb=_rss_mb())

            # 2. naive: one transaction per item
            account = ledger.keystore.unlock("brand")
            attrs = attributes_hash(None, None)
            naive_gas, t0 = [], time.perf_counter()
            for k in range(args.per_item_tx):
                leaf = item_leaf(item_id_of(GTIN, str(10**12 + k)), attrs)
                root = MerkleTree.build([leaf]).root
                ts = int(time.time())
                metadata_hash, _sig = sign(RegistrationMessage(root, 1, PREFIX, ts), ledger.domain, account)
                record = ledger.chain.anchor_registration(account, root, 1, PREFIX, metadata_hash)
                naive_gas.append(_gas(ledger, "0x" + record.tx_hash.hex()))
            naive_s = time.perf_counter() - t0
            out.update(naive_items=args.per_item_tx, naive_s=naive_s, naive_items_per_s=args.per_item_tx / naive_s,
                       naive_gas_per_item=statistics.median(naive_gas),
                       naive_extrapolated_s=EXTRAPOLATE_TO * naive_s / args.per_item_tx)

            # 3. one shipment: brand -> carrier, then the carrier receives it
            n_ship = min(args.shipment, done)
            keys = [ItemKey(GTIN, str(s)) for s in range(n_ship)]
            t0 = time.perf_counter()
            shipped = ledger.ship("brand", "carrier", keys)
            ship_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            received = ledger.receive("carrier", shipped.root)
            receive_s = time.perf_counter() - t0
            out.update(shipment_items=n_ship, ship_s=ship_s, receive_s=receive_s,
                       ship_gas=_gas(ledger, shipped.tx_hash), receive_gas=_gas(ledger, received.tx_hash))
        finally:
            ledger.close()
    out["peak_rss_mb"] = _rss_mb()
    return out


def run_profile(args: argparse.Namespace) -> str:
    with tempfile.TemporaryDirectory(prefix="bench_register_prof_") as tmp:
        home = Path(tmp) / "home"
        ledger = _setup("embedded", f"sqlite:///{Path(tmp) / 'index.sqlite'}", home)
        try:
            ledger.register("brand", _specs(10**9, 10))  # warm-up: imports, first anchor
            profiler = cProfile.Profile()
            t0 = time.perf_counter()
            profiler.enable()
            ledger.register("brand", _specs(0, args.batch))
            profiler.disable()
            wall = time.perf_counter() - t0
        finally:
            ledger.close()
    buf = io.StringIO()
    stats = pstats.Stats(profiler, stream=buf)
    buf.write(f"one batch of {args.batch} items under cProfile: {wall:.2f}s wall\n")
    stats.sort_stats("cumulative").print_stats(args.profile_top)
    stats.sort_stats("tottime").print_stats(args.profile_top)
    return buf.getvalue()


# -- orchestration ------------------------------------------------------------------------


def _fmt_s(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 120:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.2f} s"


def _ok(good: bool) -> str:
    return "pass" if good else "**FAIL**"


def render(results: list[dict[str, Any]], command: str) -> str:
    lines = [SECTION, "",
             f"Machine: {machine()}.", "",
             "Command (run from the repository root):", "", "```", command, "```", "",
             ("Each chain × database combination runs in its own subprocess (fresh ledger home, fresh PostgreSQL "
             "database); peak RSS is that process's `ru_maxrss` (the Hardhat node's own memory is not included). "
             "Items/s is end to end through `Ledger.register` (plan: GS1 checks, keys, Merkle tree; EIP-712 "
             "signature; journal; anchor transaction; index commit). Gas/item is the anchor receipt's `gasUsed` "
             "divided by the batch size (median over batches). The per-item-transaction row is the naive design "
             "(one `anchorRegistration` per item); its 1,000,000-item time is an **extrapolation** from the measured "
             "rate."), "",
             ("| chain | DB | items registered | items/s (end to end) | batch median | gas/item (batched) | peak RSS | "
             f"≥ {TARGET_RATE:,} items/s (SQLite) | ≤ {TARGET_GAS:g} gas/item | RSS < 2 GB |"),
             "|---|---|---:|---:|---:|---:|---:|:-:|:-:|:-:|"]
    for r in results:
        rate_ok = _ok(r["items_per_s"] >= TARGET_RATE) if r["db"] == "sqlite" else "n/a"
        gas_ok = _ok(r["gas_per_item_max"] <= TARGET_GAS) if r["batch"] >= 100_000 else "n/a (batch < 100,000)"
        items = f"{r['items']:,}" + ("" if r["items"] >= r["items_requested"] else
                                     f" (of {r['items_requested']:,}: time budget)")
        lines.append(f"| {r['chain']} | {r['db']} | {items} | {r['items_per_s']:,.0f} | {r['batch_median_s']:.2f} s "
                     f"({r['batch']:,} items) | {r['gas_per_item_median']:.3f} | {r['peak_rss_mb']:,.0f} MB | {rate_ok} | "
                     f"{gas_ok} | {_ok(r['peak_rss_mb'] < TARGET_RSS_MB)} |")
    lines += ["", "Where a batch's time goes (seconds summed over all batches, share of registration time):", "",
              ("| chain | DB | plan_batch | dup. check (SQL) | sign | journal (SQL) | anchor tx | index commit (SQL) "
               "| other |"),
              "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        p, tot = r["phases_s"], r["register_s"]
        journal = p.get("journal + anchor", 0) - p.get("anchor tx", 0)
        cells = [p.get("plan_batch", 0), p.get("duplicate check (SQL)", 0), p.get("sign (EIP-712)", 0), journal,
                 p.get("anchor tx", 0), p.get("index commit (SQL)", 0)]
        cells.append(tot - sum(cells))
        lines.append(f"| {r['chain']} | {r['db']} | " + " | ".join(f"{c:.1f} s ({c / tot:.0%})" for c in cells) + " |")
    lines += ["", "Naive comparison (one transaction per item) and one shipment:", "",
              ("| chain | DB | per-item tx: items | items/s | gas/item | 1,000,000 items (extrapolated) | batched / per-item speed |"
              " shipment items | `ship` | `receive` | ship anchor gas | receive anchor gas |"),
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r['chain']} | {r['db']} | {r['naive_items']:,} | {r['naive_items_per_s']:,.1f} | "
                     f"{r['naive_gas_per_item']:,.0f} | {_fmt_s(r['naive_extrapolated_s'])} | "
                     f"{r['items_per_s'] / r['naive_items_per_s']:,.0f}× | {r['shipment_items']:,} | "
                     f"{r['ship_s']:.2f} s | {r['receive_s']:.2f} s | {r['ship_gas']:,} | {r['receive_gas']:,} |")
    lines += ["", _interpretation(results)]
    return "\n".join(lines) + "\n"


def _interpretation(results: list[dict[str, Any]]) -> str:
    sqlite = [r for r in results if r["db"] == "sqlite"] or results
    best = max(r["items_per_s"] for r in sqlite)
    share = {k: statistics.median(r["phases_s"].get(k, 0) / r["register_s"] for r in results)
             for k in ("index commit (SQL)", "plan_batch", "duplicate check (SQL)", "anchor tx")}
    gas = statistics.median(r["gas_per_item_median"] for r in results)
    naive_gas = statistics.median(r["naive_gas_per_item"] for r in results)
    return (f"Interpretation: batching meets the gas target ({gas:.2f} gas/item, one ~{gas * results[0]['batch']:,.0f}-gas "
            f"anchor per {results[0]['batch']:,}-item batch, against {naive_gas:,.0f} gas/item and hours per million "
            f"items one transaction per item) and the memory target (peak "
            f"{max(r['peak_rss_mb'] for r in results):,.0f} MB); "
            + (f"it meets the throughput target with {best:,.0f} items/s at best with SQLite. " if best >= TARGET_RATE else
               f"it misses the throughput target: at best {best:,.0f} items/s with SQLite, "
               f"{TARGET_RATE / best:.2f}× short of {TARGET_RATE:,}. ")
            + f"The chain is not the bottleneck (the anchor transaction is ~{share['anchor tx']:.0%} of the time); "
            f"the index is: the bulk insert of the item rows takes ~{share['index commit (SQL)']:.0%}, "
            f"planning (GS1 checks, keccak ids, leaves, tree) ~{share['plan_batch']:.0%} and the chunked duplicate "
            f"check ~{share['duplicate check (SQL)']:.0%} (medians over the combinations; differences between the "
            f"embedded and Hardhat rows in these SQL phases are mostly noise of the shared 2-core machine).")


def _worker_cmd(args: argparse.Namespace, chain: str, db: str, json_out: Path) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--worker", "--chain", chain, "--db", db,
            "--items", str(args.items), "--batch", str(args.batch), "--per-item-tx", str(args.per_item_tx),
            "--shipment", str(args.shipment), "--budget", str(args.budget), "--json-out", str(json_out)]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--items", type=int, default=1_000_000, help="items to register per combination")
    p.add_argument("--batch", type=int, default=100_000, help="items per Ledger.register call")
    p.add_argument("--chain", choices=["embedded", "hardhat", "all"], default="embedded")
    p.add_argument("--db", choices=["sqlite", "postgresql", "all"], default="sqlite")
    p.add_argument("--per-item-tx", type=int, default=300, help="items registered one transaction each")
    p.add_argument("--shipment", type=int, default=10_000, help="items in the shipment shipped and received")
    p.add_argument("--budget", type=float, default=0,
                   help="stop registering after this many seconds (0: no limit); the table says so")
    p.add_argument("--out", choices=["on", "off"], default="off", help="update this script's section of BENCHMARKS.md")
    p.add_argument("--benchmarks", type=Path, default=ROOT / "BENCHMARKS.md")
    p.add_argument("--results", type=Path, default=None,
                   help="JSON file of results kept across runs (merged by chain+db), so combinations run "
                        "separately end up in one table")
    p.add_argument("--profile", action="store_true", help="cProfile one --batch registration (embedded + SQLite)")
    p.add_argument("--profile-top", type=int, default=10)
    p.add_argument("--render-only", action="store_true",
                   help="run nothing: render (and with --out on, write) the table from --results")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--json-out", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.profile:
        print(run_profile(args))
        return 0
    if args.worker:
        result = run_combination(args)
        args.json_out.write_text(json.dumps(result))
        return 0

    chains = ["embedded", "hardhat"] if args.chain == "all" else [args.chain]
    dbs = ["sqlite", "postgresql"] if args.db == "all" else [args.db]
    command = "cd /work/main && .venv/bin/python scripts/bench_register.py " + " ".join(
        a if " " not in a else repr(a) for a in (argv if argv is not None else sys.argv[1:]))
    stored: dict[str, Any] = {}
    if args.results and args.results.exists():
        stored = json.loads(args.results.read_text())
    combos = [(c, d) for d in dbs for c in chains]  # SQLite first: embedded+sqlite, hardhat+sqlite, then PostgreSQL
    for chain_kind, db in ([] if args.render_only else combos):
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
            json_out = Path(f.name)
        t0 = time.perf_counter()
        rc = subprocess.call(_worker_cmd(args, chain_kind, db, json_out), cwd=ROOT)
        if rc != 0:
            print(f"{chain_kind}+{db}: worker failed ({rc})", file=sys.stderr)
            continue
        result = json.loads(json_out.read_text())
        json_out.unlink()
        result["command"] = command
        print(f"{chain_kind}+{db}: {result['items']:,} items at {result['items_per_s']:,.0f} items/s, "
              f"{result['gas_per_item_median']:.3f} gas/item, peak {result['peak_rss_mb']:.0f} MB, "
              f"naive {result['naive_items_per_s']:.1f} items/s ({time.perf_counter() - t0:.0f}s total)", flush=True)
        stored[f"{chain_kind}+{db}"] = result
        if args.results:
            args.results.write_text(json.dumps(stored, indent=1))
    order = [f"{c}+{d}" for d in ("sqlite", "postgresql") for c in ("embedded", "hardhat")]
    results = [stored[k] for k in order if k in stored]
    if not results:
        return 1
    commands = list(dict.fromkeys(r["command"] for r in results))
    section = render(results, "\n".join(commands))
    print(section)
    if args.out == "on":
        replace_section(SECTION, section, args.benchmarks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
