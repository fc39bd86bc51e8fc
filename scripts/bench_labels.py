"""Benchmark label printing (issue 14): signed labels into a PDF and into ZPL, and the measurements the
label design was chosen by (QR encoder, mask, error correction, signature form).

Run:
    .venv/bin/python scripts/bench_labels.py [--pdf 100000] [--zpl 300000] [--write]

Each output run is a fresh subprocess (`--one`), so its peak RSS (ru_maxrss, workers included) is its own.
Rates are labels per second of wall time, and per CPU-second of the process (the machine is shared: the
CPU rate is what one core does). The encoder candidates that are not dependencies of the ledger (segno,
qrcodegen, zint-bindings, qrcode) are measured when installed, e.g.
`.venv/bin/pip install segno qrcodegen zint-bindings qrcode`, and skipped otherwise.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

from _bench import ROOT, machine, replace_section

from ledger.codes._pdf import PdfWriter, deflate
from ledger.codes.digital_link import digital_link_uri
from ledger.codes.identifiers import ItemKey
from ledger.codes.label_jobs import LabelRun, available_cores, pdf_pages, zpl_chunks
from ledger.codes.label_sheet import PAGE_SIZES, SheetLayout, pages_of, render_page, write_pages
from ledger.codes.qr_label import EC_LEVEL, MASK, Label, qr_symbol
from ledger.codes.signature import CodeSigner, SignatureForm
from ledger.codes.zpl import ZplLayout, zpl_label

SECTION = "## Labels (issue 14)"
SECRET = b"\x01" * 32
BASE = "https://verify.example.com"
GTIN = "09521234543213"
SHEET = "a4:3x8:10"
THERMAL = "57x32mm"


def keys(count: int, start: int = 1) -> Iterator[ItemKey]:
    """Keys as a batch of a day's production has them: numeric serials, one lot and expiry."""
    for n in range(start, start + count):
        yield ItemKey(GTIN, str(n), "LOT-2026-11", date(2028, 11, 30))


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


# --- one output run, in its own process -------------------------------------------------------------

def one(kind: str, count: int, jobs: int) -> dict[str, float]:
    run = LabelRun(SECRET, BASE, SignatureForm.BASE64URL if kind == "zpl" else SignatureForm.DECIMAL, brand="Acme")
    first: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"labels.{'zpl' if kind == 'zpl' else 'pdf'}"
        began, cpu = time.perf_counter(), _cpu()
        with path.open("wb") as out:
            if kind == "pdf":
                layout = SheetLayout.parse(SHEET)

                def progress(done: int) -> None:
                    if not first:  # the first page is in the file, readable, when the first progress comes
                        first.append(time.perf_counter() - began)

                written = write_pages(pdf_pages(keys(count), run, layout, jobs), out, layout, progress)
            elif kind == "reportlab":
                written = _reportlab(count, run, out)
                first.append(time.perf_counter() - began)  # reportlab writes the file when it saves
            else:
                written = 0
                for text, n in zpl_chunks(keys(count), run, ZplLayout.parse(THERMAL), jobs):
                    out.write(text.encode())
                    out.flush()
                    written += n
                    if not first:
                        first.append(time.perf_counter() - began)
        seconds, cpu = time.perf_counter() - began, _cpu() - cpu
        size = path.stat().st_size
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return {"labels": written, "seconds": seconds, "cpu": cpu, "first": first[0], "peak_mib": peak / 1024,
            "bytes": size, "load": os.getloadavg()[0]}


def _reportlab(count: int, run: LabelRun, out: io.BufferedWriter) -> int:
    """The same pages through reportlab's canvas, as main did before issue 14: it keeps them until it saves."""
    from reportlab.pdfgen.canvas import Canvas

    layout = SheetLayout.parse(SHEET)
    canvas = Canvas(out, pagesize=PAGE_SIZES[layout.page], pageCompression=1)
    written = 0
    for page in pages_of(run.labels(keys(count)), layout.per_page):
        canvas.setFont("Helvetica", 7)  # reportlab names its fonts F1, F2 in the order used, as render_page does
        canvas.setFont("Helvetica-Bold", 7)
        canvas.addLiteral(render_page(page, layout).decode("latin-1"))
        canvas.showPage()
        written += len(page)
    canvas.save()
    return written


def measure(kind: str, count: int, jobs: int) -> dict[str, float]:
    result = subprocess.run([sys.executable, __file__, "--one", kind, "--count", str(count), "--jobs", str(jobs)],
                            check=True, capture_output=True, text=True, cwd=ROOT)
    return dict(json.loads(result.stdout), jobs=jobs)


# --- where a label's time goes ------------------------------------------------------------------------

def _timed(fn: Callable[[], object], runs: int = 3) -> float:
    best = []
    for _ in range(runs):
        began = time.process_time()
        fn()
        best.append(time.process_time() - began)
    return min(best)


def breakdown(count: int = 2400) -> dict[str, dict[str, float]]:
    """CPU µs per label of each stage, each timed alone (best of 3) over the same labels."""
    sample = list(keys(count))
    decimal, base64url = CodeSigner(SECRET, SignatureForm.DECIMAL), CodeSigner(SECRET, SignatureForm.BASE64URL)
    sigs = [decimal.sign(k) for k in sample]
    uris = [digital_link_uri(k, BASE, (("sig", s),)) for k, s in zip(sample, sigs, strict=True)]
    labels = [Label(k, u, "Acme") for k, u in zip(sample, uris, strict=True)]
    symbols = [qr_symbol(u) for u in uris]
    layout = SheetLayout.parse(SHEET)
    pages = [labels[i : i + layout.per_page] for i in range(0, count, layout.per_page)]
    contents = [render_page(p, layout) for p in pages]
    deflated = [deflate(c) for c in contents]
    zpl_layout = ZplLayout.parse(THERMAL)
    zpl_run = [Label(k, digital_link_uri(k, BASE, (("sig", base64url.sign(k)),)), "Acme") for k in sample]

    def write() -> None:
        writer = PdfWriter(io.BytesIO(), *PAGE_SIZES[layout.page], title="t")
        for page in deflated:
            writer.add_page(page)
        writer.close()

    per = 1e6 / count
    stages = {
        "item keys (from the index in a real run)": _timed(lambda: list(keys(count))),
        "signature (libsecp256k1 + keccak)": _timed(lambda: [decimal.sign(k) for k in sample]),
        "Digital Link URI": _timed(lambda: [digital_link_uri(k, BASE, (("sig", s),)) for k, s in zip(sample, sigs, strict=True)]),
    }
    qr = _timed(lambda: [qr_symbol(u) for u in uris])
    pack = _timed(lambda: [s.mask_bits().hex() for s in symbols])
    page = _timed(lambda: [render_page(p, layout) for p in pages])
    pdf = dict(stages)
    pdf["QR symbol (zxing-cpp)"] = qr
    pdf["image mask packing"] = pack
    pdf["text and placement"] = max(0.0, page - qr - pack)
    pdf["deflate"] = _timed(lambda: [deflate(c) for c in contents])
    pdf["PDF objects and write"] = _timed(write)
    zpl = dict(stages)
    zpl["signature (libsecp256k1 + keccak)"] = _timed(lambda: [base64url.sign(k) for k in sample])
    zpl["ZPL format"] = _timed(lambda: [zpl_label(label, zpl_layout) for label in zpl_run])
    return {"pdf": {k: v * per for k, v in pdf.items()}, "zpl": {k: v * per for k, v in zpl.items()}}


# --- how the QR was chosen ----------------------------------------------------------------------------

def _sample_uris(count: int, form: SignatureForm, seed: int = 14) -> list[str]:
    rng = random.Random(seed)
    secret = bytes(rng.randrange(1, 255) for _ in range(32))
    signer = CodeSigner(secret, form)
    out = []
    for _ in range(count):
        key = ItemKey(GTIN, str(rng.randrange(1, 10**7)), f"L{rng.randrange(1000)}", date(2028, 11, 30))
        out.append(digital_link_uri(key, BASE, (("sig", signer.sign(key)),)))
    return out


def encoder_candidates(uri: str) -> list[tuple[str, float | None]]:
    """CPU µs to make one QR symbol of ``uri`` at EC Q (best of 3 runs); None where the package is missing."""
    import zxingcpp

    def zxing(mask: int | None) -> Callable[[], object]:
        extra = {} if mask is None else {"dataMask": mask}
        return lambda: memoryview(zxingcpp.create_barcode(uri, zxingcpp.QRCode, ec_level="Q", **extra).to_image()).tobytes()

    candidates: list[tuple[str, Callable[[], object] | None, int]] = [
        ("zxing-cpp writer (libzint), 8-mask search", zxing(None), 200),
        ("zxing-cpp writer (libzint), fixed mask: chosen", zxing(MASK), 2000),
    ]
    try:
        import zint

        def zint_symbol(mask: int | None) -> Callable[[], object]:
            def make() -> object:
                symbol = zint.Symbol()
                symbol.symbology, symbol.option_1 = zint.Symbology.QRCODE, 3
                if mask is not None:
                    symbol.option_3 = (mask + 1) << 8
                symbol.encode(uri)
                return symbol.encoded_data
            return make

        candidates += [("zint-bindings (libzint direct), 8-mask search", zint_symbol(None), 200),
                       ("zint-bindings (libzint direct), fixed mask", zint_symbol(MASK), 2000)]
    except ImportError:
        candidates += [("zint-bindings (not installed)", None, 0)]
    try:
        import segno

        def seg(mask: int | None) -> object:
            return segno.make(uri, error="q", micro=False, boost_error=False, mask=mask).matrix

        candidates += [("segno (pure Python), 8-mask search", lambda: seg(None), 20),
                       ("segno (pure Python), fixed mask", lambda: seg(MASK), 50)]
    except ImportError:
        candidates += [("segno (not installed)", None, 0)]
    try:
        import qrcodegen

        def cg(mask: int) -> object:
            return qrcodegen.QrCode.encode_segments(qrcodegen.QrSegment.make_segments(uri), qrcodegen.QrCode.Ecc.QUARTILE,
                                                    mask=mask, boostecl=False)

        candidates += [("qrcodegen (pure Python), fixed mask", lambda: cg(MASK), 20)]
    except ImportError:
        candidates += [("qrcodegen (not installed)", None, 0)]
    try:
        import qrcode

        def qr_lib(mask: int | None) -> object:
            q = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=0, mask_pattern=mask)
            q.add_data(uri)
            q.make(fit=True)
            return q.get_matrix()

        candidates += [("qrcode (pure Python, main before issue 14), 8-mask search", lambda: qr_lib(None), 10),
                       ("qrcode (pure Python), fixed mask", lambda: qr_lib(MASK), 30)]
    except ImportError:
        candidates += [("qrcode (not installed)", None, 0)]
    from reportlab.graphics.barcode.qr import QrCodeWidget

    candidates += [("reportlab's QrCodeWidget (pure Python, vector)", lambda: QrCodeWidget(uri, barLevel="Q").draw(), 10)]
    results: list[tuple[str, float | None]] = []
    for name, fn, n in candidates:
        if fn is None:
            results.append((name, None))
            continue
        fn()
        results.append((name, _timed(lambda fn=fn, n=n: [fn() for _ in range(n)]) / n * 1e6))  # type: ignore[misc]
    return results


def signature_forms(count: int = 200) -> list[tuple[str, str, float, float]]:
    """Mean QR version over sample labels for each signature form, with our encoder (modes switched) and
    with every character in byte mode (what a printer's encoder may do: measured as lowercase letters of the
    same length, which only byte mode holds), at EC M and Q."""
    import zxingcpp

    def version(text: str, ec: str) -> int:
        image = zxingcpp.create_barcode(text, zxingcpp.QRCode, ec_level=ec, dataMask=MASK).to_image(add_quiet_zones=False)
        return (int(len(memoryview(image).tobytes()) ** 0.5) - 17) // 4

    rows = []
    for form in SignatureForm:
        uris = _sample_uris(count, form)
        for ec in ("M", "Q"):
            rows.append((f"{form.value} ({len(uris[0].split('sig=')[1])} characters)", ec,
                         statistics.mean(version(u, ec) for u in uris), statistics.mean(version("a" * len(u), ec) for u in uris)))
    return rows


def _png(uri: str, ec: str, mask: int | None, px: int) -> object:
    import zxingcpp
    from PIL import Image

    extra = {} if mask is None else {"dataMask": mask}
    view = memoryview(zxingcpp.create_barcode(uri, zxingcpp.QRCode, ec_level=ec, **extra).to_image(scale=px)).tobytes()
    side = int(len(view) ** 0.5)
    return Image.frombytes("L", (side, side), view)


def error_correction(count: int = 150) -> list[tuple[str, dict[str, float]]]:
    """Share of labels still read after damage, at EC M and Q: a scuff (a disc of paper colour or ink across
    a share of the symbol's width) and dead print-head elements (white lines one dot wide, along the feed)."""
    import zxingcpp
    from PIL import ImageDraw

    uris = _sample_uris(count, SignatureForm.DECIMAL)
    rng = random.Random(3)
    rows = []
    for name, damage in [("scuff 30% of the width", ("scuff", 30)), ("scuff 40% of the width", ("scuff", 40)),
                         ("4 dead print-head dots", ("dead", 4)), ("8 dead print-head dots", ("dead", 8))]:
        rates = {}
        for ec in ("M", "Q"):
            read = 0
            for uri in uris:
                image = _png(uri, ec, MASK, 3)
                draw = ImageDraw.Draw(image)  # type: ignore[arg-type]
                width = image.width  # type: ignore[attr-defined]
                quiet = 12
                if damage[0] == "scuff":
                    r = damage[1] * (width - 2 * quiet) / 200
                    cx, cy = rng.uniform(quiet + r, width - quiet - r), rng.uniform(quiet + r, width - quiet - r)
                    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=rng.choice([0, 255]))
                else:
                    for _ in range(damage[1]):
                        x = rng.randrange(quiet, width - quiet)
                        draw.line([(x, 0), (x, width)], fill=255, width=1)
                found = zxingcpp.read_barcodes(image, formats=zxingcpp.QRCode)
                read += bool(found) and found[0].text == uri
            rates[ec] = read / count
        rows.append((name, rates))
    return rows


def masks(count: int = 150) -> list[tuple[str, float]]:
    """Share of labels read when blurred and downscaled to ~1.6 pixels per module (a poor photo), for the
    8-mask search and each fixed mask."""
    import zxingcpp
    from PIL import Image, ImageFilter

    uris = _sample_uris(count, SignatureForm.DECIMAL, seed=5)
    rows = []
    for mask in (None, *range(8)):
        read = 0
        for uri in uris:
            image = _png(uri, EC_LEVEL, mask, 4)
            side = int(image.width / 2.5)  # type: ignore[attr-defined]
            small = image.filter(ImageFilter.GaussianBlur(1.0)).resize((side, side), Image.Resampling.BILINEAR)  # type: ignore[attr-defined]
            found = zxingcpp.read_barcodes(small, formats=zxingcpp.QRCode)
            read += bool(found) and found[0].text == uri
        rows.append(("8-mask search" if mask is None else f"fixed mask {mask}" + (" (chosen)" if mask == MASK else ""),
                     read / count))
    return rows


# --- report -------------------------------------------------------------------------------------------

def _rate(r: dict[str, float]) -> str:
    return f"{r['labels'] / r['seconds']:,.0f}/s ({r['labels'] / r['cpu']:,.0f} per CPU-second)"


def report(args: argparse.Namespace) -> str:
    cores = available_cores()
    runs = {
        "pdf1": measure("pdf", args.pdf, 1),
        "pdf_small": measure("pdf", args.pdf // 10, 1),
        "reportlab": measure("reportlab", args.pdf // 10, 1),
        "zpl1": measure("zpl", args.zpl, 1),
        "zplN": measure("zpl", args.zpl, cores),
        "pdfN": measure("pdf", args.pdf, cores),
    }
    print(json.dumps(runs, indent=1), file=sys.stderr)
    parts = breakdown()
    uri = _sample_uris(1, SignatureForm.DECIMAL)[0]
    lines = [
        SECTION, "", f"Machine: {machine()}.", "",
        (f"Command: `.venv/bin/python scripts/bench_labels.py --pdf {args.pdf} --zpl {args.zpl} --write` "
        "(each output run in a fresh process; encoder candidates from `pip install segno qrcodegen zint-bindings qrcode`)."),
        "", (f"Labels: GTIN {GTIN}, numeric serials from 1, lot and expiry, on `{BASE}`, brand name printed; "
        f"PDF on `{SHEET}` (24 a page), ZPL for a `{THERMAL}` label at 203 dpi."), "",
        "| run | labels | jobs | labels/s (wall; per CPU-second) | target | first output | peak RSS | file |",
        "|---|---:|---:|---|---|---:|---:|---:|",
    ]
    for key, target in (("reportlab", ""), ("pdf_small", ""), ("pdf1", "≥ 1,000/s on one core"), ("pdfN", ""),
                        ("zpl1", ""), ("zplN", "≥ 50,000/s")):
        r = runs[key]
        kind = {"reportlab": "PDF, same pages through reportlab", "zpl1": "ZPL", "zplN": "ZPL"}.get(key, "PDF")
        lines.append(f"| {kind} | {r['labels']:,.0f} | {r['jobs']:.0f} | {_rate(r)} | {target} | {r['first'] * 1000:,.0f} ms | "
                     f"{r['peak_mib']:,.0f} MiB | {r['bytes'] / 2**20:,.1f} MiB |")
    pdf1, zpl1, zplN, small, rl = runs["pdf1"], runs["zpl1"], runs["zplN"], runs["pdf_small"], runs["reportlab"]
    sig, total = parts["zpl"]["signature (libsecp256k1 + keccak)"], sum(parts["zpl"].values())
    zpl_per_core = zpl1["labels"] / zpl1["cpu"]
    lines += ["", (
        f"**PDF, target ≥ 1,000 labels/s on one core: {'met' if pdf1['labels'] / pdf1['seconds'] >= 1000 else 'MISSED'}**: "
        f"{pdf1['labels'] / pdf1['seconds']:,.0f}/s of wall time with one job on this shared machine, "
        f"{pdf1['labels'] / pdf1['cpu']:,.0f} per CPU-second. Memory stays flat ({small['peak_mib']:,.0f} MiB for "
        f"{small['labels']:,.0f} labels, {pdf1['peak_mib']:,.0f} MiB for {pdf1['labels']:,.0f}) and the first page is a "
        f"readable PDF after {pdf1['first'] * 1000:,.0f} ms; the same pages through reportlab appear only when it saves "
        f"({rl['first']:,.1f} s for {rl['labels']:,.0f} labels) and its memory grows with the run "
        f"({rl['peak_mib']:,.0f} MiB at {rl['labels']:,.0f}). Most of a PDF label is the QR symbol (zxing-cpp); "
        "zint-bindings, calling libzint directly, makes the same symbol in about a third of the time (table below): "
        "the next step if PDF must go faster."), "", (
        f"**ZPL, target ≥ 50,000 labels/s: {'met' if zplN['labels'] / zplN['seconds'] >= 50000 else 'MISSED'}**: "
        f"{zplN['labels'] / zplN['seconds']:,.0f}/s with {zplN['jobs']:.0f} workers and {zpl1['labels'] / zpl1['seconds']:,.0f}/s "
        f"with one on this shared machine (1-minute load averages {zpl1['load']:.1f} and {zplN['load']:.1f} on {cores} cores "
        "at the end of the runs: wall rates here depend on what else ran); "
        f"{zpl_per_core:,.0f} labels per CPU-second, so 50,000/s is {50000 / zpl_per_core:.1f} cores' work, and "
        f"{50000 / (zplN['labels'] / zplN['seconds']):.1f}x more than measured here. The signature is {sig:.0f} of a label's "
        f"{total:.0f} µs ({sig / total:.0%}): one libsecp256k1 ECDSA signature, which bounds a core at ~{1e6 / sig:,.0f}/s "
        "whatever else is done. Chunks are independent and come back in order, so the rate grows with worker processes "
        "(`--jobs`) where there are idle cores. Next steps: enough idle cores; or sign each item once at registration "
        "(the signature is deterministic) and keep it with the item, which turns printing into a lookup.")]
    lines += ["", ("\"First output\" is when the first page is in the file as a whole PDF (a checkpoint: see DESIGN.md) or the "
              "first ZPL chunk is written. Peak RSS includes the worker processes (the larger of the process's and its "
              "children's ru_maxrss). Before issue 14: 10,000 labels in 152 s (~66/s), 185 MiB, the file empty until the end, "
              "14.9 MiB."), "", "Where a label's time goes (CPU µs per label, each stage timed alone over 2,400 labels, best of 3):",
              "", "| stage | PDF | ZPL |", "|---|---:|---:|"]
    for stage in dict.fromkeys([*parts["pdf"], *parts["zpl"]]):
        pdf, zpl = parts["pdf"].get(stage), parts["zpl"].get(stage)
        lines.append(f"| {stage} | {'' if pdf is None else f'{pdf:.1f}'} | {'' if zpl is None else f'{zpl:.1f}'} |")
    lines.append(f"| total | {sum(parts['pdf'].values()):.1f} | {sum(parts['zpl'].values()):.1f} |")
    lines += ["", f"QR encoders: CPU µs for one symbol of a label's link at EC Q ({len(uri)} characters):", "",
              "| encoder | µs per QR |", "|---|---:|"]
    lines += [f"| {name} | {'not measured' if us is None else f'{us:,.0f}'} |" for name, us in encoder_candidates(uri)]
    lines += ["", ("Signature form: mean QR version over 200 sample labels (lot L0–L999, serials to 10⁷, expiry), with "
              "the modes switched (our encoder) and all in byte mode (what a printer's encoder may do):"), "",
              "| `sig=` form | EC | version, modes switched | version, byte mode |", "|---|---|---:|---:|"]
    lines += [f"| {form} | {ec} | {mixed:.2f} | {byte:.2f} |" for form, ec, mixed, byte in signature_forms()]
    lines += ["", "Error correction: share of 150 labels (3 pixels per module) still read after damage:", "",
              "| damage | EC M | EC Q |", "|---|---:|---:|"]
    lines += [f"| {name} | {rates['M']:.0%} | {rates['Q']:.0%} |" for name, rates in error_correction()]
    lines += ["", ("Mask: share of 150 labels read after a blur and a downscale to 1.6 pixels per module (the edge of "
              "what zxing-cpp reads):"), "", "| mask | read |", "|---|---:|"]
    lines += [f"| {name} | {rate:.0%} |" for name, rate in masks()]
    return "\n".join(lines) + "\n"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pdf", type=int, default=100_000, help="labels in the PDF runs")
    p.add_argument("--zpl", type=int, default=300_000, help="labels in the ZPL runs")
    p.add_argument("--write", action="store_true", help="replace this script's section of BENCHMARKS.md")
    p.add_argument("--one", choices=["pdf", "reportlab", "zpl"], help=argparse.SUPPRESS)
    p.add_argument("--count", type=int, help=argparse.SUPPRESS)
    p.add_argument("--jobs", type=int, default=1, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.count, args.jobs)))
        return
    section = report(args)
    print(section)
    if args.write:
        replace_section(SECTION, section)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
