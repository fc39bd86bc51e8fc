"""Intelligence pages: the "inspect first" list for officers, and the dashboard with its downloads.

Thin views over :mod:`ledger.intel` (the same scores, hotspots, lanes and trends as ``ledger risk``
and ``ledger intel``). Who sees what is :mod:`ledger.intel.privacy`'s rule: officers and auditors
see every brand, a brand its own goods only, custodians nothing (403). The dashboard's map and
charts are drawn in the browser from ``/intel/dashboard.json`` with libraries the app serves itself
(``static/vendor``: d3-geo, topojson-client, uPlot, Natural Earth countries from world-atlas);
nothing is fetched from elsewhere.

The analyses read the whole index, so their inputs (records, histories, scan groups, seizures) and
results per scope are kept per worker and, once a minute old, reloaded in the background while the old
ones are served (:class:`_Slot`): a page that refreshes does not redo them, and only a worker's first
request waits for the index.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for

from ledger.chain.roles import Role
from ledger.codes.signature import BrandDirectory
from ledger.errors import InvalidInput
from ledger.intel.export import (
    MAX_ROWS,
    cells_geojson,
    hotspots_csv,
    hotspots_geojson,
    lanes_csv,
    lanes_geojson,
    places_of,
    trends_csv,
    trends_geojson,
)
from ledger.intel.hotspots import MAX_RESOLUTION, HotspotReport, Scope, hotspots
from ledger.intel.lanes import Lane, lanes
from ledger.intel.privacy import Detail, Viewer, viewer_for
from ledger.intel.records import (
    Records,
    ScanGroup,
    Seizure,
    load_directory,
    load_post_scans,
    load_records,
    load_scan_groups,
    load_seizures,
)
from ledger.intel.report import trend_json
from ledger.intel.risk import History, history, item_risks, shipment_risks
from ledger.intel.trends import TrendRow, trends

from .auth import require_account
from .context import current_account, ledger

__all__ = ["blueprint"]

log = logging.getLogger(__name__)

blueprint = Blueprint("intel", __name__)

_CACHE_SECONDS = 60.0
_LIMIT = 25
_LANES_SHOWN = 20
_MAP_RESOLUTION = 4  # scan volume on the map: cells of about 1,770 km²
_MAP_CELLS = 2_000
_EXTENSION = "provenance_intel_cache"
_VIEWERS = (Role.OFFICER, Role.AUDITOR, Role.ADMIN, Role.BRAND)
T = TypeVar("T")


@dataclass(frozen=True)
class _Analysis:
    records: Records
    history: History
    results: dict[Hashable, Any] = field(default_factory=dict)  # per scope and analysis, made from these records


@dataclass(frozen=True)
class _Scans:
    groups: list[ScanGroup]
    seizures: list[Seizure]
    brands: BrandDirectory
    results: dict[Hashable, Any] = field(default_factory=dict)  # per scope and analysis, made from these inputs


class _Slot(Generic[T]):
    """One cached input of the analyses, per worker.

    The first request loads it (others arriving meanwhile wait for that load rather than repeat it). After
    :data:`_CACHE_SECONDS` the next request starts a reload in a background thread and is served the value
    it has; so, once loaded, no request waits for the index to be read again. A reload that fails (the
    database away) keeps the old value and is tried again by the next request.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.value: T | None = None
        self.made = 0.0
        self.reloading = False

    def get(self, load: Callable[[], T]) -> T:
        with self.lock:
            if self.value is None:
                self.value, self.made = load(), time.monotonic()
            elif time.monotonic() - self.made >= _CACHE_SECONDS and not self.reloading:
                self.reloading = True
                threading.Thread(target=self._reload, args=(load,), name="intel-reload", daemon=True).start()
            return self.value

    def _reload(self, load: Callable[[], T]) -> None:
        value: T | None = None
        try:
            value = load()
        except Exception:  # noqa: BLE001  the old value stays; the next request tries again
            log.warning("reloading the intelligence cache failed; serving the previous results", exc_info=True)
        with self.lock:
            if value is not None:
                self.value, self.made = value, time.monotonic()
            self.reloading = False


class _Cache:
    def __init__(self) -> None:
        self.analysis: _Slot[_Analysis] = _Slot()
        self.scans: _Slot[_Scans] = _Slot()


def _cache() -> _Cache:
    cache: _Cache = current_app.extensions.setdefault(_EXTENSION, _Cache())  # dict.setdefault is atomic
    return cache


def _analysis() -> _Analysis:
    """Records and histories (inspect first, lanes)."""
    engine, clock = ledger().engine, ledger().clock  # read here: the reload thread has no app context

    def load() -> _Analysis:
        records = load_records(engine, clock())
        return _Analysis(records, history(records))

    return _cache().analysis.get(load)


def _scans() -> _Scans:
    """Scan groups, seizures and the brands (hotspots, trends, the map)."""
    engine = ledger().engine
    return _cache().scans.get(lambda: _Scans(load_scan_groups(engine), load_seizures(engine), load_directory(engine).brands))


def _memo(results: dict[Hashable, Any], key: Hashable, make: Callable[[], T]) -> T:
    if key not in results:  # two threads may both make it; the results are the same
        results[key] = make()
    found: T = results[key]
    return found


@blueprint.get("/inspect-first")
@require_account(Role.OFFICER, Role.AUDITOR, action="see what to inspect first")
def inspect_first() -> str:
    account = current_account()
    assert account is not None
    raw_days = request.args.get("days", "7")
    if not raw_days.isdigit() or not 1 <= int(raw_days) <= 90:
        raise InvalidInput("days", raw_days[:20], "is not a number of days from 1 to 90", "e.g. 7")
    days = int(raw_days)
    analysis = _analysis()
    now = ledger().clock()
    scans, items, shipments_of = load_post_scans(ledger().engine, now - days * 86_400, now + 1, party=account.address)
    return render_template("inspect_first.html", account=account, days=days, base=analysis.history.base,
                           shipments=shipment_risks(analysis.records, analysis.history)[:_LIMIT],
                           items=item_risks(analysis.records, scans, items, shipments_of, analysis.history)[:_LIMIT])


# -- the dashboard ------------------------------------------------------------------------------


def _viewer() -> Viewer:
    account = current_account()
    assert account is not None
    return viewer_for(account.role, account.address, account.party)


def _day(name: str) -> int | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return int(datetime.combine(date.fromisoformat(raw), datetime.min.time(), UTC).timestamp())
    except ValueError:
        raise InvalidInput(name, raw[:40], "is not a date", "YYYY-MM-DD") from None


def _number(name: str, default: int, low: int, high: int, what: str) -> int:
    raw = request.args.get(name, "").strip() or str(default)
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise InvalidInput(name, raw[:20], f"is not {what} from {low} to {high}", f"e.g. {default}")
    return int(raw)


def _scope(viewer: Viewer, brands: BrandDirectory) -> Scope:
    """The scope the query string asks for (``brand`` by name, ``since``/``until`` as dates), narrowed to the viewer's."""
    address = None
    name = request.args.get("brand", "").strip()
    if name:
        brand = next((b for b in brands.brands if b.name == name), None)
        if brand is None:
            raise InvalidInput("brand", name[:80], "is not a brand on this ledger",
                               " or ".join(b.name for b in brands.brands) or "a brand's name")
        address = brand.address
    since, until = _day("since"), _day("until")
    if since is not None and until is not None and since >= until:
        raise InvalidInput("until", request.args["until"], "is not after since", "a later day than since")
    return viewer.scope(Scope(address, None, since, until))


def _query() -> dict[str, str]:
    """The query string's scope, as given (for links to downloads and data; :func:`_scope` has checked it)."""
    return {name: request.args[name].strip() for name in ("brand", "since", "until") if request.args.get(name, "").strip()}


def _lanes(analysis: _Analysis, scope: Scope) -> list[Lane]:
    return _memo(analysis.results, ("lanes", scope), lambda: lanes(analysis.records, scope))


def _hotspots(scans: _Scans, scope: Scope, resolution: int = 5) -> HotspotReport:
    return _memo(scans.results, ("hotspots", scope, resolution),
                 lambda: hotspots(scans.groups, scans.seizures, scans.brands, scope, resolution))


def _trends(scans: _Scans, scope: Scope, by: str, resolution: int = 3) -> list[TrendRow]:
    return _memo(scans.results, ("trends", scope, by, resolution),
                 lambda: trends(scans.groups, scans.seizures, scans.brands, scope, by_brand=by == "brand",
                                by_place=by == "place", resolution=resolution))


@blueprint.get("/intel")
@require_account(*_VIEWERS, action="see the intelligence dashboard")
def dashboard() -> str:
    viewer = _viewer()
    analysis = _analysis()
    brands = analysis.records.brands
    scope = _scope(viewer, brands)
    query = _query()
    found = _lanes(analysis, scope)
    return render_template("dashboard.html", account=current_account(), viewer=viewer, query=query,
                           brands=[b.name for b in brands.brands] if viewer.detail is Detail.FULL else [],
                           lanes=found[:_LANES_SHOWN], lanes_total=len(found), base=analysis.history.base,
                           data_url=url_for("intel.dashboard_data") + (f"?{urlencode(query)}" if query else ""),
                           max_rows=MAX_ROWS, brand_name=analysis.records.name(scope.brand) if scope.brand else None)


@blueprint.get("/intel/dashboard.json")
@require_account(*_VIEWERS, action="see the intelligence dashboard")
def dashboard_data() -> Response:
    """What the map and the charts draw: weekly counts, scan volume and seizures per cell, hotspot cells."""
    viewer = _viewer()
    scans = _scans()
    scope = _scope(viewer, scans.brands)
    weekly = _trends(scans, scope, "")
    by_cell = _trends(scans, scope, "place", _MAP_RESOLUTION)
    report = _hotspots(scans, scope)
    body = ('{"weeks":' + _json([trend_json(t) for t in weekly])
            + ',"cells":' + cells_geojson(by_cell, _MAP_CELLS)
            + ',"hotspots":' + hotspots_geojson(report, _MAP_CELLS)
            + ',"rate":' + _json(report.rate) + "}")
    return Response(body, mimetype="application/json", headers={"Cache-Control": "private, max-age=60"})


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


_DOWNLOADS = {("hotspots", "csv"), ("hotspots", "geojson"), ("lanes", "csv"), ("lanes", "geojson"), ("trends", "csv"),
              ("trends", "geojson")}
_TYPES = {"csv": "text/csv; charset=utf-8; header=present", "geojson": "application/geo+json"}


@blueprint.get("/intel/<name>.<fmt>")
@require_account(*_VIEWERS, action="download intelligence")
def download(name: str, fmt: str) -> Response:
    """Hotspots, lanes or trends as CSV or GeoJSON, for the scope of the query string, at most ``limit`` rows."""
    if (name, fmt) not in _DOWNLOADS:
        abort(404, f"no download {name}.{fmt}: hotspots, lanes or trends, as .csv or .geojson")
    viewer = _viewer()
    limit = _number("limit", MAX_ROWS, 1, MAX_ROWS, "a number of rows")
    if name == "lanes":
        analysis = _analysis()
        found = _lanes(analysis, _scope(viewer, analysis.records.brands))
        places = _memo(analysis.results, "places", lambda: places_of(analysis.records.shipments))
        body = lanes_csv(found, limit) if fmt == "csv" else lanes_geojson(found, places, limit)
    elif name == "hotspots":
        resolution = _number("resolution", 5, 0, MAX_RESOLUTION, "an H3 resolution")
        scans = _scans()
        report = _hotspots(scans, _scope(viewer, scans.brands), resolution)
        body = hotspots_csv(report, limit) if fmt == "csv" else hotspots_geojson(report, limit)
    else:
        by = request.args.get("by", "").strip()
        if by not in ("", "brand", "place"):
            raise InvalidInput("by", by[:20], "is not a way to split trends", "brand or place (or nothing: all)")
        scans = _scans()
        rows = _trends(scans, _scope(viewer, scans.brands), by)
        body = trends_csv(rows, limit) if fmt == "csv" else trends_geojson(rows, limit)
    day = datetime.fromtimestamp(ledger().clock(), UTC).date().isoformat()
    return Response(body, content_type=_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}-{day}.{fmt}"',
                             "Cache-Control": "private, no-store"})
