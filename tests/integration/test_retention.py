"""Retention of raw scans (chain × database): `ledger intel purge` keeps weekly aggregates, removes old places and
scanners, the hotspot and trend analyses give the same counts before and after, and `ledger audit` stays clean."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime
from typing import Any

from click.testing import CliRunner
from sqlalchemy import text

from ledger.audit.auditor import audit
from ledger.chain.roles import Role
from ledger.cli.main import cli
from ledger.codes.identifiers import ItemKey
from ledger.geo import Location
from ledger.index.accounts import Account
from ledger.intel.alerts import AlertKind, remove_subscription, subscribe, watch_once
from ledger.intel.hotspots import Scope, hotspots
from ledger.intel.privacy import Pseudonyms
from ledger.intel.records import ScanGroup, load_directory, load_scan_groups, load_seizures, week_of, week_start
from ledger.intel.retention import boundary, purge
from ledger.intel.trends import trends
from ledger.proofs.events import Action
from ledger.verify.sites import INSPECTION_SITES
from tests.integration._web import GTIN, WebLedger

LAGOS = Location(6.45, 3.39, "Lagos market")
ROTTERDAM = INSPECTION_SITES["Port of Rotterdam"]
SHOP = Location(52.37, 4.90, "Shop")
DAY = 86_400


def code(serial: int | str) -> str:
    return f"(01){GTIN}(21){serial}"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _three_weeks(web: WebLedger) -> tuple[int, int]:
    """Scans over three weeks: clones, a stolen item, a counterfeit code and a seizure in the first; returns the
    Mondays of the second and third weeks."""
    ledger, clock = web.ledger, web.clock
    verifier = web.app.extensions["provenance_verifier"]
    olga = Account("olga", "customs", ledger.party("customs").address, Role.OFFICER)
    for serial in (1, 2):
        verifier.verify(code(serial), ROTTERDAM, olga)
        clock[0] += 3600
        verifier.verify(code(serial), LAGOS)  # an hour later in Lagos: a clone
    ledger.change_status("acme", Action.REPORT_STOLEN, [ItemKey(GTIN, "3")])
    verifier.verify(code(3), SHOP)
    verifier.verify(code(999), LAGOS)  # never registered: counterfeit
    ledger.inspect("customs", [ItemKey(GTIN, "4")], "seized", "Port of Rotterdam (51.9496,4.1453)")
    for serial in range(5, 11):
        verifier.verify(code(serial), SHOP)
        verifier.verify(code(serial))  # without a place
    second = int(week_start(week_of(clock[0]) + 1).timestamp())
    clock[0] = second + 2 * DAY
    for serial in range(5, 11):
        verifier.verify(code(serial), Location(51.44, 5.47, "Eindhoven"), olga)
    verifier.verify(code(998), LAGOS)
    third = int(week_start(week_of(clock[0]) + 1).timestamp())
    clock[0] = third + DAY
    verifier.verify(code(5), SHOP)
    verifier.verify(code(997), LAGOS)
    return second, third


def _groups(groups: list[ScanGroup]) -> list[str]:
    return sorted(repr(g) for g in groups)


def _analyses(web: WebLedger) -> dict[str, Any]:
    engine = web.ledger.engine
    brands = load_directory(engine).brands
    groups, seizures = load_scan_groups(engine), load_seizures(engine)
    found: dict[str, Any] = {"groups": _groups(groups)}
    for resolution in (3, 4, 5, 6):
        found[f"hotspots{resolution}"] = hotspots(groups, seizures, brands, resolution=resolution, min_flags=1, alpha=0.9)
        found[f"trends{resolution}"] = trends(groups, seizures, brands, by_brand=True, by_place=True, resolution=resolution)
    found["trends"] = trends(groups, seizures, brands)
    return found


def _scans(web: WebLedger) -> list[tuple[Any, ...]]:
    with web.ledger.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT id, timestamp, lat, lon, site, party, verdict, reasons FROM scan "
                                                     "ORDER BY id"))]


def test_purge_keeps_the_counts_removes_the_details_and_leaves_the_audit_clean(web: WebLedger) -> None:
    engine, clock = web.ledger.engine, web.clock
    hook, _ = subscribe(engine, "customs", [AlertKind.CLONE], f"http://127.0.0.1:{_closed_port()}/hook", clock[0])
    watch_once(engine, clock[0], Pseudonyms(b"p" * 32))
    second, third = _three_weeks(web)
    # The watcher queued the clone alerts in the first week; their deliveries were cancelled since.
    assert watch_once(engine, second - 1, Pseudonyms(b"p" * 32)) == 2
    remove_subscription(engine, hook.id)
    assert audit(web.ledger).clean
    before = _analyses(web)
    scans_before = _scans(web)
    assert before["hotspots5"].hotspots and before["trends"]  # something to keep

    # Purge the first week (older than 7 days, counted from the third week's Tuesday, is before the second's Monday).
    assert boundary(clock[0], 7) == second
    env = {"LEDGER_HOME": str(web.ledger.settings.home), "LEDGER_DATABASE_URL": web.ledger.settings.database_url}
    at = datetime.fromtimestamp(clock[0], UTC).isoformat()
    result = CliRunner().invoke(cli, ["--json", "intel", "purge", "--older-than", "7", "--at", at], env=env,
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    old = [s for s in scans_before if s[1] < second]
    assert report == {"before": datetime.fromtimestamp(second, UTC).isoformat().replace("+00:00", "Z"), "previous": None,
                      "scans": sum(1 for s in old if s[2] is not None or s[5] is not None), "aggregates": report["aggregates"],
                      "delivery_payloads": 2}
    assert report["aggregates"] == len({repr(g) for g in load_scan_groups(engine, 0, second)})

    # Places and scanners are gone before the boundary, kept after it; verdicts and reasons stay on every scan.
    after_scans = _scans(web)
    assert [(s[0], s[1], s[6], s[7]) for s in after_scans] == [(s[0], s[1], s[6], s[7]) for s in scans_before]
    assert all(s[2:6] == (None, None, "", None) for s in after_scans if s[1] < second)
    assert [s for s in after_scans if s[1] >= second] == [s for s in scans_before if s[1] >= second]
    with engine.connect() as conn:
        payloads = {str(p) for (p,) in conn.execute(text("SELECT payload FROM delivery"))}
    assert payloads == {'{"purged":true}'}

    assert _analyses(web) == before  # the same counts, from aggregates for the purged week
    assert audit(web.ledger).clean  # scans are not anchored: nothing the audit checks was touched

    # Periods on week bounds read the aggregates and the raw scans alike.
    brands = load_directory(engine).brands
    for since, until in ((0, second), (second, 2**62), (0, third), (second, third)):
        groups = load_scan_groups(engine, since, until)
        rows = trends(groups, load_seizures(engine, since, until), brands, Scope(since=since, until=until))
        assert rows == before_trends(before, since, until)

    # A purge again is a no-op; a later one aggregates only the week since.
    again = purge(engine, second, clock[0])
    assert (again.scans, again.aggregates, again.previous) == (0, 0, second)
    later = purge(engine, third, clock[0] + 7 * DAY)
    assert later.previous == second and later.aggregates > 0 and later.scans == sum(
        1 for s in scans_before if second <= s[1] < third and (s[2] is not None or s[5] is not None))
    assert _analyses(web) == before
    assert audit(web.ledger).clean
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM scan WHERE timestamp < :t AND (lat IS NOT NULL OR party IS NOT NULL)"),
                            {"t": third}).scalar_one() == 0


def before_trends(before: dict[str, Any], since: int, until: int) -> list[Any]:
    """The whole-ledger weekly trend rows of the weeks in [since, until), as computed before any purge."""
    first, end = week_of(since), week_of(until - 1) if until < 2**62 else 10**9
    return [t for t in before["trends"]
            if first <= week_of(int(datetime.fromisoformat(t.week).replace(tzinfo=UTC).timestamp())) <= end]
