"""The auditor's commands: `ledger audit`, `ledger trace`, `ledger epcis …`, `ledger pack`/`unpack`/`contents`.

Listed in ``VERBS`` of ``ledger/cli/main.py``, which imports this module only when one of them runs.
"""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from datetime import UTC, datetime
from typing import Any

import click

from ..audit.auditor import audit
from ..audit.flow_svg import batch_flow_svg
from ..audit.scope import AuditScope
from ..codes.identifiers import ItemKey
from ..codes.parsing import parse_code
from ..custody.packing import ContainerTree, hierarchy, pack, unpack
from ..errors import InvalidInput
from ..index.queries import item_status
from ..index.trail import TrailScope, trail, trail_csv
from ._context import CliContext, output_file, pass_ctx, read_input

__all__ = ["audit_command", "contents_command", "epcis_group", "pack_command", "trace_command", "unpack_command"]

_BAR_FROM = 20_000  # records: below this an audit takes well under a second, a bar would only flicker


@click.command("audit")
@click.option("--brand", help="Audit one brand's goods.")
@click.option("--batch", help="Audit one registration batch (its root).")
@click.option("--item", "item", metavar="CODE", help="Audit one item (any code form).")
@pass_ctx
def audit_command(ctx: CliContext, brand: str | None, batch: str | None, item: str | None) -> None:
    """Re-check every record of the index against the chain; exit 1 if anything differs.

    Checks the anchors' hash chain, every signature and role, every Merkle root, every
    item's event hash chain and order, and every item's current state.
    """
    given = [(k, v) for k, v in (("brand", brand), ("batch", batch), ("item", item)) if v]
    if len(given) > 1:
        raise click.UsageError("give at most one of --brand, --batch, --item")
    scope = AuditScope.parse(f"{given[0][0]}:{given[0][1]}") if given else AuditScope("ledger")
    with ExitStack() as stack:
        bar: Any = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if ctx.as_json or total < _BAR_FROM:
                return
            if bar is None:
                bar = stack.enter_context(click.progressbar(length=total, label=f"auditing {scope}", file=sys.stderr))
            bar.update(done - bar.pos)

        report = audit(ctx.reader, scope, progress)

    def human() -> None:
        click.echo(f"audited {report.scope}: {report.anchors} anchors, {report.signatures} signatures, "
                   f"{report.items} items, {report.events} events in {report.seconds:.2f} s")
        for finding in report.findings:
            click.echo(str(finding))
        count = len(report.findings)
        click.echo("clean: every record matches the chain" if report.clean else f"{count} finding{'s' if count != 1 else ''}")

    ctx.emit({"scope": report.scope, "anchors": report.anchors, "signatures": report.signatures, "items": report.items,
              "events": report.events, "seconds": round(report.seconds, 3), "clean": report.clean,
              "findings": [{"code": f.code.value, "meaning": f.code.sentence, "subject": f.subject, "detail": f.detail,
                            "expected": f.expected} for f in report.findings]}, human)
    if not report.clean:
        sys.exit(1)


def _trail_scope(code: str | None, lot: str | None, batch: str | None, shipment: str | None) -> TrailScope:
    given = [(k, v) for k, v in (("item", code), ("lot", lot), ("batch", batch), ("shipment", shipment)) if v]
    if len(given) != 1:
        raise click.UsageError("give exactly one of CODE, --lot, --batch, --shipment")
    return TrailScope(*given[0])


_scope_options = [
    click.argument("code", required=False),
    click.option("--lot", help="Every item of a lot (GS1 AI 10)."),
    click.option("--batch", help="Every item of a registration batch (its root)."),
    click.option("--shipment", help="Every item of a shipment (its root)."),
]


def _with_scope(command: Any) -> Any:
    for option in reversed(_scope_options):
        command = option(command)
    return command


@click.command("trace")
@_with_scope
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, writable=True, allow_dash=True),
              help="Write the trail as CSV to this file (- for standard output).")
@click.option("--svg", "svg_file", type=click.Path(dir_okay=False, writable=True, allow_dash=True),
              help="With --batch: draw the batch's flow between parties as SVG to this file (- for standard output).")
@pass_ctx
def trace_command(ctx: CliContext, code: str | None, lot: str | None, batch: str | None, shipment: str | None,
                  csv_file: str | None, svg_file: str | None) -> None:
    """Every event from registration on — who, when, where, what, the signature and the anchor that proves it.

    Give one item CODE (any code form), or --lot, --batch or --shipment for all their items.
    """
    scope = _trail_scope(code, lot, batch, shipment)
    if svg_file is not None:
        if batch is None or csv_file is not None:
            raise click.UsageError("--svg draws a batch: give --batch ROOT (and no --csv)")
        with click.open_file(svg_file, "w", encoding="utf-8") as out:
            out.write(batch_flow_svg(ctx.reader.engine, batch) + "\n")
        if svg_file != "-":
            click.echo(f"wrote the flow of batch {batch} to {svg_file}", err=True)
        return
    steps = trail(ctx.reader.engine, scope)
    if csv_file is not None:
        with output_file(csv_file, "--csv") as out:
            out.write(trail_csv(steps))
        if csv_file != "-":  # with "-" the CSV itself is the output
            summary = {"events": len(steps), "items": len({s.item for s in steps}), "out": csv_file}
            ctx.emit(summary, lambda: click.echo(f"wrote {summary['events']} events of {summary['items']} items to {csv_file}",
                                                 err=True))
        return

    def human() -> None:
        for step in steps:
            when = datetime.fromtimestamp(step.timestamp, UTC).strftime("%Y-%m-%d %H:%M:%SZ")
            who = step.actor + (f" → {step.counterparty}" if step.counterparty else "")
            item = f"{step.item}  " if scope.kind != "item" else ""
            # The signature shortened to fit a line; --json and --csv carry it whole.
            signature = f"{step.signature[:10]}…{step.signature[-8:]}" if step.signature else "-"
            click.echo(f"{item}{step.seq:3}  {when}  {step.action:10} {step.biz_step:15} {step.disposition:12} {who:28} "
                       f"{step.location:14} sig {signature}  block {step.block_number:<6} tx {step.tx_hash}")
        if scope.kind == "item" and steps:
            now = item_status(ctx.reader.engine, ItemKey.parse(steps[0].item))
            click.echo(f"now  {', '.join([str(now.life_cycle), *now.conditions])}; custodian {now.custodian}")

    ctx.emit(steps, human)


@click.group("epcis")
def epcis_group() -> None:
    """Exchange trails with partners as EPCIS 2.0 JSON-LD documents."""


@epcis_group.command("export")
@_with_scope
@click.option("--out", type=click.Path(dir_okay=False, writable=True, allow_dash=True), default="-", show_default=True,
              help="Write the document to this file.")
@pass_ctx
def epcis_export(ctx: CliContext, code: str | None, lot: str | None, batch: str | None, shipment: str | None,
                 out: str) -> None:
    """Export the trail of CODE, --lot, --batch or --shipment as an EPCIS 2.0 document (schema-valid,
    each event with its CBV 2.0 hash as eventID and its ledger proof)."""
    from ..epcis.export import export_document

    document = export_document(ctx.reader, _trail_scope(code, lot, batch, shipment))
    with output_file(out, "--out") as stream:
        stream.write(json.dumps(document, indent=2) + "\n")
    if out != "-":  # with "-" the document itself is the output
        count = len(document["epcisBody"]["eventList"])
        ctx.emit({"events": count, "out": out}, lambda: click.echo(f"wrote {count} EPCIS events to {out}", err=True))


def _item_keys(codes: tuple[str, ...]) -> list[ItemKey]:
    return [parse_code(code).key for code in codes]


@click.command("pack")
@click.option("--as", "actor", required=True, help="The party packing (it must hold the goods).")
@click.option("--into", "container", required=True, metavar="SSCC", help="The case or pallet (created on first use).")
@click.argument("codes", nargs=-1)
@click.option("--container", "containers", multiple=True, metavar="SSCC", help="A case to put on the pallet (repeatable).")
@click.option("--location", default="", help="Where it happens (place name or GLN).")
@pass_ctx
def pack_command(ctx: CliContext, actor: str, container: str, codes: tuple[str, ...], containers: tuple[str, ...],
                 location: str) -> None:
    """Pack items (CODES) and/or cases (--container) into a case or pallet: one signed, anchored packing event per item."""
    result = pack(ctx.ledger, actor, container, _item_keys(codes), containers, location)
    ctx.emit(result, lambda: click.echo(f"packed {result.count} items into {container}\n"
                                        f"anchored in tx {result.tx_hash} (block {result.block_number})"))


@click.command("unpack")
@click.option("--as", "actor", required=True, help="The party unpacking (it must hold the goods).")
@click.argument("container", metavar="SSCC")
@click.argument("codes", nargs=-1)
@click.option("--container", "containers", multiple=True, metavar="SSCC", help="A case to take off the pallet (repeatable).")
@click.option("--location", default="", help="Where it happens (place name or GLN).")
@pass_ctx
def unpack_command(ctx: CliContext, actor: str, container: str, codes: tuple[str, ...], containers: tuple[str, ...],
                   location: str) -> None:
    """Take items (CODES) and/or cases out of a case or pallet; with neither, empty it."""
    result = unpack(ctx.ledger, actor, container, _item_keys(codes), containers, location)
    ctx.emit(result, lambda: click.echo(f"unpacked {result.count} items from {container}\n"
                                        f"anchored in tx {result.tx_hash} (block {result.block_number})"))


@click.command("contents")
@click.argument("container", metavar="SSCC")
@click.option("--at", "at", help="Show it as it was at this moment (ISO 8601, e.g. 2026-05-01T12:00:00Z).")
@pass_ctx
def contents_command(ctx: CliContext, container: str, at: str | None) -> None:
    """What a case or pallet holds, now or at a past moment, as a tree."""
    moment = None
    if at:
        try:
            moment = int(datetime.fromisoformat(at).timestamp())
        except (ValueError, OverflowError):
            raise InvalidInput("--at", at, "is not a date-time", "ISO 8601, e.g. 2026-05-01T12:00:00Z") from None
    tree = hierarchy(ctx.reader, container, moment)

    def human(node: ContainerTree = tree, depth: int = 0) -> None:
        click.echo("  " * depth + f"{node.sscc}  ({len(node.all_items())} items)")
        for key in node.items:
            click.echo("  " * (depth + 1) + key)
        for child in node.containers:
            human(child, depth + 1)

    ctx.emit(tree, human)


@epcis_group.command("import")
@click.argument("document", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--as", "actor", required=True, help="The party recording the events (it signs and anchors each).")
@pass_ctx
def epcis_import(ctx: CliContext, document: str, actor: str) -> None:
    """Record a partner's EPCIS 2.0 document: all of its events, or — if any does not fit — none."""
    # Here, not at the top: the EPCIS schema's validator (jsonschema and its format checkers) takes a while to load.
    from ..epcis.importer import import_document
    from ..epcis.schema import MAX_DOCUMENT_BYTES

    done = import_document(ctx.ledger, read_input(document, "DOCUMENT", MAX_DOCUMENT_BYTES), actor)

    def human() -> None:
        for d in done:
            click.echo(f"{d.index:3}  {d.event:40} → {d.action} {d.count} items" + (f"  anchor {d.root}" if d.root else ""))

    ctx.emit(done, human)
