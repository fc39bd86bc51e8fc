"""ledger.intel's analyses on small hand-built tables with known answers (no database)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.chain.roles import Role
from ledger.codes.signature import Brand, BrandDirectory
from ledger.errors import InvalidInput, NotAllowed, RoleError
from ledger.geo import Location
from ledger.intel.clones import clone_rings, cloned_codes
from ledger.intel.hotspots import Scope, cell_of, hotspots
from ledger.intel.lanes import LaneKey, lanes, outcomes
from ledger.intel.privacy import Detail, Pseudonyms, Viewer, shown_scan, viewer_for
from ledger.intel.records import (
    Flag,
    FlagKind,
    ItemInfo,
    PartyInfo,
    Records,
    ScanGroup,
    ScanRow,
    Seizure,
    ShipmentRow,
    flag_of_scan,
    parse_place,
    week_of,
)
from ledger.intel.risk import ITEM_WEIGHTS, item_risks, shipment_risks
from ledger.intel.stats import excess_p_value
from ledger.intel.trends import trends
from ledger.intel.webhooks import check_signature, sign
from ledger.proofs.inspections import InspectionOutcome

ACME, BOLT = "0x" + "a1" * 20, "0x" + "b2" * 20
TRUCK, VAN, SHOP, DEPOT = "0x" + "c3" * 20, "0x" + "d4" * 20, "0x" + "e5" * 20, "0x" + "f6" * 20
ACME_GTIN, BOLT_GTIN = "09521234543213", "80614141123458"
BRANDS = BrandDirectory((Brand("acme", ACME, ("9521234",)), Brand("bolt", BOLT, ("0614141",))))
T0 = 1_780_000_000  # Thursday 2026-05-28
ROTTERDAM, LYON, LAGOS = (51.92, 4.48), (45.76, 4.84), (6.45, 3.39)


def group(place: tuple[float, float], scans: int, flagged: int = 0, gtin: str = ACME_GTIN, week: int = week_of(T0),
          site: str = "") -> ScanGroup:
    return ScanGroup(gtin, place[0], place[1], week, scans, suspect=flagged, flagged=flagged, site=site)


# -- places and flags -------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("Port of Rotterdam (51.9496,4.1453)", Location(51.9496, 4.1453, "Port of Rotterdam")),
    ("51.9,4.1", Location(51.9, 4.1, "")),
    ("-33.92, 18.42", Location(-33.92, 18.42, "")),
    ("Port of Antwerp", Location(51.2637, 4.3999, "Port of Antwerp")),  # a known inspection site
    ("Antwerp", None),
    ("", None),
    ("99.0,4.0", None),  # no latitude 99
])
def test_places_from_event_locations(text: str, expected: Location | None) -> None:
    assert parse_place(text) == expected


@pytest.mark.parametrize(("verdict", "reasons", "kinds"), [
    ("genuine", "", []),
    ("counterfeit", "UNREGISTERED", [FlagKind.COUNTERFEIT]),
    ("suspect", "CLONE_IMPOSSIBLE_TRAVEL", [FlagKind.CLONE]),
    ("suspect", "TOO_MANY_LOCATIONS", [FlagKind.CLONE]),
    ("suspect", "CUSTODY_MISMATCH,REPORTED_STOLEN", [FlagKind.SUSPECT, FlagKind.STOLEN_SCANNED]),
    ("genuine", "REPORTED_STOLEN", [FlagKind.STOLEN_SCANNED]),
    ("genuine", "RECALLED,EXPIRED", [FlagKind.RECALLED]),
])
def test_flags_of_a_scan(verdict: str, reasons: str, kinds: list[FlagKind]) -> None:
    assert flag_of_scan(verdict, reasons) == kinds


# -- hotspots ---------------------------------------------------------------------------------


def test_a_quiet_place_with_many_flags_is_a_hotspot_a_busy_one_in_proportion_is_not() -> None:
    groups = [group(ROTTERDAM, 10_000, 100),  # 1 %: the network's norm, however many flags that is
              group(LYON, 5_000, 50),
              group(LAGOS, 60, 12)]  # 20 %
    report = hotspots(groups, [], BRANDS)
    assert [h.cell for h in report.hotspots] == [cell_of(*LAGOS, 5)]
    lagos = report.hotspots[0]
    assert (lagos.scans, lagos.flagged_scans, lagos.seizures) == (60, 12, 0)
    assert lagos.expected == pytest.approx(60 * 162 / 15_060)
    assert lagos.q_value <= 0.05 and lagos.ratio > 10


def test_seizures_count_with_the_scans_of_their_cell() -> None:
    seized = [Seizure(f"0x{n:064x}", ACME_GTIN, T0, Location(*LAGOS, "Lagos port"), InspectionOutcome.SEIZED, f"event:{n}")
              for n in range(6)]
    report = hotspots([group(ROTTERDAM, 10_000, 100), group(LAGOS, 30, 0)], seized, BRANDS)
    (lagos,) = report.hotspots
    assert (lagos.scans, lagos.flagged_scans, lagos.seizures, lagos.place) == (30, 0, 6, "Lagos port")


def test_few_flags_are_not_reported_however_unlikely() -> None:
    report = hotspots([group(ROTTERDAM, 100_000, 10), group(LAGOS, 2, 2)], [], BRANDS, min_flags=3)
    assert report.hotspots == ()


def test_hotspots_per_brand_product_and_period() -> None:
    later = week_of(T0) + 2
    groups = [group(ROTTERDAM, 10_000, 100), group(LAGOS, 50, 20),  # acme's hotspot, this week
              group(ROTTERDAM, 10_000, 100, gtin=BOLT_GTIN), group(LYON, 50, 20, gtin=BOLT_GTIN, week=later)]
    assert [h.cell for h in hotspots(groups, [], BRANDS, Scope(brand=ACME)).hotspots] == [cell_of(*LAGOS, 5)]
    assert [h.cell for h in hotspots(groups, [], BRANDS, Scope(gtin=BOLT_GTIN)).hotspots] == [cell_of(*LYON, 5)]
    week_after = T0 + 14 * 86_400
    assert [h.cell for h in hotspots(groups, [], BRANDS, Scope(until=week_after - 7 * 86_400)).hotspots] == [cell_of(*LAGOS, 5)]


@pytest.mark.parametrize(("kwargs", "field"), [({"resolution": 7}, "resolution"), ({"resolution": -1}, "resolution"),
                                               ({"alpha": 0.0}, "alpha"), ({"alpha": 1.5}, "alpha")])
def test_hotspot_parameters_are_checked(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        hotspots([], [], BRANDS, **kwargs)  # type: ignore[arg-type]
    assert error.value.field == field


_places = st.tuples(st.floats(-60, 60), st.floats(-170, 170))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(_places, st.integers(50, 20_000)), min_size=1, max_size=12), st.floats(0.001, 0.2))
def test_flags_in_proportion_to_volume_are_never_hotspots(cells: list[tuple[tuple[float, float], int]], rate: float) -> None:
    groups = [group(place, n, int(n * rate)) for place, n in cells]
    assert hotspots(groups, [], BRANDS).hotspots == ()


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 500), st.integers(1, 500), st.floats(0.0001, 0.5))
def test_more_flags_never_make_a_cell_less_surprising(flagged: int, extra: int, rate: float) -> None:
    total = flagged + extra + 10
    assert excess_p_value(flagged + 1, total, rate) <= excess_p_value(flagged, total, rate)


# -- lanes ------------------------------------------------------------------------------------


def parties() -> dict[str, PartyInfo]:
    return {ACME: PartyInfo(ACME, "acme", Role.BRAND), BOLT: PartyInfo(BOLT, "bolt", Role.BRAND),
            TRUCK: PartyInfo(TRUCK, "truck", Role.CARRIER), VAN: PartyInfo(VAN, "van", Role.CARRIER),
            SHOP: PartyInfo(SHOP, "shop", Role.RETAILER), DEPOT: PartyInfo(DEPOT, "depot", Role.DISTRIBUTOR)}


def item(n: int, brand: str = ACME, batch: str = "0xbatch1") -> ItemInfo:
    gtin = ACME_GTIN if brand == ACME else BOLT_GTIN
    return ItemInfo(f"0xi{n}", f"/01/{gtin}/21/{n}", gtin, brand, batch)


def shipment(root: str, sender: str, receiver: str, count: int, origin: str, destination: str, at: int = T0,
             state: str = "received", brands: tuple[tuple[str, int], ...] | None = None) -> ShipmentRow:
    carrier = next((a for a in (sender, receiver) if a in (TRUCK, VAN)), None)
    return ShipmentRow(root, sender, receiver, count, at, origin, destination, carrier, state,
                       brands if brands is not None else ((ACME, count),))


def records(shipments: list[ShipmentRow], flags: list[Flag], shipped: list[tuple[str, str]], items: list[ItemInfo],
            now: int = T0 + 90 * 86_400) -> Records:
    return Records(now, parties(), BRANDS, shipments, flags, shipped, {i.item_id: i for i in items})


def test_lane_share_counts_items_found_bad_after_the_shipment_left() -> None:
    rows = [shipment("0xs1", ACME, TRUCK, 10, "Plant", "Depot", at=T0),
            shipment("0xs2", TRUCK, SHOP, 10, "Depot", "Shop", at=T0 + 86_400)]
    flags = [Flag("0xi1", T0 + 5 * 86_400, FlagKind.CLONE, "scan:1"),  # after both shipments
             Flag("0xi2", T0 + 3600, FlagKind.STOLEN, "event:0xe2"),  # after s1, before s2
             Flag("0xi3", T0 - 3600, FlagKind.SEIZED, "event:0xe3"),  # before both: no finding about either lane
             Flag("0xi4", T0 + 5 * 86_400, FlagKind.RECALLED, "event:0xe4")]  # a recall is no finding about the goods
    shipped = [(s, f"0xi{n}") for s in ("0xs1", "0xs2") for n in (1, 2, 3, 4)]
    done = outcomes(records(rows, flags, shipped, [item(n) for n in (1, 2, 3, 4)]))
    assert done["0xs1"].bad_items == ("0xi1", "0xi2") and done["0xs1"].sources == ("event:0xe2", "scan:1")
    assert done["0xs2"].bad_items == ("0xi1",)
    assert dict(done["0xs1"].kinds) == {FlagKind.CLONE: 1, FlagKind.STOLEN: 1}
    found = lanes(records(rows, flags, shipped, [item(n) for n in (1, 2, 3, 4)]))
    assert [(lane.origin, lane.destination, lane.carrier, lane.rate.bad, lane.rate.items) for lane in found] == [
        ("Plant", "Depot", "truck", 2, 10), ("Depot", "Shop", "truck", 1, 10)]


def test_a_big_bad_lane_outranks_a_tiny_one_with_one_bad_item() -> None:
    rows = [shipment(f"0xbig{n}", TRUCK, SHOP, 100, "Depot", "Shop") for n in range(10)]  # 1,000 items, 100 bad
    rows += [shipment("0xtiny", VAN, SHOP, 1, "Yard", "Shop")]  # 1 item, bad
    rows += [shipment(f"0xok{n}", VAN, DEPOT, 100, "Yard", "Depot") for n in range(50)]  # 5,000 items, 10 bad
    bad = [(f"0xbig{n}", f"0xb{n}_{k}") for n in range(10) for k in range(10)] + [("0xtiny", "0xt")]
    bad += [(f"0xok{n}", f"0xo{n}") for n in range(10)]
    flags = [Flag(i, T0 + 86_400, FlagKind.SUSPECT, f"scan:{n}") for n, (_, i) in enumerate(bad)]
    found = lanes(records(rows, flags, bad, []))
    assert [lane.key for lane in found] == [LaneKey("Depot", "Shop", TRUCK), LaneKey("Yard", "Shop", VAN),
                                            LaneKey("Yard", "Depot", VAN)]
    assert found[1].rate.share == 1.0 and found[0].rate.shrunk > found[1].rate.shrunk
    assert found[0].q_value < 1e-10 and found[1].rate.p_value == pytest.approx(111 / 6001)  # one item: P(bad) = the share


def test_lanes_of_one_brand_count_only_its_items() -> None:
    rows = [shipment("0xs1", TRUCK, SHOP, 10, "Depot", "Shop", brands=((ACME, 4), (BOLT, 6)))]
    flags = [Flag("0xi1", T0 + 1, FlagKind.CLONE, "scan:1"), Flag("0xi2", T0 + 1, FlagKind.CLONE, "scan:2")]
    its = [item(1, ACME), item(2, BOLT)]
    (acme,) = lanes(records(rows, flags, [("0xs1", "0xi1"), ("0xs1", "0xi2")], its), Scope(brand=ACME))
    assert (acme.rate.items, acme.rate.bad) == (4, 1)
    with pytest.raises(InvalidInput):
        lanes(records(rows, flags, [], its), Scope(gtin=ACME_GTIN))


# -- risk -------------------------------------------------------------------------------------


def test_open_shipments_scored_by_histories_and_their_items_records() -> None:
    history_rows = [shipment(f"0xh{n}", TRUCK, SHOP, 100, "Depot", "Shop") for n in range(10)]
    history_rows += [shipment(f"0xg{n}", VAN, DEPOT, 100, "Yard", "Warehouse") for n in range(10)]
    bad = [(f"0xh{n}", f"0xb{n}_{k}") for n in range(10) for k in range(20)]  # truck's lane: 20 % found bad
    bad += [("0xg0", "0xgood-but-one")]
    open_rows = [shipment("0xopen-bad-lane", TRUCK, SHOP, 50, "Depot", "Shop", at=T0 + 30 * 86_400, state="open"),
                 shipment("0xopen-stolen", VAN, DEPOT, 50, "Yard", "Warehouse", at=T0 + 30 * 86_400, state="open"),
                 shipment("0xopen-clean", VAN, DEPOT, 50, "Yard", "Warehouse", at=T0 + 31 * 86_400, state="open")]
    flags = [Flag(i, T0 + 86_400, FlagKind.SUSPECT, f"scan:{n}") for n, (_, i) in enumerate(bad)]
    flags += [Flag("0xhot", T0 + 20 * 86_400, FlagKind.STOLEN, "event:0xtheft")]
    shipped = [*bad, ("0xopen-stolen", "0xhot")]
    ranked = shipment_risks(records(history_rows + open_rows, flags, shipped, []))
    assert [r.root for r in ranked] == ["0xopen-stolen", "0xopen-bad-lane", "0xopen-clean"]
    stolen, lane, clean = ranked
    assert [(r.code, r.records) for r in stolen.reasons] == [("ITEMS_STOLEN", ("event:0xtheft",))]
    assert stolen.reasons[0].points == ITEM_WEIGHTS[FlagKind.STOLEN]
    assert "1 of 50 items: reported stolen" in stolen.reasons[0].sentence
    assert {r.code for r in lane.reasons} >= {"LANE", "CARRIER", "SENDER", "RECEIVER"}
    lane_reason = next(r for r in lane.reasons if r.code == "LANE")
    assert "200 of 1,000 items shipped (20.0%)" in lane_reason.sentence and "0xh9" in lane_reason.records
    assert lane.score == pytest.approx(sum(r.points for r in lane.reasons), abs=0.01)
    assert clean.score == 0 and clean.reasons == ()


def test_items_scanned_at_a_post_ranked_with_their_records() -> None:
    rows = [shipment("0xs1", TRUCK, SHOP, 10, "Depot", "Shop")]
    flags = [Flag("0xi1", T0, FlagKind.RECALLED, "event:0xrecall"), Flag("0xi1", T0, FlagKind.CLONE, "scan:7")]
    recs = records(rows, flags, [("0xs1", "0xi1")], [item(1)], now=T0 + 86_400)
    scans = [ScanRow(8, "0xi1", item(1).key, T0 + 100, None, TRUCK, "suspect", ("CLONE_IMPOSSIBLE_TRAVEL",)),
             ScanRow(9, "0xi2", item(2).key, T0 + 200, None, TRUCK, "genuine", ()),
             ScanRow(10, "0xfake", "/01/09521234543213/21/F1", T0 + 300, None, TRUCK, "counterfeit", ("UNREGISTERED",))]
    ranked = item_risks(recs, scans, {"0xi1": item(1), "0xi2": item(2)}, {"0xi1": ["0xs1"], "0xi2": ["0xs1"]})
    assert [r.scan.id for r in ranked] == [8, 10, 9]
    assert [r.code for r in ranked[0].reasons] == ["ITEMS_CLONE", "ITEMS_RECALLED"]
    assert ranked[1].reasons[0].code == "UNREGISTERED" and ranked[1].reasons[0].records == ("scan:10",)
    assert ranked[2].score == 0


# -- clones -----------------------------------------------------------------------------------


def scan(n: int, item_id: str, place: tuple[float, float], at: int, clone: bool = False) -> ScanRow:
    return ScanRow(n, item_id, f"/01/{ACME_GTIN}/21/{item_id[3:]}", at, Location(*place), None,
                   "suspect" if clone else "genuine", ("CLONE_IMPOSSIBLE_TRAVEL",) if clone else ())


def test_codes_of_one_batch_cloned_in_one_place_form_a_ring() -> None:
    scans = [scan(1, "0xi1", ROTTERDAM, T0), scan(2, "0xi1", LAGOS, T0 + 3600, clone=True),
             scan(3, "0xi2", LYON, T0), scan(4, "0xi2", LAGOS, T0 + 7200, clone=True),
             scan(5, "0xi3", ROTTERDAM, T0), scan(6, "0xi3", (40.4, -3.7), T0 + 3600, clone=True),  # cloned elsewhere
             scan(7, "0xi4", ROTTERDAM, T0), scan(8, "0xi4", LAGOS, T0 + 3600, clone=True),  # another batch
             scan(9, "0xi5", ROTTERDAM, T0)]  # one genuine scan
    items = {f"0xi{n}": item(n, batch="0xbatch1" if n < 4 else "0xbatch2") for n in range(1, 6)}
    codes = cloned_codes(scans, items)
    assert sorted(c.item_id for c in codes) == ["0xi1", "0xi2", "0xi3", "0xi4"]
    (ring,) = clone_rings(codes)
    assert ring.batch == "0xbatch1" and ring.codes == (items["0xi1"].key, items["0xi2"].key)
    assert ring.cells == (cell_of(*LAGOS, 4),) and ring.scans == 4


def test_codes_seen_at_many_places_without_alerts() -> None:
    places = [ROTTERDAM, LYON, LAGOS, (40.4, -3.7), (52.5, 13.4)]
    scans = [scan(n, "0xi1", p, T0 + n * 86_400) for n, p in enumerate(places)]
    (code,) = cloned_codes(scans, {"0xi1": item(1)}, min_places=5)
    assert (code.places, code.clone_alerts, code.scan_ids) == (5, 0, (0, 1, 2, 3, 4))
    assert cloned_codes(scans, {"0xi1": item(1)}, min_places=6) == []
    assert clone_rings([code]) == []  # no clone alert: nothing links it to others


# -- trends -----------------------------------------------------------------------------------


def test_weekly_counts_and_rates_per_brand() -> None:
    w = week_of(T0)
    groups = [group(ROTTERDAM, 100, 5, week=w), group(LYON, 100, 0, week=w), group(ROTTERDAM, 50, 10, gtin=BOLT_GTIN, week=w),
              group(ROTTERDAM, 200, 2, week=w + 1)]
    seized = [Seizure("0xz", ACME_GTIN, T0 + 7 * 86_400, None, InspectionOutcome.SEIZED, "event:0xz")]
    rows = trends(groups, seized, BRANDS, by_brand=True)
    assert [(t.week, t.brand, t.scans, t.flagged, t.seizures) for t in rows] == [
        ("2026-05-25", "acme", 200, 5, 0), ("2026-05-25", "bolt", 50, 10, 0), ("2026-06-01", "acme", 200, 3, 1)]
    assert rows[2].rate == pytest.approx(3 / 201)
    by_place = trends(groups, [], BRANDS, Scope(brand=ACME), by_place=True)
    assert {(t.week, t.scans) for t in by_place} == {("2026-05-25", 100), ("2026-06-01", 200)}
    assert len(by_place) == 3


# -- who sees what ----------------------------------------------------------------------------


def test_a_brand_sees_cells_and_pseudonyms_an_officer_sees_places_and_parties() -> None:
    row = ScanRow(5, "0xi1", item(1).key, T0, Location(51.9496, 4.1453, "Port of Rotterdam"), TRUCK, "suspect",
                  ("CUSTODY_MISMATCH",))
    names = {TRUCK: "truck"}
    pseudonyms = Pseudonyms(b"k" * 32)
    brand = shown_scan(row, viewer_for(Role.BRAND, ACME, "acme"), names, pseudonyms)
    officer = shown_scan(row, viewer_for(Role.OFFICER, "0x01", "customs"), names, pseudonyms)
    assert officer["place"] == {"lat": 51.9496, "lon": 4.1453, "site": "Port of Rotterdam"} and officer["scanner"] == "truck"
    assert brand["place"] == {"cell": cell_of(51.9496, 4.1453, 5)}
    assert brand["scanner"].startswith("scanner-") and TRUCK[2:12] not in brand["scanner"] and "truck" not in str(brand)
    assert brand["scanner"] == pseudonyms.of(TRUCK) != Pseudonyms(b"j" * 32).of(TRUCK)  # stable, keyed
    public = shown_scan(ScanRow(6, "0xi1", item(1).key, T0, None, None, "genuine", ()), viewer_for(Role.BRAND, ACME, "acme"),
                        names, pseudonyms)
    assert public["scanner"] == "public" and public["place"] is None


def test_sharing_rules_narrow_the_scope() -> None:
    acme = Viewer(Detail.BRAND, "acme", ACME)
    assert acme.scope(Scope()) == Scope(brand=ACME)
    assert acme.scope(Scope(brand=ACME, since=T0)) == Scope(brand=ACME, since=T0)
    with pytest.raises(NotAllowed):
        acme.scope(Scope(brand=BOLT))
    for role in (Role.CARRIER, Role.DISTRIBUTOR, Role.RETAILER):
        with pytest.raises(RoleError):
            viewer_for(role, TRUCK, "truck")


def test_a_carrier_shipping_on_part_of_a_consignment_is_a_reason() -> None:
    rows = [shipment("0xin", ACME, TRUCK, 80, "Plant", "Depot", state="received"),
            shipment("0xshort", TRUCK, SHOP, 60, "Depot", "Shop", at=T0 + 86_400, state="open"),
            shipment("0xin2", ACME, DEPOT, 50, "Plant", "Warehouse", state="received"),
            shipment("0xsplit", DEPOT, SHOP, 25, "Warehouse", "Shop", at=T0 + 86_400, state="open")]  # distributors split
    recs = Records(T0 + 2 * 86_400, parties(), BRANDS, rows, [], [], {},
                   {"0xshort": (("0xin", 80, 60),), "0xsplit": (("0xin2", 50, 25),)})
    short, split = shipment_risks(recs)
    assert (short.root, split.root, split.score) == ("0xshort", "0xsplit", 0)
    (reason,) = short.reasons
    assert (reason.code, reason.points, reason.records) == ("HELD_BACK", 3.0, ("0xin",))
    assert reason.sentence == "truck ships on 60 of the 80 items it received in one shipment; 20 not shipped on"


# Printable only: a place name with a no-break space (also "Zs") is refused when written.
_sites = (st.text(st.characters(whitelist_categories=("L", "N", "Zs"), max_codepoint=0x2FF), max_size=40)
          .map(str.strip).filter(str.isprintable))


@given(_sites, st.floats(-90, 90), st.floats(-180, 180))
def test_places_written_as_the_ledger_writes_them_read_back(site: str, lat: float, lon: float) -> None:
    written = Location(round(lat, 4), round(lon, 4), site).label  # "Site (lat,lon)" or "lat,lon", as custody events keep it
    assert parse_place(written) == Location(round(lat, 4), round(lon, 4), site)


@given(st.binary(max_size=2_000), st.binary(min_size=32, max_size=32), st.integers(0, 2**40), st.integers(-300, 300))
def test_webhook_signatures_check_out_and_any_change_breaks_them(body: bytes, secret: bytes, at: int, skew: int) -> None:
    header = sign(secret, at, body)
    assert check_signature(secret, header, body, now=at + skew)
    assert not check_signature(secret, header, body + b" ", now=at)
    assert not check_signature(bytes(32) if secret != bytes(32) else b"\1" * 32, header, body, now=at)
    assert not check_signature(secret, header, body, now=at + 301)  # too old: a replay
    assert not check_signature(secret, header.replace(f"t={at}", f"t={at + 1}"), body, now=at)
