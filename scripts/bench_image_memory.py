"""Peak memory of reading codes from uploaded photos, one at a time and eight at once (issue 9).

Each measurement runs in a fresh process (its peak resident size, VmHWM): the process imports the
ledger, notes its resident size, then reads the image in N threads at once, as a server worker's
threads would. The pictures: a 7000x7000 white PNG (160 KB of bytes, 49 megapixels: refused from
its header), a 4000x4000 PNG (16 megapixels, the most decoded whole) and a 7000x7000 JPEG
(decoded at half scale).

Run: .venv/bin/python scripts/bench_image_memory.py [--write]   (--write updates BENCHMARKS.md)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from _bench import ROOT, machine, replace_section
from PIL import Image

COMMAND = ".venv/bin/python scripts/bench_image_memory.py --write"
_CHILD = """
import re, sys, threading
from ledger.errors import LedgerError
from ledger.codes.images import read_codes
def peak_mib():  # VmHWM: this process image's peak; ru_maxrss would carry the parent's over exec
    return int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) // 1024
data = open(sys.argv[1], "rb").read()
base = peak_mib()
outcome = []
def read():
    try:
        read_codes(data)
        outcome.append("read")
    except LedgerError as exc:
        outcome.append(exc.message)
threads = [threading.Thread(target=read) for _ in range(int(sys.argv[2]))]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(base, peak_mib(), outcome[0][:70], sep="\\t")
"""


def _images(directory: Path) -> list[tuple[str, Path]]:
    white = directory / "white-7000.png"
    Image.new("RGB", (7000, 7000), "white").save(white, optimize=True)
    gradient = directory / "gradient-4000.png"
    Image.linear_gradient("L").resize((4000, 4000)).convert("RGB").save(gradient, optimize=True)
    photo = directory / "white-7000.jpg"
    Image.new("RGB", (7000, 7000), "white").save(photo, quality=50)
    return [("7000x7000 PNG", white), ("4000x4000 PNG", gradient), ("7000x7000 JPEG", photo)]


def measure(path: Path, threads: int) -> tuple[int, int, str]:
    done = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(threads)], capture_output=True, text=True,
                          check=True, cwd=ROOT)
    base, peak, outcome = done.stdout.strip().split("\t")
    return int(base), int(peak), outcome


def main() -> None:
    rows = ["| picture | bytes | uploads at once | peak RSS | over the process before | outcome |", "| --- | --- | --- | --- | --- | --- |"]
    with tempfile.TemporaryDirectory() as tmp:
        for label, path in _images(Path(tmp)):
            for threads in (1, 8):
                base, peak, outcome = measure(path, threads)
                rows.append(f"| {label} | {path.stat().st_size:,} | {threads} | {peak} MiB | {peak - base} MiB | {outcome} |")
                print(rows[-1], flush=True)
    title = "## Image uploads: decode memory (issue 9)"
    section = "\n".join([
        title, "", f"Machine: {machine()}.", "", f"Command: `{COMMAND}`", "", *rows, "",
        "Before issue 9 (commit b98089b) the same pictures took: 7000x7000 PNG 463 MiB (one) and 3,332 MiB (eight);",
        "4000x4000 PNG 179 and 1,010 MiB; 7000x7000 JPEG 77 and 302 MiB. Now the PNG too large to decode whole is",
        "refused from its header, and a process's reads share a 192 MB budget (ledger/image_codes.py).",
    ])
    if "--write" in sys.argv:
        replace_section(title, section)


if __name__ == "__main__":
    main()
