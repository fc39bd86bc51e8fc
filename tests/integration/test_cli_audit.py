"""The auditor's commands end to end on the embedded chain and SQLite: audit, trace, EPCIS, packing."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli.main import cli
from ledger.epcis.schema import validate_document
from ledger.errors import InvalidEpcis, NotPacked

GTIN = "09521234543213"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("cli-audit") / "home"
    env = {"LEDGER_HOME": str(home), "LEDGER_PASSPHRASE": "cli passphrase", "LEDGER_KDF_ITERATIONS": "16",
           "LEDGER_CHAIN": "embedded", "LEDGER_DATABASE_URL": ""}
    for args in (["init"], ["party", "add", "acme", "--role", "brand", "--prefix", "9521234"],
                 ["party", "add", "truck", "--role", "carrier"],
                 ["register", "--as", "acme", "--gtin", GTIN, "--count", "4", "--lot", "L1"]):
        run(env, *args)
    shipped = json.loads(run(env, "--json", "ship", "--as", "acme", "--to", "truck", f"/01/{GTIN}/21/1", f"/01/{GTIN}/21/2"))
    run(env, "receive", "--as", "truck", shipped["root"], "--location", "Antwerp")
    return env


def invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output


def run(env: dict[str, str], *args: str) -> str:
    code, output = invoke(env, *args)
    assert code == 0, output
    return output


def test_audit_clean_then_tampered(env: dict[str, str]) -> None:
    assert "clean: every record matches the chain" in run(env, "audit")
    report = json.loads(run(env, "--json", "audit", "--item", f"/01/{GTIN}/21/1"))
    assert (report["clean"], report["items"], report["events"]) == (True, 1, 2)
    index = sqlite3.connect(Path(env["LEDGER_HOME"]) / "index.sqlite")
    with index:
        index.execute("UPDATE item SET life_cycle = 'destroyed' WHERE serial = '3'")
    try:
        code, output = invoke(env, "--json", "audit", "--brand", "acme")
        assert code == 1
        [finding] = json.loads(output)["findings"]
        assert (finding["code"], finding["subject"], finding["detail"]) == (
            "STATE_MISMATCH", f"item /01/{GTIN}/21/3", "life_cycle is destroyed")
    finally:
        with index:
            index.execute("UPDATE item SET life_cycle = 'active' WHERE serial = '3'")
        index.close()


def test_audit_usage(env: dict[str, str]) -> None:
    code, output = invoke(env, "audit", "--brand", "acme", "--item", f"/01/{GTIN}/21/1")
    assert code == 2 and "at most one of" in output


def test_trace_scopes_and_csv(env: dict[str, str], tmp_path: Path) -> None:
    steps = json.loads(run(env, "--json", "trace", f"/01/{GTIN}/21/1"))
    assert [s["action"] for s in steps] == ["register", "ship", "receive"]
    assert steps[2]["location"] == "Antwerp" and steps[2]["biz_step"] == "receiving"
    lot = run(env, "trace", "--lot", "L1")
    assert lot.count("register") == 4 and f"/01/{GTIN}/21/4" in lot
    out = tmp_path / "trail.csv"
    run(env, "trace", "--lot", "L1", "--csv", str(out))
    lines = out.read_text().splitlines()
    assert lines[0].startswith("item,lot,seq,action,biz_step,disposition,actor") and len(lines) == 1 + 4 + 4
    assert run(env, "trace", f"/01/{GTIN}/21/2", "--csv", "-").count("\n") == 4
    code, output = invoke(env, "trace", f"/01/{GTIN}/21/1", "--lot", "L1")
    assert code == 2 and "exactly one of" in output


def test_epcis_export(env: dict[str, str], tmp_path: Path) -> None:
    document = json.loads(run(env, "epcis", "export", "--lot", "L1"))
    validate_document(document)
    assert [(e["bizStep"], len(e["epcList"])) for e in document["epcisBody"]["eventList"]] == [
        ("commissioning", 4), ("shipping", 2), ("receiving", 2)]
    out = tmp_path / "trail.jsonld"
    run(env, "epcis", "export", f"/01/{GTIN}/21/1", "--out", str(out))
    assert len(json.loads(out.read_text())["epcisBody"]["eventList"]) == 3


def test_pack_ship_a_pallet_and_read_its_contents(env: dict[str, str]) -> None:
    case, pallet = "095212340000000013", "095212340000000105"
    run(env, "pack", "--as", "acme", "--into", case, f"/01/{GTIN}/21/3")
    run(env, "pack", "--as", "acme", "--into", pallet, "--container", case, f"/01/{GTIN}/21/4")
    tree = run(env, "contents", pallet)
    assert tree.splitlines() == [f"{pallet}  (2 items)", f"  /01/{GTIN}/21/4", f"  {case}  (1 items)", f"    /01/{GTIN}/21/3"]
    shipped = json.loads(run(env, "--json", "ship", "--as", "acme", "--to", "truck", "--container", pallet))
    assert shipped["count"] == 2
    run(env, "receive", "--as", "truck", shipped["root"])
    with pytest.raises(NotPacked, match=f"cannot unpack /01/{GTIN}/21/1: it is not packed in {case}"):
        invoke(env, "unpack", "--as", "truck", case, f"/01/{GTIN}/21/1")
    assert "clean" in run(env, "audit")
    assert json.loads(run(env, "--json", "contents", pallet, "--at", "2000-01-01T00:00:00Z"))["items"] == []


def test_epcis_import_all_or_nothing(env: dict[str, str], tmp_path: Path) -> None:
    exported = json.loads(run(env, "epcis", "export", f"/01/{GTIN}/21/2"))
    # Hand the received item back to acme: a shipment made by truck, described in EPCIS.
    shipping = exported["epcisBody"]["eventList"][1]
    shipping.pop("eventID")
    shipping["sourceList"], shipping["destinationList"] = (
        [{"type": "possessing_party", "source": shipping["destinationList"][0]["destination"]}],
        [{"type": "possessing_party", "destination": shipping["sourceList"][0]["source"]}])
    shipping["ledger:actor"] = shipping["sourceList"][0]["source"]
    document = {**exported, "epcisBody": {"eventList": [shipping]}}
    path = tmp_path / "back.jsonld"
    path.write_text(json.dumps(document))
    done = json.loads(run(env, "--json", "epcis", "import", str(path), "--as", "truck"))
    assert [(d["action"], d["count"]) for d in done] == [("ship", 1)]
    path.write_text("{")
    with pytest.raises(InvalidEpcis, match="is not JSON"):
        invoke(env, "epcis", "import", str(path), "--as", "truck")
