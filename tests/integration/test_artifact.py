"""The committed contract artifact (package data of `ledger`) is what the sources compile to."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "ledger" / "chain" / "contracts" / "ProvenanceLedger.json"
REBUILD = "the committed ledger/chain/contracts/ProvenanceLedger.json is stale: run scripts/build-contracts.sh and commit it"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    """Compile into a private temporary artifacts directory and export like the build script does."""
    out = tmp_path_factory.mktemp("artifact") / "ProvenanceLedger.json"
    done = subprocess.run(
        [str(ROOT / "scripts" / "build-contracts.sh"), str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, f"scripts/build-contracts.sh failed:\n{done.stdout}\n{done.stderr}"
    text = out.read_text()
    return json.loads(text), text


@pytest.fixture(scope="module")
def committed() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(COMMITTED.read_text())
    return data


@pytest.mark.parametrize("key", ["abi", "bytecode", "deployedBytecode"])
def test_committed_artifact_is_up_to_date(fresh: tuple[dict[str, Any], str], committed: dict[str, Any],
                                          key: str) -> None:
    assert fresh[0][key] == committed[key], f"{key} differs: {REBUILD}"


def test_committed_artifact_is_byte_identical(fresh: tuple[dict[str, Any], str]) -> None:
    assert fresh[1] == COMMITTED.read_text(), REBUILD


def test_artifact_shape(committed: dict[str, Any]) -> None:
    assert set(committed) == {"contractName", "abi", "bytecode", "deployedBytecode", "compiler"}
    assert committed["contractName"] == "ProvenanceLedger"
    assert committed["bytecode"].startswith("0x6080") and committed["deployedBytecode"].startswith("0x6080")
    assert committed["compiler"]["version"].startswith("0.8.28+commit.")
    assert committed["compiler"]["settings"] == {"evmVersion": "shanghai", "optimizer": {"enabled": True, "runs": 200}}
    # Deterministic serialisation: sorted keys, 2-space indent, trailing newline.
    assert COMMITTED.read_text() == json.dumps(committed, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_licence_notice_ships_with_the_artifact() -> None:
    notice = (COMMITTED.parent / "ProvenanceLedger.LICENSE").read_text()
    assert "@openzeppelin/contracts/access/AccessControl.sol: MIT" in notice
    assert "contracts/ProvenanceLedger.sol: MIT" in notice
    assert "Permission is hereby granted, free of charge" in notice


@pytest.mark.parametrize(("vendored", "installed"), [
    ("zxing-library.min.js", "umd/index.min.js"),
    ("zxing-library.LICENSE", "LICENSE"),
])
def test_vendored_camera_decoder_is_the_npm_package(vendored: str, installed: str) -> None:
    """web/static/vendor/ holds @zxing/library as package.json pins it (npm ci installs it in CI)."""
    package = ROOT / "node_modules" / "@zxing" / "library"
    pinned = json.loads((ROOT / "package.json").read_text())["dependencies"]["@zxing/library"]
    assert json.loads((package / "package.json").read_text())["version"] == pinned, "run npm ci"
    assert (ROOT / "web" / "static" / "vendor" / vendored).read_bytes() == (package / installed).read_bytes(), (
        f"web/static/vendor/{vendored} is not node_modules/@zxing/library/{installed}: copy it over and commit")
