#!/usr/bin/env python
"""Benchmark the `ledger` command's start-up (issue 14): `--help`, `check` and `verify` on a demo home.

Builds a demo home in a temporary directory (embedded chain, SQLite: init, a brand, ``--runs`` + 1 registered
items, their signed links, the brand directory), then runs each command ``--runs`` times as a new process, the
way a user does, with LEDGER_PASSPHRASE unset and standard input closed (none of the three asks for it), and
reports the median wall time and the median CPU time (user + system of the child). `verify` judges a
different item on each run (each run records a scan, as it does by default).

On a shared machine the wall time grows with the load while the CPU time hardly does, so both are given, with
the load average during the run. The breakdown (one `python -X importtime` run per command) shares the import
time out by top-level package: what remains of each command's start-up.

``--baseline COMMIT`` also runs each command with the ``ledger`` package of that commit (extracted with
``git archive`` into the temporary directory, first on PYTHONPATH), interleaved with this checkout's runs so
both see the same load: the before and after.

    .venv/bin/python scripts/bench_startup.py --runs 9 --write
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from _bench import ROOT, machine, replace_section

COMMAND = ".venv/bin/python scripts/bench_startup.py --runs 9 --baseline 55eb5cb --write"
TARGETS = {"--help": 0.5, "check": 0.5, "verify": 1.0}


def _ledger() -> list[str]:
    script = Path(sys.executable).with_name("ledger")
    return [str(script)] if script.exists() else [sys.executable, "-m", "ledger.cli"]


def _env(home: Path, passphrase: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env.update({"LEDGER_HOME": str(home), "LEDGER_KDF_ITERATIONS": "16", "LEDGER_CHAIN": "embedded"})
    if passphrase is not None:
        env["LEDGER_PASSPHRASE"] = passphrase
    return env


def _run(args: list[str], env: dict[str, str], prefix: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([*(prefix or _ledger()), *args], env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=600, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"`ledger {' '.join(args)}` failed ({done.returncode}): {done.stderr.strip()}")
    return done


def build_home(home: Path, items: int) -> tuple[list[str], Path]:
    """The demo home; the signed links of its items and the brand directory file."""
    env = _env(home, "bench passphrase")
    _run(["init"], env)
    _run(["party", "add", "acme", "--role", "brand", "--prefix", "9521234"], env)
    registered = json.loads(_run(["--json", "register", "--as", "acme", "--gtin", "09521234543213", "--count", str(items)],
                                 env).stdout)
    links = json.loads(_run(["--json", "labels", "--as", "acme", "--batch", registered["root"], "--format", "uri"],
                            env).stdout)
    brands = home.parent / "brands.json"
    _run(["brands", "export", "--out", str(brands)], env)
    return links, brands


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one `ledger ARGS` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    _run(args, env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def breakdown(args: list[str], env: dict[str, str], top: int = 7) -> str:
    """The import time of `ledger ARGS` by top-level package, largest first, as shares of the whole."""
    done = _run(args, env, [sys.executable, "-X", "importtime", "-m", "ledger.cli"])
    by_package: dict[str, int] = defaultdict(int)
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _, name = line.removeprefix("import time:").split("|")
        by_package[name.strip().split(".")[0]] += int(self_us)
    total = sum(by_package.values())
    ranked = sorted(by_package.items(), key=lambda kv: -kv[1])
    shown = ", ".join(f"{name} {100 * us / total:.0f}%" for name, us in ranked[:top])
    return f"{len(by_package)} packages; {shown}"


def _commit(revision: str) -> str:
    done = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", revision], capture_output=True, text=True,
                          check=True)
    return done.stdout.strip()


def _extract(revision: str, into: Path) -> Path:
    """The ``ledger`` package of ``revision``, extracted under ``into``: the directory to put on PYTHONPATH."""
    into.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "ledger"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--baseline", metavar="COMMIT", help="A commit whose `ledger` to measure alongside (the before).")
    parser.add_argument("--write", action="store_true", help="Write the results into BENCHMARKS.md.")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        home = Path(tmp) / "home"
        links, brands = build_home(home, options.runs + 1)
        env = _env(home, None)  # the measured commands run without the passphrase
        commands: dict[str, Callable[[int], list[str]]] = {
            "--help": lambda i: ["--help"],
            "check": lambda i: ["check", links[i], "--brands", str(brands)],
            "verify": lambda i: ["verify", links[i]],
        }
        # The baseline gets the passphrase: before issue 12, verify asked for it.
        base_env = ({**env, "PYTHONPATH": str(_extract(options.baseline, Path(tmp) / "baseline")),
                     "LEDGER_PASSPHRASE": "bench passphrase"} if options.baseline else None)
        rows, notes = [], []
        load = [os.getloadavg()[0]]
        timed(["--help"], env)  # once unmeasured, so the first measured run finds the files in the page cache
        for name, args_of in commands.items():
            samples, base = [], []
            for i in range(options.runs):
                samples.append(timed(args_of(i), env))
                if base_env is not None:
                    # verify: the baseline judges the same item again (one more scan of it; still genuine)
                    base.append(timed(args_of(i), base_env))
            load.append(os.getloadavg()[0])
            wall = statistics.median(s[0] for s in samples)
            cpu = statistics.median(s[1] for s in samples)
            before = (f" {statistics.median(s[0] for s in base):.2f} s | {statistics.median(s[1] for s in base):.2f} s |"
                      if base else "")
            rows.append(f"| `ledger {' '.join(args_of(0)[:1])}` |{before} {wall:.2f} s | {cpu:.2f} s | {TARGETS[name]} s |")
            notes.append(f"- `{name}`: {breakdown(args_of(options.runs), env)}")
            print(rows[-1], flush=True)
        head = "| command |" + (" before: wall | before: CPU |" if base_env else "") + " wall | CPU (user + sys) | target |"
        rule = "|---|" + ("---:|---:|" if base_env else "") + "---:|---:|---:|"
        table = "\n".join([head, rule, *rows])
        baseline = (f" \"Before\" is commit {_commit(options.baseline)}, measured in turn with this checkout (commit "
                    f"{_commit('HEAD')}) in the same run." if options.baseline else "")
        section = (f"## CLI start-up (issue 14)\n\nMachine: {machine()}. Load average during the run: "
                   f"{min(load):.1f} to {max(load):.1f} on {os.cpu_count()} cores.\n\nCommand: `{COMMAND}` "
                   f"(medians of {options.runs} runs, each a new process; embedded chain, SQLite index, no "
                   f"LEDGER_PASSPHRASE, standard input closed).{baseline} Under this load the wall time is several "
                   f"times the CPU time; the CPU time is what the command costs.\n\n{table}\n\n"
                   f"Where each command's import time goes now (`python -X importtime`, self time by top-level "
                   f"package, share of the total):\n\n" + "\n".join(notes) + "\n")
        print(section)
        if options.write:
            replace_section("## CLI start-up (issue 14)", section)


if __name__ == "__main__":
    main()
