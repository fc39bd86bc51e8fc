"""Benchmark the Codes library: parse + signature check, signed PNG labels (PDF and ZPL: bench_labels.py).

Run: .venv/bin/python scripts/bench_codes.py [--write]   (--write updates BENCHMARKS.md)
"""

from __future__ import annotations

import statistics
import sys
import time

from _bench import machine, replace_section
from eth_account import Account

from ledger.codes.identifiers import ItemKey
from ledger.codes.parsing import parse_code
from ledger.codes.qr_label import Label, label_png
from ledger.codes.signature import Brand, BrandDirectory, verify_code_signature

BRAND = Account.from_key(b"\x01" * 32)
BRANDS = BrandDirectory((Brand("Acme", BRAND.address, ("9521234",)),))
BASE = "https://verify.example"
COMMAND = ".venv/bin/python scripts/bench_codes.py --write"


def _labels(count: int, start: int = 0) -> list[Label]:
    return [Label.signed(ItemKey("09521234543213", f"SN{i:08d}"), BASE, BRAND) for i in range(start, start + count)]


def bench_parse(codes: list[str], runs: int = 5) -> float:
    rates = []
    for _ in range(runs):
        began = time.perf_counter()
        for text in codes:
            code = parse_code(text)
            assert verify_code_signature(code.key, code.signature, BRANDS).ok
        rates.append(len(codes) / (time.perf_counter() - began))
    return statistics.median(rates)


def bench_png(count: int = 200, runs: int = 3) -> float:
    rates = []
    for run in range(runs):
        began = time.perf_counter()
        for i in range(count):
            label_png(Label.signed(ItemKey("09521234543213", f"P{run}-{i}"), BASE, BRAND))
        rates.append(count / (time.perf_counter() - began))
    return statistics.median(rates)


def main() -> None:
    codes = [label.uri for label in _labels(2000)]
    parse_rate = bench_parse(codes)
    png_rate = bench_png()
    table = "\n".join(
        [
            "| measure | result | target |",
            "| --- | --- | --- |",
            f"| signed Digital Links parsed + signature-checked, one core (median of 5 runs of 2,000) | {parse_rate:,.0f}/s | ≥ 5,000/s |",
            f"| labels signed and rendered as PNG (median of 3 runs of 200) | {png_rate:,.0f}/s | |",
        ]
    )
    print(table)
    if "--write" in sys.argv:
        section = (
            "## Codes (issue 3)\n\n"
            f"Machine: {machine()}.\n\nCommand: `{COMMAND}`\n\n{table}\n\n"
            "PDF sheets and ZPL: see Labels (issue 14).\n"
        )
        replace_section("## Codes (issue 3)", section)

if __name__ == "__main__":
    main()
