"""CLI verbs for codes, end to end: labels decode back, RFID round trips, offline signature checks."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from click.testing import CliRunner

from ledger.cli.main import cli
from ledger.custody.ledger import Ledger
from ledger.errors import ChainLocked
from ledger.settings import Settings

GTIN = "09521234543213"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("codes") / "home"
    env = {"LEDGER_HOME": str(home), "LEDGER_PASSPHRASE": "p", "LEDGER_KDF_ITERATIONS": "16", "LEDGER_CHAIN": "embedded",
           "LEDGER_DATABASE_URL": "", "LEDGER_RESOLVER_URL": "https://verify.example.com"}
    for args in (["init"], ["party", "add", "acme", "--role", "brand", "--prefix", "9521234"],
                 ["party", "add", "bolt", "--role", "brand", "--prefix", "0614141"],
                 ["register", "--as", "acme", "--gtin", GTIN, "--count", "30", "--lot", "L9"]):
        run(env, *args)
    return env


def run(env: dict[str, str], *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=code != 0)
    assert result.exit_code == code, result.output
    return result.output + (str(result.exception) if code and result.exception else "")


def batch_of(env: dict[str, str]) -> str:
    return str(json.loads(run(env, "--json", "verify", f"(01){GTIN}(21)1"))["custody"]["batch"])


def test_pdf_sheet_decodes_back_to_signed_codes(env: dict[str, str], tmp_path: Path) -> None:
    pdf = tmp_path / "labels.pdf"
    run(env, "labels", "--as", "acme", "--batch", batch_of(env), "--out", str(pdf), "--layout", "a4:3x8:10")
    document = pypdfium2.PdfDocument(str(pdf))
    assert len(document) == 2  # 30 labels, 24 per page
    image = document[0].render(scale=3).to_pil()
    texts = sorted(r.text for r in zxingcpp.read_barcodes(image))
    assert len(texts) == 24 and all(t.startswith("https://verify.example.com/01/09521234543213/10/L9/21/") for t in texts)
    brands = tmp_path / "brands.json"
    run(env, "brands", "export", "--out", str(brands))
    assert "VALID: signed by acme" in run(env, "check", "--brands", str(brands), texts[0])


def test_labels_run_while_the_chain_is_held_and_come_in_serial_order(env: dict[str, str], tmp_path: Path) -> None:
    batch = batch_of(env)
    run(env, "product", "set", "--as", "acme", "--gtin", GTIN, "--name", "Acme Aspirin 500")
    held = Ledger.open(Settings.from_env(env))  # as `ledger serve` holds the embedded chain
    try:
        assert isinstance(CliRunner().invoke(cli, ["verify", f"(01){GTIN}(21)1"], env=env).exception, ChainLocked)
        pdf, zpl = tmp_path / "held.pdf", tmp_path / "held.zpl"
        made = json.loads(run(env, "--json", "labels", "--as", "acme", "--batch", batch, "--out", str(pdf)))
        run(env, "labels", "--as", "acme", "--batch", batch, "--format", "zpl", "--out", str(zpl))
    finally:
        held.close()
    assert made["labels"] == 30 and "QR module 4 dots at 203 dpi (0.50 mm)" in made["layout"]
    assert not (tmp_path / "held.pdf.part").exists()
    pages = pypdfium2.PdfDocument(str(pdf))
    printed = [int(n) for page in pages for n in re.findall(r"Serial (\d+)", page.get_textpage().get_text_range())]
    assert printed == list(range(1, 31))  # not 1, 10, 11, …
    assert [int(n) for n in re.findall(r"\^FDSerial (\d+)\^FS", zpl.read_text())] == list(range(1, 31))
    assert "Scan to verify" in pages[0].get_textpage().get_text_range()
    assert "Acme Aspirin 500" in pages[0].get_textpage().get_text_range() and "^FDAcme Aspirin 500^FS" in zpl.read_text()


def test_uri_format_prints_decimal_signed_links_that_check_offline(env: dict[str, str], tmp_path: Path) -> None:
    link = run(env, "labels", "--as", "acme", "--format", "uri", f"/01/{GTIN}/21/3").strip()
    assert re.fullmatch(rf"https://verify\.example\.com/01/{GTIN}/21/3\?sig=[0-9]{{155}}", link)
    out = tmp_path / "links.txt"
    assert json.loads(run(env, "--json", "labels", "--as", "acme", "--format", "uri", "--out", str(out),
                          f"/01/{GTIN}/21/3", f"/01/{GTIN}/21/4"))["labels"] == 2
    assert out.read_text().splitlines()[0] == link
    run(env, "brands", "export", "--out", str(tmp_path / "brands.json"))
    assert run(env, "check", "--brands", str(tmp_path / "brands.json"), link).startswith("VALID")


def test_png_labels_verify_from_a_photo(env: dict[str, str], tmp_path: Path) -> None:
    run(env, "labels", "--as", "acme", "--out", str(tmp_path), "--format", "png", f"/01/{GTIN}/21/7")
    photo = tmp_path / f"{GTIN}_7.png"
    result = json.loads(run(env, "--json", "verify", "--image", str(photo)))
    assert result[0]["verdict"] == "genuine" and result[0]["item"]["lot"] == "L9"
    assert not {r["code"] for r in result[0]["reasons"]} & {"MISSING_SIGNATURE", "BAD_SIGNATURE"}


def test_forged_and_copied_signatures_fail_offline(env: dict[str, str], tmp_path: Path) -> None:
    brands = tmp_path / "brands.json"
    run(env, "brands", "export", "--out", str(brands))
    run(env, "labels", "--as", "acme", "--out", str(tmp_path), "--format", "png", f"/01/{GTIN}/21/8")
    from PIL import Image

    uri = zxingcpp.read_barcodes(Image.open(tmp_path / f"{GTIN}_8.png"))[0].text
    signature = uri.split("sig=")[1].split("&")[0]
    assert "VALID: signed by acme" in run(env, "check", "--brands", str(brands), uri)
    copied = run(env, "check", "--brands", str(brands), f"/01/{GTIN}/21/9?sig={signature}", code=1)
    assert "BAD_SIGNATURE" in copied
    assert "is not bolt's" in run(env, "labels", "--as", "bolt", "--out", str(tmp_path), "--format", "svg", f"/01/{GTIN}/21/8",
                                  code=1)


def test_rfid_round_trip_and_export(env: dict[str, str], tmp_path: Path) -> None:
    tag = json.loads(run(env, "--json", "rfid", "encode", f"/01/{GTIN}/21/12"))
    assert tag["tag_uri"] == "urn:epc:tag:sgtin-96:1.9521234.054321.12"
    decoded = json.loads(run(env, "--json", "rfid", "decode", tag["hex"]))
    assert decoded["key"] == f"/01/{GTIN}/21/12"
    assert json.loads(run(env, "--json", "verify", tag["hex"]))["item"]["registered"]
    out = tmp_path / "epcs.csv"
    run(env, "rfid", "export", "--batch", batch_of(env), "--out", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 30 and {r["hex"][:2] for r in rows} == {"30"}


@pytest.mark.parametrize(("args", "message"), [
    (["rfid", "encode", "/01/04006381333931/21/1"], "under no company prefix bound on this ledger"),
    (["rfid", "decode", "3074257BF7194E40000001"], "EPC"),
    (["labels", "--as", "acme", "--out", "x.pdf"], "give either --batch ROOT or item codes"),
    (["labels", "--as", "acme", "--format", "zpl", f"/01/{GTIN}/21/1"], "give --out for --format zpl"),
    (["labels", "--as", "acme", "--out", "x.pdf", "--batch", "0x" + "00" * 32], "is not registered"),
    (["labels", "--as", "acme", "--out", "x.pdf", "--layout", "a5:1x1:0", f"/01/{GTIN}/21/1"], "a5"),
    (["labels", "--as", "acme", "--out", "x.pdf", "--layout", "a4:3x8:10", "--dots", "2", f"/01/{GTIN}/21/1"], "outside 3..10"),
    (["labels", "--as", "acme", "--out", "x.zpl", "--format", "zpl", "--layout", "1x1in", f"/01/{GTIN}/21/1"], "too small"),
    (["labels", "--as", "acme", "--out", "x.pdf", "--base-url", "https://v.example/" + "p" * 400, f"/01/{GTIN}/21/1"],
     "larger than the cells"),
    (["labels", "--as", "nobody", "--out", "x.pdf", f"/01/{GTIN}/21/1"], "nobody"),
])
def test_code_command_errors(env: dict[str, str], args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code in (1, 2)
    text = result.output + (str(result.exception.message) if hasattr(result.exception, "message") else "")
    assert message in text
