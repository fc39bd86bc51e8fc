"""`ledger` starts light (issue 14): `--help` and `check` load none of the heavy libraries, and the light verb
table stays true to the commands it stands for. Structural, not timed: scripts/bench_startup.py measures."""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from eth_utils.address import to_checksum_address
from hypothesis import given
from hypothesis import strategies as st

from ledger.cli.main import VERBS, cli
from ledger.codes.identifiers import ItemKey
from ledger.codes.signature import Brand, BrandDirectory, CodeSigner, checksum_address

# What `ledger --help` must not import: the chain (web3, eth_account, py-evm), the index (SQLAlchemy), the
# EPCIS validator (jsonschema), the web app (Flask), images and labels (Pillow, ReportLab), analysis (SciPy).
HEAVY = ("web3", "eth_account", "eth_utils", "eth", "eth_tester", "py_ecc", "sqlalchemy", "sqlmodel", "alembic",
         "jsonschema", "flask", "PIL", "reportlab", "qrcode", "scipy", "numpy", "h3", "psycopg", "argon2")

_PROBE = """
import json, sys
from ledger.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
else:
    code = 0
heavy = sorted({name.split(".")[0] for name in sys.modules} & set(json.loads(sys.stdin.readline())))
print(json.dumps({"exit": code, "heavy": heavy}), file=sys.stderr)
"""


def _loaded(args: list[str], heavy: tuple[str, ...], cwd: Path | None = None) -> dict[str, object]:
    """Run `ledger ARGS` in a fresh interpreter; its exit code and which of ``heavy`` it had imported by the end."""
    done = subprocess.run([sys.executable, "-c", _PROBE, *args], input=json.dumps(list(heavy)) + "\n",
                          capture_output=True, text=True, timeout=120, cwd=cwd)
    result: dict[str, object] = json.loads(done.stderr.strip().splitlines()[-1])
    return result


def test_help_imports_no_heavy_module() -> None:
    assert _loaded(["--help"], HEAVY) == {"exit": 0, "heavy": []}


def test_building_the_group_imports_no_heavy_module() -> None:
    probe = ("import sys, click; from ledger.cli.main import cli; help = cli.get_help(click.Context(cli, info_name='ledger')); "
             f"print(sorted({{n.split('.')[0] for n in sys.modules}} & {set(HEAVY)!r}))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]"


def test_check_imports_no_chain_index_or_image_library(tmp_path: Path) -> None:
    brand = CodeSigner(b"\x01" * 32)
    (tmp_path / "brands.json").write_text(BrandDirectory((Brand("acme", brand.address, ("9521234",)),)).to_json())
    key = ItemKey("09521234543213", "7")
    code = f"https://id.example.com{key.canonical}?sig={brand.sign(key)}"
    assert _loaded(["check", code, "--brands", str(tmp_path / "brands.json")], HEAVY) == {"exit": 0, "heavy": []}


def test_a_verbs_own_help_loads_its_module() -> None:
    # The other side of laziness: asking for a verb's help imports what it needs, so the help is complete.
    assert "sqlalchemy" in _loaded(["trace", "--help"], ("sqlalchemy",))["heavy"]  # type: ignore[operator]


@pytest.mark.parametrize("name", sorted(VERBS))
def test_the_table_says_what_the_command_says(name: str) -> None:
    """Each verb's help in VERBS is the first paragraph of the command's own, so `ledger --help` lists it as
    click would from the command itself."""
    command = cli.get_command(click.Context(cli), name)
    assert command is not None and command.name == name
    first = inspect.cleandoc(command.help or "").split("\n\n")[0]
    assert VERBS[name].help == " ".join(first.split())
    assert command.short_help is None  # a short_help of its own would be listed instead of the table's


def test_every_command_is_in_the_table() -> None:
    """Every top-level command the CLI modules define is a verb of the table (none is left out of `ledger`)."""
    modules = [importlib.import_module(f"ledger.cli.{module}") for module in {verb.module for verb in VERBS.values()}]
    defined = {(m.__name__, name) for m in modules for name, value in vars(m).items() if isinstance(value, click.Command)}
    nested = {(m.__name__, name) for m in modules for name, value in vars(m).items()
              if any(value is sub for group in vars(m).values() if isinstance(group, click.Group)
                     for sub in group.commands.values())}
    assert defined - nested == {(f"ledger.cli.{verb.module}", verb.attribute) for verb in VERBS.values()}


_ADDRESSES = st.one_of(
    st.binary(min_size=20, max_size=20),
    st.binary(min_size=20, max_size=20).map(lambda b: b.hex()),
    st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex().upper()),
    st.text(alphabet="0123456789abcdefABCDEFxX", max_size=44),
)


@given(_ADDRESSES)
def test_checksum_address_is_eth_utils(value: str | bytes) -> None:
    try:
        expected: str | None = to_checksum_address(value)
    except (ValueError, TypeError):
        expected = None
    try:
        got: str | None = checksum_address(value)
    except ValueError:
        got = None
    assert got == expected
