"""Verdict rules as tables: facts in, verdict and reason codes out; one row per rule and its edges."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from ledger.chain.roles import Role
from ledger.codes.signature import SignatureReason
from ledger.errors import InvalidInput
from ledger.geo import Location, haversine_km, parse_location
from ledger.index.models import LifeCycle
from ledger.proofs.inspections import InspectionOutcome
from ledger.verify.verdicts import ChainCheck, ReasonCode, Rules, ScanFacts, ScanPoint, Verdict, Weight, judge, location_clusters

TODAY = date(2026, 6, 1)
ROTTERDAM = Location(51.9496, 4.1453, "Port of Rotterdam")
ANTWERP = Location(51.2637, 4.3999, "Port of Antwerp")
SHANGHAI = Location(31.3389, 121.6200, "Port of Shanghai")
NEAR_ROTTERDAM = Location(51.92, 4.48)  # 23 km away: the same place for the rules
HOUR = 3600

GENUINE = ScanFacts(today=TODAY, signed_form=True, signature=SignatureReason.VALID, registered=True, life_cycle=LifeCycle.ACTIVE,
                    custodian_name="acme", chain=ChainCheck.CONFIRMED)


def scans(*points: tuple[int, Location]) -> tuple[ScanPoint, ...]:
    return tuple(ScanPoint(t, loc) for t, loc in points)


CASES: list[tuple[str, ScanFacts, Verdict, list[str]]] = [
    ("genuine, signed, anchored", GENUINE, Verdict.GENUINE, []),
    ("never registered", replace(GENUINE, registered=False, life_cycle=None, chain=ChainCheck.NOT_APPLICABLE),
     Verdict.COUNTERFEIT, ["UNREGISTERED"]),
    ("QR label without signature", replace(GENUINE, signature=SignatureReason.MISSING_SIGNATURE), Verdict.COUNTERFEIT,
     ["MISSING_SIGNATURE"]),
    ("signature of another item", replace(GENUINE, signature=SignatureReason.BAD_SIGNATURE), Verdict.COUNTERFEIT,
     ["BAD_SIGNATURE"]),
    ("signature that is not even 65 bytes", replace(GENUINE, signature=SignatureReason.MALFORMED_SIGNATURE),
     Verdict.COUNTERFEIT, ["BAD_SIGNATURE"]),
    ("signed by a brand not owning the prefix", replace(GENUINE, signature=SignatureReason.PREFIX_NOT_OWNED),
     Verdict.COUNTERFEIT, ["PREFIX_NOT_OWNED"]),
    ("destroyed", replace(GENUINE, life_cycle=LifeCycle.DESTROYED), Verdict.COUNTERFEIT, ["DESTROYED"]),
    ("decommissioned", replace(GENUINE, life_cycle=LifeCycle.DECOMMISSIONED), Verdict.COUNTERFEIT, ["DESTROYED"]),
    ("RFID EPC: no signature to check, a note only", replace(GENUINE, signed_form=False, signature=None), Verdict.GENUINE,
     ["UNSIGNED_FORM"]),
    ("unsigned form, unregistered", replace(GENUINE, signed_form=False, signature=None, registered=False),
     Verdict.COUNTERFEIT, ["UNREGISTERED", "UNSIGNED_FORM"]),
    ("stolen: alert, still genuine", replace(GENUINE, stolen=True), Verdict.GENUINE, ["REPORTED_STOLEN"]),
    ("recalled: alert", replace(GENUINE, recalled=True), Verdict.GENUINE, ["RECALLED"]),
    ("stolen and recalled: both alerts, stolen first (seize, not hold)", replace(GENUINE, recalled=True, stolen=True),
     Verdict.GENUINE, ["REPORTED_STOLEN", "RECALLED"]),
    ("sold, then recalled: the recall reaches the consumer", replace(GENUINE, life_cycle=LifeCycle.SOLD, recalled=True),
     Verdict.GENUINE, ["RECALLED"]),
    ("expired yesterday", replace(GENUINE, expiry=date(2026, 5, 31)), Verdict.GENUINE, ["EXPIRED"]),
    ("expires today: not yet expired", replace(GENUINE, expiry=TODAY), Verdict.GENUINE, []),
    ("chain unreachable: alert", replace(GENUINE, chain=ChainCheck.UNREACHABLE), Verdict.GENUINE, ["CHAIN_UNREACHABLE"]),
    ("index row not anchored", replace(GENUINE, chain=ChainCheck.MISSING), Verdict.SUSPECT, ["NOT_ANCHORED"]),
    ("counterfeit and stolen and expired", replace(GENUINE, signature=SignatureReason.BAD_SIGNATURE, stolen=True,
                                                   expiry=date(2020, 1, 1)),
     Verdict.COUNTERFEIT, ["BAD_SIGNATURE", "REPORTED_STOLEN", "EXPIRED"]),
    ("Rotterdam then Shanghai 1 h later", replace(GENUINE, scans=scans((0, ROTTERDAM), (HOUR, SHANGHAI))),
     Verdict.SUSPECT, ["CLONE_IMPOSSIBLE_TRAVEL"]),
    ("Rotterdam then Shanghai 2 days later: a flight", replace(GENUINE, custody_places=3,
                                                               scans=scans((0, ROTTERDAM), (48 * HOUR, SHANGHAI))),
     Verdict.GENUINE, []),
    ("two places at the same second", replace(GENUINE, custody_places=3, scans=scans((0, ROTTERDAM), (0, ANTWERP))),
     Verdict.SUSPECT, ["CLONE_IMPOSSIBLE_TRAVEL"]),
    ("Rotterdam to Antwerp (~80 km) in 1 h: a car", replace(GENUINE, custody_places=3,
                                                          scans=scans((0, ROTTERDAM), (HOUR, ANTWERP))),
     Verdict.GENUINE, []),
    ("GPS jitter within a city at the same second", replace(GENUINE, scans=scans((0, ROTTERDAM), (0, NEAR_ROTTERDAM))),
     Verdict.GENUINE, []),
    ("three places for a path of one", replace(GENUINE, scans=scans((0, ROTTERDAM), (100 * HOUR, ANTWERP),
                                                                   (900 * HOUR, SHANGHAI))),
     Verdict.SUSPECT, ["TOO_MANY_LOCATIONS"]),
    ("three places, path of two: within slack", replace(GENUINE, custody_places=2,
                                                       scans=scans((0, ROTTERDAM), (100 * HOUR, ANTWERP), (900 * HOUR, SHANGHAI))),
     Verdict.GENUINE, []),
    ("carrier scans what the brand holds", replace(GENUINE, scanner_role=Role.CARRIER, scanner_name="truck"),
     Verdict.SUSPECT, ["CUSTODY_MISMATCH"]),
    ("carrier scans what is shipped to it", replace(GENUINE, scanner_role=Role.CARRIER, scanner_name="truck",
                                                   scanner_is_receiver=True), Verdict.GENUINE, []),
    ("custodian scans its own stock", replace(GENUINE, scanner_role=Role.BRAND, scanner_name="acme", scanner_is_custodian=True),
     Verdict.GENUINE, []),
    ("officer scans goods held by others", replace(GENUINE, scanner_role=Role.OFFICER, scanner_name="customs"),
     Verdict.GENUINE, []),
    ("sold item scanned by a distributor", replace(GENUINE, life_cycle=LifeCycle.SOLD, scanner_role=Role.DISTRIBUTOR, scanner_name="dist"),
     Verdict.SUSPECT, ["SOLD_REAPPEARED"]),
    ("sold item scanned by a consumer", replace(GENUINE, life_cycle=LifeCycle.SOLD), Verdict.GENUINE, []),
    ("at rest, scanned 8,900 km from the custodian's premises", replace(GENUINE, custodian_role=Role.BRAND, premises_km=8900.0,
                                                                         premises_label="Rotterdam DC"),
     Verdict.SUSPECT, ["CUSTODY_MISMATCH"]),
    ("at rest, scanned within the premises radius", replace(GENUINE, custodian_role=Role.BRAND, premises_km=99.0),
     Verdict.GENUINE, []),
    ("with a carrier: goods on the move", replace(GENUINE, custodian_role=Role.CARRIER, premises_km=8900.0),
     Verdict.GENUINE, []),
    ("sold: with a consumer anywhere", replace(GENUINE, life_cycle=LifeCycle.SOLD, custodian_role=Role.RETAILER, premises_km=8900.0),
     Verdict.GENUINE, []),
    ("stolen goods far from the premises: the theft says why", replace(GENUINE, stolen=True, custodian_role=Role.RETAILER,
                                                                       premises_km=500.0),
     Verdict.GENUINE, ["REPORTED_STOLEN"]),
    ("recalled goods far from the premises", replace(GENUINE, recalled=True, custodian_role=Role.BRAND, premises_km=500.0),
     Verdict.SUSPECT, ["CUSTODY_MISMATCH", "RECALLED"]),
    ("wrong holder and wrong place: one reason", replace(GENUINE, scanner_role=Role.CARRIER, scanner_name="truck",
                                                         custodian_role=Role.BRAND, premises_km=8900.0),
     Verdict.SUSPECT, ["CUSTODY_MISMATCH"]),
    ("last inspection seized", replace(GENUINE, last_inspection=InspectionOutcome.SEIZED, last_inspection_by="customs"),
     Verdict.SUSPECT, ["FLAGGED_BY_INSPECTION"]),
    ("last inspection suspected counterfeit", replace(GENUINE, last_inspection=InspectionOutcome.SUSPECTED_COUNTERFEIT),
     Verdict.SUSPECT, ["FLAGGED_BY_INSPECTION"]),
    ("last inspection held", replace(GENUINE, last_inspection=InspectionOutcome.HELD), Verdict.GENUINE, ["HELD_BY_INSPECTION"]),
    ("last inspection passed", replace(GENUINE, last_inspection=InspectionOutcome.PASSED), Verdict.GENUINE, []),
]


@pytest.mark.parametrize(("facts", "verdict", "codes"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rules(facts: ScanFacts, verdict: Verdict, codes: list[str]) -> None:
    judgement = judge(facts)
    assert judgement.verdict is verdict
    assert sorted(judgement.codes) == sorted(codes)
    assert all(r.sentence.endswith(".") and r.advice for r in judgement.reasons)
    # What an anonymous caller reads instead: a fixed sentence, without the names and places of the detailed one.
    assert all(r.code.generic.endswith(".") and "acme" not in r.code.generic and "km" not in r.code.generic
               for r in judgement.reasons)


def test_reasons_heaviest_first() -> None:
    reasons = judge(replace(GENUINE, stolen=True, signature=SignatureReason.BAD_SIGNATURE, signed_form=True)).reasons
    assert [r.weight for r in reasons] == sorted((r.weight for r in reasons), reverse=True)
    assert reasons[0].weight is Weight.COUNTERFEIT


def test_the_most_severe_alert_comes_first_and_gives_the_advice() -> None:
    """Reported stolen, recalled and on hold: every alert shows, and the advice is to seize."""
    judgement = judge(replace(GENUINE, recalled=True, stolen=True, last_inspection=InspectionOutcome.HELD,
                              last_inspection_by="customs"))
    assert judgement.codes == ("REPORTED_STOLEN", "RECALLED", "HELD_BY_INSPECTION")
    assert judgement.advice == ReasonCode.REPORTED_STOLEN.advice and judgement.advice.startswith("Seize")
    assert judge(GENUINE).advice is None


def test_every_reason_code_is_reachable() -> None:
    seen = {code for c in CASES for code in c[3]}
    assert seen == {c.value for c in ReasonCode}


def test_max_speed_is_configurable() -> None:
    facts = replace(GENUINE, custody_places=3, scans=scans((0, ROTTERDAM), (HOUR, ANTWERP)))
    assert judge(facts, Rules(max_speed_kmh=50)).codes == ("CLONE_IMPOSSIBLE_TRAVEL",)
    assert judge(facts, Rules(max_speed_kmh=900)).codes == ()


def test_premises_radius_is_configurable_and_sentence_names_the_place() -> None:
    facts = replace(GENUINE, custodian_role=Role.DISTRIBUTOR, premises_km=150.0, premises_label="Antwerp hub")
    assert judge(facts).codes == ("CUSTODY_MISMATCH",)
    assert "150 km from the nearest premises (Antwerp hub) of acme" in judge(facts).reasons[0].sentence
    assert judge(facts, Rules(premises_km=200.0)).codes == ()


def test_clone_sentence_names_distance_and_speed() -> None:
    reason = judge(replace(GENUINE, scans=scans((0, ROTTERDAM), (HOUR, SHANGHAI)))).reasons[0]
    assert "8,9" in reason.sentence and "km/h" in reason.sentence


def test_clusters_and_haversine() -> None:
    assert 8900 < haversine_km(ROTTERDAM, SHANGHAI) < 8960
    assert haversine_km(ROTTERDAM, ROTTERDAM) == 0
    assert len(location_clusters([ROTTERDAM, NEAR_ROTTERDAM, ANTWERP, SHANGHAI], 50)) == 3


@pytest.mark.parametrize(("data", "problem"), [
    ({}, "is missing"),
    ({"lat": "51.9"}, "is missing"),
    ({"lat": "north", "lon": "4"}, "is not a number"),
    ({"lat": 91, "lon": 4}, "between -90 and 90"),
    ({"lat": 10, "lon": -180.5}, "between -180 and 180"),
    ({"lat": "nan", "lon": 4}, "between"),
    ({"lat": True, "lon": 4}, "is missing"),
    ({"site": "Atlantis"}, "not a known inspection site"),
])
def test_bad_locations(data: dict[str, object], problem: str) -> None:
    with pytest.raises(InvalidInput, match=problem):
        parse_location(data, {"Port of Rotterdam": ROTTERDAM})


def test_good_locations() -> None:
    assert parse_location({"lat": "51.95", "lon": "4.14"}) == Location(51.95, 4.14)
    assert parse_location({"site": "Port of Rotterdam"}, {"Port of Rotterdam": ROTTERDAM}) is ROTTERDAM
