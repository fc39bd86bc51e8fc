"""``ledger intel hotspots|lanes|clones|trends|purge`` and ``ledger risk``: intelligence from the index alone.

They read the index (no chain, no passphrase). ``--for PARTY`` shows what that party may see
under the sharing rules (:mod:`ledger.intel.privacy`); without it the operator sees everything.
``--at`` runs an analysis as of a past moment. Every result names the records behind it:
``--show`` lists them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import click
import h3
from sqlalchemy import text
from sqlalchemy.engine import Engine

from ..chain.roles import Role
from ..codes.parsing import parse_code
from ..codes.signature import BrandDirectory
from ..errors import InvalidInput, NotAllowed, UnknownParty
from ..intel.clones import clone_rings, cloned_codes
from ..intel.hotspots import MAX_RESOLUTION, Scope, cell_of, hotspots
from ..intel.lanes import lanes
from ..intel.privacy import FULL_VIEW, Detail, Pseudonyms, Viewer, pseudonym_key, shared_counts, shown_scan, viewer_for
from ..intel.records import (
    load_clone_scans,
    load_directory,
    load_flagged_scans_in,
    load_post_scans,
    load_records,
    load_scan_groups,
    load_scans,
    load_seizures,
)
from ..intel.report import (
    clone_json,
    hotspots_json,
    iso,
    item_risk_json,
    lane_json,
    ring_json,
    shipment_risk_json,
    trend_json,
)
from ..intel.retention import boundary, purge
from ..intel.risk import history, item_risks, shipment_risks
from ..intel.trends import trends
from ._context import CliContext, pass_ctx

__all__ = ["intel", "risk"]

F = TypeVar("F", bound=Callable[..., Any])


def _day(option: str, value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC).timestamp())
    except ValueError:
        raise InvalidInput(option, value, "is not a date", "YYYY-MM-DD") from None


def _at(value: str | None) -> int:
    if value is None:
        return int(time.time())
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput("--at", value, "is not a date or time", "YYYY-MM-DD or an ISO 8601 time such as 2026-06-01T12:00Z") from None
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())


def _party(engine: Engine, name: str) -> tuple[str, Role]:
    with engine.connect() as conn:
        row = conn.execute(text("SELECT address, role FROM party WHERE name = :n"), {"n": name}).first()
    if row is None:
        raise UnknownParty(name)
    return str(row[0]), Role(row[1])


def _names(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {str(a): str(n) for a, n in conn.execute(text("SELECT address, name FROM party"))}


def _scope(engine: Engine, viewer: Viewer, brand: str | None, gtin: str | None, since: str | None, until: str | None) -> Scope:
    address = None
    if brand is not None:
        address, role = _party(engine, brand)
        if role is not Role.BRAND:
            raise InvalidInput("--brand", brand, f"is a {role.value}", "the name of a brand")
    if gtin is not None and not (gtin.isdigit() and len(gtin) == 14):
        raise InvalidInput("--gtin", gtin, "is not a GTIN-14", "14 digits, as in /01/09521234543213/…")
    return viewer.scope(Scope(address, gtin, _day("--since", since), _day("--until", until)))


def _viewer(ctx: CliContext, engine: Engine, party: str | None) -> tuple[Viewer, Pseudonyms]:
    pseudonyms = Pseudonyms(pseudonym_key(ctx.settings.home))
    if party is None:
        return FULL_VIEW, pseudonyms
    address, role = _party(engine, party)
    return viewer_for(role, address, party), pseudonyms


def _common(f: F) -> F:
    for option in reversed((
        click.option("--brand", metavar="NAME", help="Only this brand's products."),
        click.option("--since", metavar="YYYY-MM-DD", help="From this day (UTC)."),
        click.option("--until", metavar="YYYY-MM-DD", help="Before this day (UTC)."),
        click.option("--for", "for_party", metavar="PARTY", help="Show what PARTY may see (sharing rules); default: everything."),
    )):
        f = option(f)
    return f


@click.group()
def intel() -> None:
    """Intelligence over the ledger's records: hotspots, lanes, clone rings, trends; retention of raw scans."""


@intel.command("hotspots")
@_common
@click.option("--gtin", help="Only this product (GTIN-14).")
@click.option("--resolution", type=click.IntRange(0, MAX_RESOLUTION), default=5, show_default=True,
              help="H3 cell size: 4 ≈ 1,770 km², 5 ≈ 250 km², 6 ≈ 36 km².")
@click.option("--alpha", type=float, default=0.05, show_default=True, help="False-discovery rate of the cells reported.")
@click.option("--show", "show_cell", metavar="CELL", help="List the flagged scans and seizures behind one cell.")
@pass_ctx
def intel_hotspots(ctx: CliContext, brand: str | None, since: str | None, until: str | None, for_party: str | None,
                   gtin: str | None, resolution: int, alpha: float, show_cell: str | None) -> None:
    """Places where suspect and counterfeit scans and seizures exceed what the scan volume there explains."""
    engine = ctx.index()
    viewer, pseudonyms = _viewer(ctx, engine, for_party)
    scope = _scope(engine, viewer, brand, gtin, since, until)
    bounds = scope.since or 0, scope.until or 2**62
    directory = load_directory(engine)
    if show_cell is not None:
        _show_cell(ctx, engine, show_cell, scope, viewer, pseudonyms, directory.brands)
        return
    groups, seizures = shared_counts(load_scan_groups(engine, *bounds), load_seizures(engine, *bounds), viewer, resolution)
    report = hotspots(groups, seizures, directory.brands, scope, resolution, alpha)
    data = hotspots_json(report)

    def human() -> None:
        click.echo(f"{report.cells_tested} cells tested, {report.flagged:,} of {report.observations:,} scans and seizures "
                   f"flagged ({100 * report.rate:.2f}%); {len(report.hotspots)} hotspots at false-discovery rate {alpha}")
        for h in report.hotspots:
            click.echo(f"  {h.cell}  {h.place:<32} {h.observed:>6,} flagged of {h.scans + h.seizures:>8,} "
                       f"(expected {h.expected:,.1f}, ×{h.ratio:,.1f})  q={h.q_value:.2g}")
        if report.hotspots:
            click.echo("records behind a cell: ledger intel hotspots --show CELL")

    ctx.emit(data, human)


def _show_cell(ctx: CliContext, engine: Engine, cell: str, scope: Scope, viewer: Viewer, pseudonyms: Pseudonyms,
               brands: BrandDirectory) -> None:
    if not h3.is_valid_cell(cell) or h3.get_resolution(cell) > MAX_RESOLUTION:
        raise InvalidInput("--show", cell, "is not an H3 cell of resolution 0…6", "a cell id as `ledger intel hotspots` prints it")
    resolution = h3.get_resolution(cell)
    shared_counts([], [], viewer, resolution)  # a brand: no finer cells than its sharing rules allow
    boundary = h3.cell_to_boundary(cell)
    lats, lons = [p[0] for p in boundary], [p[1] for p in boundary]
    since, until = scope.since or 0, scope.until or 2**62
    scans = [s for s in load_flagged_scans_in(engine, min(lats), min(lons), max(lats), max(lons), since, until)
             if s.place is not None and cell_of(s.place.lat, s.place.lon, resolution) == cell
             and scope.covers_gtin(s.key[4:18], brands)]
    seizures = [z for z in load_seizures(engine, since, until)
                if z.place is not None and cell_of(z.place.lat, z.place.lon, resolution) == cell and scope.covers_gtin(z.gtin, brands)]
    names = _names(engine)
    data: dict[str, Any] = {"cell": cell, "scans": [shown_scan(s, viewer, names, pseudonyms) for s in scans],
            "seizures": [{"event": z.source.removeprefix("event:"), "item": z.item_id, "outcome": z.outcome.value,
                          "time": datetime.fromtimestamp(z.timestamp, UTC).isoformat()} for z in seizures]}

    def human() -> None:
        click.echo(f"cell {cell}: {len(scans)} flagged scans, {len(seizures)} seizures")
        for s in data["scans"]:
            click.echo(f"  scan {s['scan']:>8}  {s['time']}  {s['verdict']:<11} {','.join(s['reasons']):<40} {s['code']}  "
                       f"by {s['scanner']}")
        for z in data["seizures"]:
            click.echo(f"  event {z['event']}  {z['time']}  {z['outcome']}")

    ctx.emit(data, human)


@intel.command("lanes")
@_common
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True)
@click.option("--show", "show_rank", type=click.IntRange(1), metavar="RANK", help="List the shipments and flags behind one lane.")
@click.option("--at", "at", metavar="TIME", help="Analyse as of this time (default: now).")
@pass_ctx
def intel_lanes(ctx: CliContext, brand: str | None, since: str | None, until: str | None, for_party: str | None, limit: int,
                show_rank: int | None, at: str | None) -> None:
    """Origin → destination (and carrier) of shipments, with the share of their items later found bad."""
    engine = ctx.index()
    viewer, _ = _viewer(ctx, engine, for_party)
    scope = _scope(engine, viewer, brand, None, since, until)
    records = load_records(engine, _at(at))
    found = lanes(records, scope)
    if show_rank is not None:
        if show_rank > len(found):
            raise InvalidInput("--show", show_rank, f"is beyond the {len(found)} lanes", f"a rank from 1 to {len(found)}")
        lane = found[show_rank - 1]
        data = {**lane_json(show_rank, lane), "shipments": list(lane.rate.roots)}
        ctx.emit(data, lambda: click.echo(f"{lane.origin} → {lane.destination} via {lane.carrier}: {lane.rate.bad} of "
                                          f"{lane.rate.items} items found bad\nshipments (ledger trace --shipment ROOT):\n  "
                                          + "\n  ".join(lane.rate.roots)))
        return
    rows = [lane_json(n, lane) for n, lane in enumerate(found[:limit], 1)]

    def human() -> None:
        click.echo(f"{len(found)} lanes; share of items later found suspect, counterfeit, stolen or seized")
        for r in rows:
            click.echo(f"{r['rank']:>4}. {r['origin']} → {r['destination']} via {r['carrier']}: {r['found_bad']:,} of "
                       f"{r['items']:,} items ({100 * r['share']:.1f}%, shrunk {100 * r['shrunk_share']:.1f}%), "
                       f"{r['shipments']} shipments, q={r['q_value']:.2g}")

    ctx.emit(rows, human)


@intel.command("clones")
@_common
@click.option("--min-places", type=click.IntRange(2), default=5, show_default=True,
              help="Places (H3 cells of resolution 4, about 1,770 km²) a code must be seen in.")
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True)
@click.option("--show", "show_code", metavar="CODE", help="List the scans of one code.")
@pass_ctx
def intel_clones(ctx: CliContext, brand: str | None, since: str | None, until: str | None, for_party: str | None,
                 min_places: int, limit: int, show_code: str | None) -> None:
    """Codes seen at many places, and rings: codes of one batch cloned together."""
    engine = ctx.index()
    viewer, pseudonyms = _viewer(ctx, engine, for_party)
    scope = _scope(engine, viewer, brand, None, since, until)
    since_ts, until_ts = scope.since or 0, scope.until or 2**62
    directory = load_directory(engine)
    if show_code is not None:
        key = parse_code(show_code).key
        if not scope.covers_gtin(key.gtin, directory.brands):
            raise NotAllowed(f"{viewer.name} may not see scans of {key.canonical}: not its product")
        scans = load_scans(engine, "item_id = :i AND timestamp >= :since AND timestamp < :until",
                           {"i": "0x" + key.item_id.hex(), "since": since_ts, "until": until_ts})
        names = _names(engine)
        shown = [shown_scan(s, viewer, names, pseudonyms) for s in scans]
        ctx.emit({"code": key.canonical, "scans": shown}, lambda: click.echo("\n".join(
            [f"{key.canonical}: {len(scans)} scans"] + [f"  scan {s['scan']:>8}  {s['time']}  {s['verdict']:<11} "
                                                         f"{','.join(s['reasons']):<30} {s['place']}  by {s['scanner']}"
                                                         for s in shown])))
        return
    scans, items = load_clone_scans(engine, min_places, since_ts, until_ts)
    codes = [c for c in cloned_codes(scans, items, min_places) if scope.covers_gtin(c.key[4:18], directory.brands)]
    rings = clone_rings(codes)
    names = directory.names
    data: dict[str, Any] = {"codes": [clone_json(c, names) for c in codes[:limit]],
                            "rings": [ring_json(r, names) for r in rings[:limit]],
                            "codes_total": len(codes), "rings_total": len(rings)}

    def human() -> None:
        click.echo(f"{len(codes)} codes seen at {min_places}+ places or with clone alerts; {len(rings)} rings")
        for c in data["codes"]:
            click.echo(f"  {c['code']:<40} {c['places']:>3} places {c['scans']:>4} scans {c['clone_alerts']:>3} clone alerts  "
                       f"{c['brand'] or 'unregistered'}")
        for r in data["rings"]:
            click.echo(f"  ring: {len(r['codes'])} codes of batch {r['batch']} ({r['brand']}), cloned in {', '.join(r['cells'])}, "
                       f"{r['first_seen'][:10]}…{r['last_seen'][:10]}")

    ctx.emit(data, human)


@intel.command("trends")
@_common
@click.option("--gtin", help="Only this product (GTIN-14).")
@click.option("--by", "by", type=click.Choice(["brand", "place"]), multiple=True, help="Split by brand and/or place (repeatable).")
@click.option("--resolution", type=click.IntRange(0, MAX_RESOLUTION), default=3, show_default=True, help="H3 cell size of places.")
@pass_ctx
def intel_trends(ctx: CliContext, brand: str | None, since: str | None, until: str | None, for_party: str | None,
                 gtin: str | None, by: tuple[str, ...], resolution: int) -> None:
    """Scans, flags and seizures per week (and brand, and place), with the flagged share."""
    engine = ctx.index()
    viewer, _ = _viewer(ctx, engine, for_party)
    scope = _scope(engine, viewer, brand, gtin, since, until)
    bounds = scope.since or 0, scope.until or 2**62
    groups, seizures = shared_counts(load_scan_groups(engine, *bounds), load_seizures(engine, *bounds), viewer,
                                     resolution if "place" in by else 0)
    rows = trends(groups, seizures, load_directory(engine).brands, scope, "brand" in by, "place" in by, resolution)
    data = [trend_json(t) for t in rows]

    def human() -> None:
        click.echo(f"{'week':<11} {'brand':<14} {'place':<28} {'scans':>9} {'suspect':>8} {'counterf.':>9} {'stolen':>7} "
                   f"{'seized':>7} {'rate':>7}")
        for t in rows:
            click.echo(f"{t.week:<11} {t.brand[:14]:<14} {t.place[:28]:<28} {t.scans:>9,} {t.suspect:>8,} {t.counterfeit:>9,} "
                       f"{t.stolen:>7,} {t.seizures:>7,} {100 * t.rate:>6.2f}%")

    ctx.emit(data, human)


@intel.command("purge")
@click.option("--older-than", "days", type=click.IntRange(0, 36_500), metavar="DAYS",
              help="Purge scans older than DAYS days (rounded down to a Monday); default LEDGER_SCAN_RETENTION_DAYS (365).")
@click.option("--at", "at", metavar="TIME", help="Count the days back from this time (default: now).")
@pass_ctx
def intel_purge(ctx: CliContext, days: int | None, at: str | None) -> None:
    """Retention: keep weekly aggregates of old scans, then remove their places and scanners."""
    now = _at(at)
    older_than = ctx.settings.scan_retention_days if days is None else days
    report = purge(ctx.index(), boundary(now, older_than), now)
    data = {"before": iso(report.before), "previous": iso(report.previous) if report.previous else None, "scans": report.scans,
            "aggregates": report.aggregates, "delivery_payloads": report.payloads}
    ctx.emit(data, lambda: click.echo(
        f"scans before {data['before']}: {report.scans:,} lost their place and scanner; {report.aggregates:,} weekly "
        f"aggregates kept; {report.payloads:,} delivery payloads cleared"))


@click.command("risk")
@click.option("--post", metavar="PARTY", help="Rank the items scanned by this party (an officer's post) instead of open shipments.")
@click.option("--site", help="Rank the items scanned at this site instead of open shipments.")
@click.option("--days", type=click.IntRange(1), default=7, show_default=True, help="With --post/--site: scans of the last DAYS.")
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True)
@click.option("--at", "at", metavar="TIME", help="Score as of this time (default: now).")
@click.option("--for", "for_party", metavar="PARTY", help="Refused unless PARTY is an officer or auditor (targeting is theirs).")
@pass_ctx
def risk(ctx: CliContext, post: str | None, site: str | None, days: int, limit: int, at: str | None, for_party: str | None) -> None:
    """What to inspect first: open shipments (or items scanned at a post) by risk score, with the reasons."""
    engine = ctx.index()
    viewer, _ = _viewer(ctx, engine, for_party)
    if viewer.detail is not Detail.FULL:
        raise NotAllowed(f"{viewer.name} is a brand; the risk ranking is for officers and auditors")
    if post and site:
        raise click.UsageError("give --post PARTY or --site NAME, not both")
    now = _at(at)
    records = load_records(engine, now)
    h = history(records)
    if post or site:
        party = _party(engine, post)[0] if post else None
        scans, items, shipments_of = load_post_scans(engine, now - days * 86_400, now + 1, party, site)
        ranked = item_risks(records, scans, items, shipments_of, h)
        rows = [item_risk_json(n, r) for n, r in enumerate(ranked[:limit], 1)]
        title = f"{len(ranked)} items scanned {'by ' + post if post else 'at ' + str(site)} in the last {days} days"
        key = "code"
    else:
        ranked_s = shipment_risks(records, h)
        rows = [shipment_risk_json(n, r) for n, r in enumerate(ranked_s[:limit], 1)]
        title = f"{len(ranked_s)} open shipments"
        key = "shipment"

    def human() -> None:
        click.echo(f"{title}; network share of items later found bad {100 * h.base:.2f}%")
        for r in rows:
            where = (f"{r['origin']} → {r['destination']} via {r['carrier']}, {r['items']} items" if key == "shipment"
                     else f"{r['brand']}, scanned {r['scanned_at']} ({r['verdict']})")
            click.echo(f"{r['rank']:>4}. score {r['score']:>6.2f}  {r[key]}  {where}")
            for reason in r["reasons"]:
                click.echo(f"        +{reason['points']:<5.2f} {reason['sentence']}")

    ctx.emit(rows, human)
