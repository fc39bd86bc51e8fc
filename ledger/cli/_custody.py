"""The custody verbs: `ledger init`, `party …`, `register`, `ship`, `receive`, `inspect`, `status`, `sync`.

Loaded by ``ledger/cli/main.py`` only when one of them runs (or its help is asked for).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

import click

from ..chain.roles import Role
from ..codes.identifiers import ItemKey
from ..codes.parsing import parse_code
from ..custody.ledger import Ledger
from ..custody.registration import MAX_CSV_BYTES, ItemSpec, read_items_csv, serial_range
from ..custody.sync import sync
from ..errors import InvalidInput
from ..geo import Location
from ..proofs.events import Action
from ..proofs.inspections import InspectionOutcome
from ..proofs.join_request import MAX_REQUEST_BYTES
from ._context import CliContext, parse_coordinates, pass_ctx, read_input, read_text_input, report_upgrade

__all__ = ["init", "inspect", "party", "receive", "register", "ship", "status", "sync_command"]


@click.command()
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


@click.group()
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
    premises = ctx.reader.premises()
    parties = ctx.reader.parties()
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


@click.command()
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


@click.command()
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


@click.command()
@click.option("--as", "receiver", required=True, help="The party accepting the shipment.")
@click.argument("shipment")
@_location
@pass_ctx
def receive(ctx: CliContext, receiver: str, shipment: str, location: str) -> None:
    """Accept a shipment sent to you; custody of its items moves to you."""
    result = ctx.ledger.receive(receiver, shipment, location)
    ctx.emit(result, lambda: click.echo(f"received {result.count} items (receipt {result.root})\n"
                                        f"anchored in tx {result.tx_hash} (block {result.block_number})"))


@click.command()
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


@click.command()
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


@click.command("sync")
@click.option("--fetch", "mode", flag_value="fetch", help="Then fetch, check and store the rows of other organisations' "
              "anchors from their services (one pass).")
@click.option("--follow", "mode", flag_value="follow", help="Sync and fetch every second until interrupted, retrying "
              "refused anchors with backoff.")
@click.option("--status", "mode", flag_value="status", help="Show, per partner, the anchors whose rows are not stored "
              "here yet and why (no sync, no fetch).")
@pass_ctx
def sync_command(ctx: CliContext, mode: str | None) -> None:
    """Read the contract's logs since the last sync and bring the index up to date."""
    from ..epcis.follower import follow_once  # imported here: the other custody verbs start without it
    from ..epcis.follower import status as follow_status

    if mode == "status":
        pending = follow_status(ctx.reader)
        ctx.emit(pending, lambda: click.echo("\n".join(
            [f"{partner}: {len(items)} anchors pending" + "".join(
                f"\n  #{p.sequence} {p.root}: {p.reason} (tried {p.attempts}×)" for p in items)
             for partner, items in sorted(pending.items())] or ["nothing pending: every anchor's rows are stored"])))
        return
    if mode is not None:  # fetching signs requests with this home's keys: the passphrase is needed
        while True:
            followed = follow_once(ctx.ledger, honour_backoff=mode == "follow")
            ctx.emit(followed, lambda done=followed: click.echo("\n".join(  # type: ignore[misc]
                [f"stored {root}" for root in done.stored]
                + [f"refused #{p.sequence} {p.root}: {p.reason}" for p in done.refused]
                + [f"{len(done.stored)} anchors stored, {len(done.refused)} refused, {done.waiting} waiting"])))
            if mode == "fetch":
                return
            time.sleep(1.0)
    report = sync(ctx.reader)
    ctx.emit(report, lambda: click.echo(
        "\n".join(report.reconciled + [f"{name}: granted on chain, taken up by this home" for name in report.adopted]
                  + [(f"blocks {report.from_block}–{report.to_block}: {report.new_anchors} new anchors, "
                      f"{report.known_anchors} already indexed, {report.new_prefixes} new prefixes, "
                      f"{report.profiles} directory entries")])))
