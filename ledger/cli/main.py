"""`ledger`: the command line. Human output by default, `--json` for machines.

Exit codes: 0 success, 1 a domain error (one line on stderr), 2 a usage error, 3 an internal error,
4 an action sent to the chain whose outcome is not known yet (pending: `ledger sync` finishes it).
Under `--json` an error is one JSON object on stderr instead of the line, with the same exit code.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import click

from ..errors import ActionPending, InvalidInput, LedgerError
from ..settings import Settings
from ._context import CliContext

__all__ = ["VERBS", "Verb", "cli", "main"]


@dataclass(frozen=True)
class Verb:
    """A verb of ``ledger``: where its click command lives, and the first paragraph of its help (for ``ledger --help``)."""

    module: str
    attribute: str
    help: str


# The light table the group is built from: a verb's module (and what it imports: web3, SQLAlchemy, jsonschema,
# Pillow, ReportLab, Flask, SciPy…) is imported only when that verb runs or its own --help is asked for.
# tests/unit/test_cli_startup.py checks that each help here is the first paragraph of the command's own.
VERBS: dict[str, Verb] = {
    "alerts": Verb("_alerts", "alerts", "Alerts to the people who must act: webhooks or e-mail on clones, counterfeits, "
                   "stolen goods and recalls."),
    "audit": Verb("_audit", "audit_command", "Re-check every record of the index against the chain; exit 1 if anything "
                  "differs."),
    "brands": Verb("_codes", "brands", "The brand directory: brands' addresses and GS1 prefixes, for offline signature "
                   "checks."),
    "check": Verb("_check", "check", "Check a code's brand signature offline: no chain, no index, only the brand directory."),
    "contents": Verb("_audit", "contents_command", "What a case or pallet holds, now or at a past moment, as a tree."),
    "db": Verb("_db", "db", "The index's schema: which migration revision it is at, and upgrading it."),
    "epcis": Verb("_audit", "epcis_group", "Exchange trails with partners as EPCIS 2.0 JSON-LD documents."),
    "init": Verb("_custody", "init", "Create the ledger home and admin key, deploy the contract, create the index."),
    "inspect": Verb("_custody", "inspect", "Record an officer's inspection (anchored on chain); the next scan of the items "
                    "shows it."),
    "intel": Verb("_intel", "intel", "Intelligence over the ledger's records: hotspots, lanes, clone rings, trends; "
                  "retention of raw scans."),
    "labels": Verb("_codes", "labels", "Signed GS1 Digital Link QR labels: a print-ready PDF sheet, ZPL for thermal "
                   "printers, one PNG/SVG per item, or the links themselves."),
    "pack": Verb("_audit", "pack_command", "Pack items (CODES) and/or cases (--container) into a case or pallet: one "
                 "signed, anchored packing event per item."),
    "party": Verb("_custody", "party", "Onboard and list parties (brands, custodians, officers, auditors)."),
    "product": Verb("_products", "product", "Product identity and identification guides: what a brand's product is and how "
                    "to tell it from a fake."),
    "receive": Verb("_custody", "receive", "Accept a shipment sent to you; custody of its items moves to you."),
    "register": Verb("_custody", "register", "Register a batch of serialised items: one Merkle root, one anchor "
                     "transaction."),
    "rfid": Verb("_codes", "rfid", "RFID tags: EPC SGTIN-96/198 hex to write to a tag, and back."),
    "risk": Verb("_intel", "risk", "What to inspect first: open shipments (or items scanned at a post) by risk score, "
                 "with the reasons."),
    "serve": Verb("_serve", "serve", "Run the verifier web app with gunicorn: one worker on the embedded chain, one per "
                  "CPU on a JSON-RPC chain."),
    "ship": Verb("_custody", "ship", "Ship items you hold to another party (signed by you; custody moves when they "
                 "accept)."),
    "status": Verb("_custody", "status", "Recall, report stolen, sell to a consumer, destroy or decommission items."),
    "sync": Verb("_custody", "sync_command", "Read the contract's logs since the last sync and bring the index up to "
                 "date."),
    "token": Verb("_serve", "token", "API tokens for scanners and machine clients."),
    "trace": Verb("_audit", "trace_command", "Every event from registration on — who, when, where, what, the signature "
                  "and the anchor that proves it."),
    "unpack": Verb("_audit", "unpack_command", "Take items (CODES) and/or cases out of a case or pallet; with neither, "
                   "empty it."),
    "user": Verb("_serve", "user", "Web users: people who sign in to the verifier, each acting for a ledger party."),
    "verify": Verb("_verify", "verify", "Judge CODE as the verifier does: genuine, suspect or counterfeit, with the "
                   "reasons and what to do."),
}


class _LazyGroup(click.Group):
    """A group whose verbs come from :data:`VERBS`: a verb's module is imported only when click resolves that verb
    (to run it, or to show its own help); ``ledger --help`` lists the verbs from the table alone."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(VERBS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        verb = VERBS.get(cmd_name)
        if verb is None:
            return None
        command = getattr(importlib.import_module(f"{__package__}.{verb.module}"), verb.attribute)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # As click's own, with a stand-in command carrying the table's help, so the listing is the same text.
        limit = formatter.width - 6 - max(len(name) for name in VERBS)
        rows = [(name, click.Command(name, help=VERBS[name].help).get_short_help_str(limit)) for name in sorted(VERBS)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--home", type=click.Path(path_type=Path), help="Ledger home (default: $LEDGER_HOME or ./.ledger).")
@click.option("--chain", help="`embedded` or a JSON-RPC URL (default: $LEDGER_CHAIN or embedded).")
@click.option("--database-url", help="SQLAlchemy URL of the index (default: SQLite in the home).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.pass_context
def cli(ctx: click.Context, home: Path | None, chain: str | None, database_url: str | None, as_json: bool) -> None:
    """Supply-chain provenance ledger: register goods, hand them over, verify and trace them."""
    try:
        settings = Settings.from_env(home=home, chain=chain, database_url=database_url)
    except InvalidInput as exc:  # a malformed option or setting is a usage error (exit 2), named as the user gave it
        option = {"LEDGER_CHAIN": ("--chain", chain), "LEDGER_DATABASE_URL": ("--database-url", database_url)}.get(exc.field)
        if option and option[1] is not None:
            raise click.BadParameter(f"{exc.value!r} {exc.problem}; expected {exc.expected}", param_hint=f"'{option[0]}'") from None
        raise click.UsageError(exc.message) from None
    ctx.obj = CliContext(settings, as_json)
    ctx.call_on_close(ctx.obj.close)


_GROUP_VALUE_OPTIONS = ("--home", "--chain", "--database-url")


def _wants_json(args: Sequence[str]) -> bool:
    """Whether ``--json`` is among the group's options (before the verb), parsed without click so that
    errors click raises while parsing can be reported as JSON too."""
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg == "--json":
            return True
        elif arg in _GROUP_VALUE_OPTIONS:
            skip = True
        elif not arg.startswith("-"):
            return False
    return False


def _fail(as_json: bool, exit_code: int, error: str, message: str, line: str, details: dict[str, object] | None = None) -> NoReturn:
    """Report an error on stderr — ``line``, or under ``--json`` one JSON object — and exit."""
    if as_json:
        line = json.dumps({"error": error, "message": message, "exit_code": exit_code, "details": details or {}}, default=str)
    click.echo(line, err=True)
    sys.exit(exit_code)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: domain errors become one line (or, under ``--json``, one JSON object) and exit code 1."""
    args = list(sys.argv[1:] if argv is None else argv)
    as_json = _wants_json(args)
    try:
        cli.main(args=args, prog_name="ledger", standalone_mode=False)
    except click.exceptions.Abort:
        _fail(as_json, 1, "Aborted", "aborted", "aborted")
    except click.ClickException as exc:
        if not as_json:
            exc.show()
            sys.exit(exc.exit_code)
        _fail(True, exc.exit_code, type(exc).__name__, exc.format_message(), "")
    except ActionPending as exc:  # not a failure: said as it is, without "error:"
        _fail(as_json, exc.exit_code, type(exc).__name__, exc.message, exc.message,
              {k: v for k, v in vars(exc).items() if k != "message"})
    except LedgerError as exc:
        # The error's own data (its attributes) rides along, so a script can act on it without parsing the message.
        _fail(as_json, exc.exit_code, type(exc).__name__, exc.message, f"error: {exc.message}",
              {k: v for k, v in vars(exc).items() if k != "message"})
    except Exception as exc:  # noqa: BLE001 - the edge: a bug must not reach the user as a stack trace
        from ..index.engine import unavailable  # here: importing it loads SQLAlchemy, which `ledger --help` does without

        found = unavailable(exc)
        if found is not None:
            _fail(as_json, found.exit_code, type(found).__name__, found.message, f"error: {found.message}")
        message = f"internal error ({type(exc).__name__}): {exc}; please report it with the command you ran"
        _fail(as_json, 3, "InternalError", message, message)


if __name__ == "__main__":
    main()
