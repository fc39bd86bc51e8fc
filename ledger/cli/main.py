"""`ledger`: the command line. Human output by default, `--json` for machines.

Exit codes: 0 success, 1 a domain error (one line on stderr), 2 a usage error, 3 an internal error,
4 an action sent to the chain whose outcome is not known yet (pending: `ledger sync` finishes it).
Under `--json` an error is one JSON object on stderr instead of the line, with the same exit code.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import NoReturn

import click

from ..chain.roles import Role
from ..codes.identifiers import ItemKey
from ..codes.parsing import parse_code
from ..custody.ledger import Ledger
from ..custody.registration import MAX_CSV_BYTES, ItemSpec, read_items_csv, serial_range
from ..custody.sync import sync
from ..errors import ActionPending, InvalidInput, LedgerError
from ..geo import Location
from ..index.engine import unavailable
from ..proofs.events import Action
from ..proofs.inspections import InspectionOutcome
from ..proofs.join_request import MAX_REQUEST_BYTES
from ..settings import Settings
from ._alerts import alerts
from ._audit import audit_command, contents_command, epcis_group, pack_command, trace_command, unpack_command
from ._codes import brands, check, labels, rfid
from ._context import CliContext, parse_coordinates, pass_ctx, read_input, read_text_input, report_upgrade
from ._db import db
from ._intel import intel, risk
from ._products import product
from ._serve import serve, token, user
from ._verify import verify

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


@cli.command()
@click.option("--attach", metavar="ADDRESS", help="Use a contract already deployed at ADDRESS instead of deploying.")
@click.option("--redeploy", is_flag=True, help="Deploy anew (e.g. after a Hardhat node restart): the index forgets items, "
              "events and anchors; parties whose keys the home holds get their roles and prefixes again.")
@pass_ctx
def init(ctx: CliContext, attach: str | None, redeploy: bool) -> None:
    """Create the ledger home and admin key, deploy the contract, create the index."""
    ledger = Ledger.init(ctx.with_passphrase(confirm=True), attach_to=attach, redeploy=redeploy)
    ctx.adopt(ledger)
    report_upgrade(ledger.schema_upgrade)
    admin = ledger.keystore.unlock("admin").address if "admin" in ledger.keystore.names() else None
    info: dict[str, object] = {"home": str(ctx.settings.home), "contract": ledger.chain.contract.address,
                               "chain_id": ledger.chain.chain_id, "chain": ledger.chain.label,
                               "admin": admin or "none: this home joins a contract another organisation administers "
                                                 "(`ledger party add` writes join requests for it)"}
    if redeploy:
        info["parties"] = ledger.restored
    ctx.emit(info, lambda: click.echo("\n".join(
        [f"{k:9} {v}" for k, v in info.items() if k != "parties"] + [f"party     {line}" for line in ledger.restored])))


@cli.group()
def party() -> None:
    """Onboard and list parties (brands, custodians, officers, auditors)."""


@party.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role if r is not Role.ADMIN]))
@click.option("--prefix", "prefixes", multiple=True, help="GS1 company prefix the brand owns (repeatable).")
@click.option("--url", "service_url", default="", metavar="SERVICE_URL",
              help="Where the party's service answers (published in the directory on chain).")
@pass_ctx
def party_add(ctx: CliContext, name: str, role: str, prefixes: tuple[str, ...], service_url: str) -> None:
    """Create NAME's key (or use the home's key file of NAME), grant its role on chain, bind its GS1 prefixes and
    publish its directory entry. In a home that joined another organisation's contract, write a join request
    signed by the new key instead, for the contract's administrator to grant (`ledger party grant FILE`)."""
    ledger = ctx.ledger
    if ledger.admin_account() is None:
        pending = ledger.request_join(name, Role.parse(role), prefixes, service_url)
        info = {"name": pending.name, "role": pending.role.value, "address": pending.address,
                "prefixes": list(pending.prefixes), "service_url": pending.service_url,
                "existing_key": pending.existing_key, "granted": False, "request": str(pending.request)}
        ctx.emit(info, lambda: click.echo(
            f"created the key of {pending.name} ({pending.role.value}) {pending.address}; this home cannot grant roles "
            f"on contract {ledger.chain.contract.address}, so it wrote the join request {pending.request}\n"
            "send that file to the contract's administrator, who runs `ledger party grant FILE`; then `ledger sync` "
            f"(or the first command as {pending.name}) takes the party up here"))
        return
    kept = name.strip() in ledger.keystore.names()
    p = ledger.add_party(name, Role.parse(role), prefixes, service_url)
    data = {"name": p.name, "role": p.role, "address": p.address, "prefixes": list(prefixes), "existing_key": kept}
    ctx.emit(data, lambda: click.echo(f"added {p.name} ({p.role}) {p.address}" + (f" prefixes {', '.join(prefixes)}" if prefixes else "")
                                      + (" with the key already in this home" if kept else "")))


@party.command("grant")
@click.argument("request_file", metavar="REQUEST_FILE", type=click.Path(dir_okay=False, path_type=Path))
@pass_ctx
def party_grant(ctx: CliContext, request_file: Path) -> None:
    """Check a join request another organisation sent (its signature, role, prefixes, age, chain and contract) and
    grant it on chain: the role, the GS1 prefixes it claims. Only in the home of the contract's administrator."""
    p = ctx.ledger.grant_join(read_input(request_file, "REQUEST_FILE", MAX_REQUEST_BYTES))
    prefixes = next((bound for row, bound in ctx.ledger.parties() if row.address == p.address), [])
    data = {"name": p.name, "role": p.role, "address": p.address, "prefixes": prefixes}
    ctx.emit(data, lambda: click.echo(f"granted {p.name} ({p.role}) {p.address}"
                                      + (f" prefixes {', '.join(prefixes)}" if prefixes else "")))


@party.command("locate", context_settings={"ignore_unknown_options": True})  # so "-33.9,18.4" is LAT,LON
@click.argument("name")
@click.argument("coordinates", metavar="LAT,LON")
@click.option("--label", default="", help="What the place is, e.g. 'Rotterdam warehouse'.")
@pass_ctx
def party_locate(ctx: CliContext, name: str, coordinates: str, label: str) -> None:
    """Record premises of NAME at LAT,LON: goods at rest with NAME are expected near one of them."""
    place = parse_coordinates(coordinates)
    if len(label) > 80:
        raise InvalidInput("--label", label, "is longer than 80 characters", "a short name for the place")
    premises = ctx.ledger.add_premises(name, Location(place.lat, place.lon, label))
    data = {"party": name, "lat": premises.lat, "lon": premises.lon, "label": premises.label}
    ctx.emit(data, lambda: click.echo(f"{name}: premises at {premises.lat:.4f},{premises.lon:.4f} {premises.label}".rstrip()))


@party.command("unlocate", context_settings={"ignore_unknown_options": True})
@click.argument("name")
@click.argument("coordinates", metavar="[LAT,LON]", required=False)
@pass_ctx
def party_unlocate(ctx: CliContext, name: str, coordinates: str | None) -> None:
    """Forget NAME's premises at LAT,LON, or all of NAME's premises if none is given."""
    removed = ctx.ledger.remove_premises(name, parse_coordinates(coordinates) if coordinates else None)
    ctx.emit({"party": name, "removed": removed}, lambda: click.echo(f"{name}: {removed} premises removed"))


@party.command("list")
@pass_ctx
def party_list(ctx: CliContext) -> None:
    """List the parties this index knows."""
    premises = ctx.ledger.premises()
    parties = ctx.ledger.parties()
    rows = [{"name": p.name, "role": p.role, "address": p.address, "prefixes": prefixes, "service_url": p.service_url,
             "premises": [{"lat": m.lat, "lon": m.lon, "label": m.label} for m in premises.get(p.address, [])]}
            for p, prefixes in parties]

    def human() -> None:
        for p, prefixes in parties:
            places = "; ".join(f"{m.label or 'premises'} ({m.lat:.4f},{m.lon:.4f})" for m in premises.get(p.address, []))
            click.echo(f"{p.name:20} {p.role:12} {p.address}  {' '.join(prefixes)}  {places}  {p.service_url}".rstrip())

    ctx.emit(rows, human)


def _items_from_options(gtin: str | None, count: int | None, start: int, serials: str | None, lot: str | None,
                        expiry: str | None, csv_file: Path | None) -> Iterator[ItemSpec] | list[ItemSpec]:
    if csv_file is not None:
        if gtin or count or serials:
            raise click.UsageError("give either --csv or --gtin with --count/--serials, not both")
        return read_items_csv(read_input(csv_file, "--csv", MAX_CSV_BYTES))
    if not gtin:
        raise click.UsageError("give --gtin with --count or --serials, or --csv FILE")
    day = None
    if expiry:
        try:
            day = date.fromisoformat(expiry)
        except ValueError:
            raise InvalidInput("--expiry", expiry, "is not a date", "YYYY-MM-DD") from None
    if serials:
        low, sep, high = serials.partition("-")
        # isascii: isdigit() also takes "²", which int() refuses; 20 digits is the longest serial.
        if not (sep and all(n.isascii() and n.isdigit() and len(n) <= 20 for n in (low, high)) and int(high) >= int(low)):
            raise InvalidInput("--serials", serials, "is not a range", "FIRST-LAST, e.g. 1000-1999")
        numbers = serial_range(int(low), int(high) - int(low) + 1)
    elif count:
        numbers = serial_range(start, count)
    else:
        raise click.UsageError("give --count N or --serials FIRST-LAST with --gtin")
    return (ItemSpec(gtin, s, lot, day) for s in numbers)


@cli.command()
@click.option("--as", "brand", required=True, help="The brand registering the items.")
@click.option("--gtin", help="GTIN of the items (8, 12, 13 or 14 digits).")
@click.option("--count", type=click.IntRange(1), help="Number of items, serials numbered from --start.")
@click.option("--start", type=click.IntRange(0), default=1, show_default=True)
@click.option("--serials", help="Serial range FIRST-LAST.")
@click.option("--lot", help="Lot / batch number (GS1 AI 10).")
@click.option("--expiry", help="Expiry date YYYY-MM-DD (GS1 AI 17).")
@click.option("--csv", "csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV with header gtin,serial[,lot][,expiry].")
@pass_ctx
def register(ctx: CliContext, brand: str, gtin: str | None, count: int | None, start: int, serials: str | None,
             lot: str | None, expiry: str | None, csv_file: Path | None) -> None:
    """Register a batch of serialised items: one Merkle root, one anchor transaction."""
    items = _items_from_options(gtin, count, start, serials, lot, expiry, csv_file)
    result = ctx.ledger.register(brand, items)
    ctx.emit(result, lambda: click.echo(f"registered {result.count} items in batch {result.root}\n"
                                        f"anchored in tx {result.tx_hash} (block {result.block_number})"))


def _keys(codes: Sequence[str], codes_file: Path | None) -> list[ItemKey]:
    texts = list(codes)
    if codes_file is not None:
        texts += [line.strip() for line in read_text_input(codes_file, "--file", _MAX_CODES_FILE).splitlines() if line.strip()]
    if not texts:
        raise click.UsageError("give item codes as arguments or with --file")
    return [parse_code(t).key for t in texts]


# A million codes of a hundred characters: more than any one action takes.
_MAX_CODES_FILE = 100 * 1024 * 1024
_codes_argument = click.argument("codes", nargs=-1)
_codes_file = click.option("--file", "codes_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                           help="A file with one item code per line.")
_location = click.option("--location", default="", help="Where it happens (place name or GLN).")


@cli.command()
@click.option("--as", "sender", required=True, help="The custodian shipping the items.")
@click.option("--to", "receiver", required=True, help="The party the items are shipped to.")
@_codes_argument
@_codes_file
@_location
@click.option("--container", "containers", multiple=True, metavar="SSCC",
              help="Ship a case or pallet with everything packed in it (repeatable).")
@pass_ctx
def ship(ctx: CliContext, sender: str, receiver: str, codes: tuple[str, ...], codes_file: Path | None, location: str,
         containers: tuple[str, ...]) -> None:
    """Ship items you hold to another party (signed by you; custody moves when they accept)."""
    keys = _keys(codes, codes_file) if codes or codes_file or not containers else []
    result = ctx.ledger.ship(sender, receiver, keys, location, containers)
    ctx.emit(result, lambda: click.echo(f"shipped {result.count} items to {receiver}: shipment {result.root}\n"
                                        f"anchored in tx {result.tx_hash} (block {result.block_number})"))


@cli.command()
@click.option("--as", "receiver", required=True, help="The party accepting the shipment.")
@click.argument("shipment")
@_location
@pass_ctx
def receive(ctx: CliContext, receiver: str, shipment: str, location: str) -> None:
    """Accept a shipment sent to you; custody of its items moves to you."""
    result = ctx.ledger.receive(receiver, shipment, location)
    ctx.emit(result, lambda: click.echo(f"received {result.count} items (receipt {result.root})\n"
                                        f"anchored in tx {result.tx_hash} (block {result.block_number})"))


@cli.command()
@click.option("--as", "officer", required=True, help="The officer who inspected the goods.")
@click.option("--outcome", required=True, type=click.Choice([o.value for o in InspectionOutcome]))
@click.option("--location", required=True, help="Where the inspection took place (place name or GLN).")
@_codes_argument
@_codes_file
@pass_ctx
def inspect(ctx: CliContext, officer: str, outcome: str, location: str, codes: tuple[str, ...],
            codes_file: Path | None) -> None:
    """Record an officer's inspection (anchored on chain); the next scan of the items shows it."""
    result = ctx.ledger.inspect(officer, _keys(codes, codes_file), outcome, location)
    ctx.emit(result, lambda: click.echo(f"inspection ({outcome}) of {result.count} items, anchored in tx "
                                        f"{result.tx_hash} (block {result.block_number})"))


_STATUS_ACTIONS = {"recall": Action.RECALL, "stolen": Action.REPORT_STOLEN, "sold": Action.SELL,
                   "destroyed": Action.DESTROY, "decommissioned": Action.DECOMMISSION}


@cli.command()
@click.argument("new_status", type=click.Choice(list(_STATUS_ACTIONS)))
@click.option("--as", "actor", required=True, help="The party making the change.")
@click.option("--lot", help="Apply to the whole lot (brands only for recall).")
@_codes_argument
@_codes_file
@_location
@pass_ctx
def status(ctx: CliContext, new_status: str, actor: str, lot: str | None, codes: tuple[str, ...],
           codes_file: Path | None, location: str) -> None:
    """Recall, report stolen, sell to a consumer, destroy or decommission items.

    With --lot, the lot's items with nothing left to do (already so, or destroyed) are skipped and counted.
    """
    keys = [] if lot and not codes and not codes_file else _keys(codes, codes_file)
    result = ctx.ledger.change_status(actor, _STATUS_ACTIONS[new_status], keys, lot, location)
    skipped = f", {result.skipped} skipped (nothing left to do)" if result.skipped else ""
    ctx.emit(result, lambda: click.echo(f"{new_status}: {result.count} items{skipped}, anchored in tx {result.tx_hash} "
                                        f"(block {result.block_number})"))


@cli.command("sync")
@pass_ctx
def sync_command(ctx: CliContext) -> None:
    """Read the contract's logs since the last sync and bring the index up to date."""
    report = sync(ctx.ledger)
    ctx.emit(report, lambda: click.echo(
        "\n".join(report.reconciled + [f"{name}: granted on chain, taken up by this home" for name in report.adopted]
                  + [(f"blocks {report.from_block}–{report.to_block}: {report.new_anchors} new anchors, "
                      f"{report.known_anchors} already indexed, {report.new_prefixes} new prefixes, "
                      f"{report.profiles} directory entries")])))


for _command in (labels, rfid, brands, check, verify):
    cli.add_command(_command)


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
        found = unavailable(exc)
        if found is not None:
            _fail(as_json, found.exit_code, type(found).__name__, found.message, f"error: {found.message}")
        message = f"internal error ({type(exc).__name__}): {exc}; please report it with the command you ran"
        _fail(as_json, 3, "InternalError", message, message)


cli.add_command(db)
cli.add_command(audit_command)
cli.add_command(trace_command)
cli.add_command(epcis_group)
cli.add_command(pack_command)
cli.add_command(unpack_command)
cli.add_command(contents_command)
cli.add_command(serve)
cli.add_command(user)
cli.add_command(token)
cli.add_command(intel)
cli.add_command(risk)
cli.add_command(alerts)
cli.add_command(product)


if __name__ == "__main__":
    main()
