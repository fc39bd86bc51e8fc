#!/usr/bin/env python
"""Benchmark the verifier over HTTP (issue 4): verifications/s and p50/p99 latency, 50 concurrent clients.

Set-ups: ``embedded`` (embedded chain + SQLite, `ledger serve` in one process) and ``scaleout``
(Hardhat node + PostgreSQL, `ledger serve --workers W` = gunicorn). Each registers ``--items`` items
in a fresh ledger home, starts `ledger serve` on a free loopback port, and sends POST /api/v1/verify
requests with signed Digital Links of random registered items (each one is judged and recorded as a
scan) from ``--clients`` keep-alive connections, in two ways, each a warm-up then ``--runs`` measured
runs of ``--duration`` seconds; the table shows the median of each figure over the runs:

- saturation (closed loop): each client sends its next request as soon as the last is answered, so
  the rate is the most the server gives; latency is then set by the queue (about clients / rate).
- paced (open loop, ``--rate``): the clients together send ``--rate`` requests per second on a fixed
  schedule whatever the answers, and latency counts from when a request was due, so a slow answer's
  wait is counted (no "coordinated omission"). This is the latency officers see at that load.

The load comes from `wrk` (Debian package ``wrk``; installed with apt-get if missing), driven by
scripts/bench_verify.lua, so the load generator takes little of the CPU the server needs.

    .venv/bin/python scripts/bench_verify.py --setup all --items 1000000 --write
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _bench import ROOT, chain, database, machine, replace_section

GTIN = "09521234543213"
SECTION = "## Verifier (issue 4)"
_CHAIN = {"embedded": "embedded", "scaleout": "hardhat"}
_DATABASE = {"embedded": "sqlite", "scaleout": "postgresql"}
PASSPHRASE = "bench passphrase"


def _prepare(env: dict[str, str], items: int, sample: int) -> tuple[list[str], float]:
    """Register ``items`` items; return request bodies for ``sample`` random ones and the registration time."""
    from ledger.chain.roles import Role
    from ledger.codes.identifiers import ItemKey
    from ledger.codes.signature import sign_code
    from ledger.custody.ledger import Ledger
    from ledger.custody.registration import ItemSpec
    from ledger.settings import Settings

    settings = Settings.from_env(env)
    started = time.perf_counter()
    with Ledger.init(settings) as ledger:
        ledger.add_party("acme", Role.BRAND, ["9521234"])
        for start in range(0, items, 100_000):
            ledger.register("acme", [ItemSpec(GTIN, str(n), "L1", None) for n in range(start + 1, min(items, start + 100_000) + 1)])
        elapsed = time.perf_counter() - started
        acme = ledger.keystore.unlock("acme")
        serials = random.Random(4).sample(range(1, items + 1), min(sample, items))
        bodies = [json.dumps({"code": f"/01/{GTIN}/21/{n}?sig={sign_code(ItemKey(GTIN, str(n)), acme)}",
                              "location": {"lat": 51.9 + (n % 7) * 0.001, "lon": 4.1}}) for n in serials]
    return bodies, elapsed


@contextlib.contextmanager
def _server(env: dict[str, str], setup: str, workers: int, threads: int) -> Iterator[int]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    command = [str(ROOT / ".venv/bin/ledger"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    if setup == "scaleout":
        command += ["--workers", str(workers)]
    command += ["--threads", str(threads)]
    log = open(ROOT / "test-artifacts" / f"bench-verify-{setup}.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"ledger serve did not start; see {log.name}") from None
                time.sleep(0.5)
        yield port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()


def _wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk (the HTTP load generator) is not installed; installing the Debian package: apt-get install -y wrk",
          file=sys.stderr, flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "wrk"], check=False)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("could not install wrk; install it: apt-get install wrk")
    return found


def _wrk_json(arguments: list[str], script_arguments: list[str], duration: float) -> dict[str, Any]:
    """Run wrk with a Lua script whose ``done`` prints one JSON line."""
    command = [_wrk(), *arguments, "--", *script_arguments]
    out = subprocess.run(command, check=True, capture_output=True, text=True, timeout=duration + 60).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    result["rate"] = result["requests"] / result["seconds"]
    result["failures"] += result.pop("socket_errors")
    return result


def saturation(port: int, bodies: Path, clients: int, duration: float) -> dict[str, Any]:
    """Closed loop: ``clients`` connections, each sending its next request when the last is answered."""
    return paced(port, bodies, clients, duration, 0.0)


def paced(port: int, bodies: Path, clients: int, duration: float, rate: float) -> dict[str, Any]:
    """Open loop: ``clients`` connections (one wrk thread each) sending ``rate`` requests/s in all, on schedule.

    ``bodies`` is a file of request bodies, one JSON object per line.
    """
    return _wrk_json([f"-t{clients}", f"-c{clients}", f"-d{max(1, round(duration))}s", "--timeout", "10s",
                      "-s", str(ROOT / "scripts" / "bench_verify.lua"), f"http://127.0.0.1:{port}/api/v1/verify"],
                     [str(bodies), str(rate / clients), str(clients)], duration)


def _median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    summary = {k: statistics.median(r[k] for r in runs) for k in ("rate", "p50_ms", "p99_ms")}
    return {**summary, "requests": sum(r["requests"] for r in runs), "failures": sum(r["failures"] for r in runs),
            "runs": [{k: round(r[k], 1) for k in ("rate", "p50_ms", "p99_ms")} for r in runs]}


def run(setup: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    """One row per load mode: saturation, then paced at ``args.rate`` (if any)."""
    with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
        home = Path(tmp) / "home"
        with chain(_CHAIN[setup]) as chain_url, database(_DATABASE[setup], home, "bench_verify") as db:
            env = {**os.environ, "LEDGER_HOME": str(home), "LEDGER_CHAIN": chain_url, "LEDGER_DATABASE_URL": db,
                   "LEDGER_PASSPHRASE": PASSPHRASE, "LEDGER_KDF_ITERATIONS": "1024"}
            samples, registration = _prepare(env, args.items, args.sample)
            bodies = Path(tmp) / "bodies.jsonl"
            bodies.write_text("\n".join(samples) + "\n")
            with _server(env, setup, args.workers, args.threads) as port:
                saturation(port, bodies, args.clients, 5)  # warm-up: pools, caches, prepared statements
                modes = {"saturation": lambda: saturation(port, bodies, args.clients, args.duration)}
                if args.rate:
                    modes[f"paced {args.rate:,.0f}/s"] = lambda: paced(port, bodies, args.clients, args.duration, args.rate)
                rows = [{**_median_of([measure() for _ in range(args.runs)]), "mode": mode} for mode, measure in modes.items()]
    for row in rows:
        row.update(setup=setup, items=args.items, registration_s=registration, clients=args.clients,
                   workers=args.workers if setup == "scaleout" else 1, threads=args.threads)
        print(json.dumps(row), flush=True)
    return rows


def render(results: list[dict[str, Any]], command: str) -> str:
    rows = "\n".join(
        f"| {r['setup']} | {r['items']:,} | {r['workers']} × {r['threads']} | {r['mode']} | {r['requests']:,} | "
        f"{r['rate']:,.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['failures']} |" for r in results)
    return f"""{SECTION}

`{command}` — {machine()}. POST /api/v1/verify over loopback HTTP from {results[0]['clients']} concurrent
keep-alive clients (wrk, on the same machine), signed Digital Links of random registered items; every
request parses the code, checks the brand signature, reads the item, its events and its recent scans, checks the
head anchor on chain (cached once confirmed), judges, and inserts a scan row. Figures are medians of
{len(results[0]['runs'])} runs; requests are the total over the runs. Saturation: each client sends as soon as
its last answer came (closed loop: the most the server gives; latency ≈ clients / rate by Little's law).
Paced: the clients send a fixed rate in all on a schedule (open loop), latency counted from when each
request was due.

| set-up | registered items | processes × threads | load | requests | verifications/s | p50 ms | p99 ms | failures |
|---|---|---|---|---|---|---|---|---|
{rows}

- embedded = embedded chain + SQLite, `ledger serve` (one process);
  scaleout = Hardhat node + PostgreSQL, `ledger serve --workers N` with gunicorn (gthread, SO_REUSEPORT).
- Target (scale-out): ≥ 1,000 verifications/s with p99 < 50 ms at 1,000,000 items.
"""


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--setup", choices=["embedded", "scaleout", "all"], default="embedded")
    p.add_argument("--items", type=int, default=100_000)
    p.add_argument("--duration", type=float, default=20.0, help="Seconds per measured run.")
    p.add_argument("--rate", type=float, default=1000.0, help="Requests/s of the paced runs (0: saturation only).")
    p.add_argument("--sample", type=int, default=20_000, help="Distinct items the requests rotate over.")
    p.add_argument("--runs", type=int, default=3, help="Measured runs; the table shows their medians.")
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="gunicorn workers on the scale-out set-up (default, as `ledger serve`: one per CPU)")
    p.add_argument("--threads", type=int, default=4, help="Server threads per process (default as `ledger serve`).")
    p.add_argument("--write", action="store_true", help="Write the results into BENCHMARKS.md.")
    args = p.parse_args()
    setups = ["embedded", "scaleout"] if args.setup == "all" else [args.setup]
    results = [row for s in setups for row in run(s, args)]
    section = render(results, "scripts/bench_verify.py " + " ".join(sys.argv[1:]))
    print(section)
    if args.write:
        replace_section(SECTION, section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
