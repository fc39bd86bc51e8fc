"""The headline of a verdict is what to do: one row per reason and item condition, and the combinations that compete."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from ledger.chain.roles import Role
from ledger.codes.signature import SignatureReason
from ledger.index.models import LifeCycle
from ledger.proofs.inspections import InspectionOutcome
from ledger.verify.verdicts import ChainCheck, Directive, ReasonCode, ScanFacts, Verdict, Weight, judge
from tests.unit.test_verdicts import ANTWERP, CASES, GENUINE, HOUR, ROTTERDAM, SHANGHAI, scans

RELEASE, INSPECT, HOLD, SEIZE = Directive.RELEASE, Directive.INSPECT, Directive.HOLD, Directive.SEIZE

# What each condition alone calls for; written out here, not read from the rules' table.
ALONE: list[tuple[str, ScanFacts, str, Directive]] = [
    ("genuine, nothing against it", GENUINE, "", RELEASE),
    ("RFID tag: a note, no bar to release", replace(GENUINE, signed_form=False, signature=None), "UNSIGNED_FORM", RELEASE),
    ("never registered", replace(GENUINE, registered=False, life_cycle=None, chain=ChainCheck.NOT_APPLICABLE),
     "UNREGISTERED", SEIZE),
    ("no signature", replace(GENUINE, signature=SignatureReason.MISSING_SIGNATURE), "MISSING_SIGNATURE", SEIZE),
    ("forged signature", replace(GENUINE, signature=SignatureReason.BAD_SIGNATURE), "BAD_SIGNATURE", SEIZE),
    ("signed by another brand", replace(GENUINE, signature=SignatureReason.PREFIX_NOT_OWNED), "PREFIX_NOT_OWNED", SEIZE),
    ("destroyed", replace(GENUINE, life_cycle=LifeCycle.DESTROYED), "DESTROYED", SEIZE),
    ("cloned: impossible travel", replace(GENUINE, scans=scans((0, ROTTERDAM), (HOUR, SHANGHAI))),
     "CLONE_IMPOSSIBLE_TRAVEL", INSPECT),
    ("cloned: too many places", replace(GENUINE, scans=scans((0, ROTTERDAM), (100 * HOUR, ANTWERP),
                                                              (900 * HOUR, SHANGHAI))), "TOO_MANY_LOCATIONS", INSPECT),
    ("wrong holder", replace(GENUINE, scanner_role=Role.CARRIER, scanner_name="truck"), "CUSTODY_MISMATCH", INSPECT),
    ("sold, back in the chain", replace(GENUINE, life_cycle=LifeCycle.SOLD, scanner_role=Role.DISTRIBUTOR, scanner_name="d"),
     "SOLD_REAPPEARED", INSPECT),
    ("seized by an earlier inspection", replace(GENUINE, last_inspection=InspectionOutcome.SEIZED), "FLAGGED_BY_INSPECTION",
     HOLD),
    ("suspected by an earlier inspection", replace(GENUINE, last_inspection=InspectionOutcome.SUSPECTED_COUNTERFEIT),
     "FLAGGED_BY_INSPECTION", HOLD),
    ("held by an earlier inspection", replace(GENUINE, last_inspection=InspectionOutcome.HELD), "HELD_BY_INSPECTION", HOLD),
    ("passed an earlier inspection", replace(GENUINE, last_inspection=InspectionOutcome.PASSED), "", RELEASE),
    ("record missing from the chain", replace(GENUINE, chain=ChainCheck.MISSING), "NOT_ANCHORED", HOLD),
    ("stolen", replace(GENUINE, stolen=True), "REPORTED_STOLEN", SEIZE),
    ("recalled", replace(GENUINE, recalled=True), "RECALLED", HOLD),
    ("expired", replace(GENUINE, expiry=date(2026, 5, 31)), "EXPIRED", HOLD),
    ("chain unreachable", replace(GENUINE, chain=ChainCheck.UNREACHABLE), "CHAIN_UNREACHABLE", INSPECT),
]

# Several at once: the strictest wins.
TOGETHER: list[tuple[str, ScanFacts, Directive]] = [
    ("stolen and recalled", replace(GENUINE, stolen=True, recalled=True), SEIZE),
    ("recalled and expired", replace(GENUINE, recalled=True, expiry=date(2020, 1, 1)), HOLD),
    ("recalled, scanned by the wrong holder", replace(GENUINE, recalled=True, scanner_role=Role.CARRIER, scanner_name="t"),
     HOLD),
    ("expired, chain unreachable", replace(GENUINE, expiry=date(2020, 1, 1), chain=ChainCheck.UNREACHABLE), HOLD),
    ("cloned and stolen", replace(GENUINE, stolen=True, scans=scans((0, ROTTERDAM), (HOUR, SHANGHAI))), SEIZE),
    ("forged and recalled", replace(GENUINE, recalled=True, signature=SignatureReason.BAD_SIGNATURE), SEIZE),
    ("RFID tag of a held item", replace(GENUINE, signed_form=False, signature=None, last_inspection=InspectionOutcome.HELD),
     HOLD),
    ("chain unreachable, sold to a consumer", replace(GENUINE, chain=ChainCheck.UNREACHABLE, life_cycle=LifeCycle.SOLD),
     INSPECT),
]


@pytest.mark.parametrize(("facts", "code", "directive"), [r[1:] for r in ALONE], ids=[r[0] for r in ALONE])
def test_each_condition_alone(facts: ScanFacts, code: str, directive: Directive) -> None:
    judgement = judge(facts)
    assert judgement.codes == ((code,) if code else ())
    assert judgement.directive is directive
    if code:
        assert ReasonCode(code).directive is directive


@pytest.mark.parametrize(("facts", "directive"), [r[1:] for r in TOGETHER], ids=[r[0] for r in TOGETHER])
def test_the_strictest_directive_wins(facts: ScanFacts, directive: Directive) -> None:
    assert judge(facts).directive is directive


def test_every_reason_code_has_a_row() -> None:
    assert {r[2] for r in ALONE if r[2]} == {c.value for c in ReasonCode}


@pytest.mark.parametrize(("facts", "verdict"), [c[1:3] for c in CASES], ids=[c[0] for c in CASES])
def test_nothing_to_hold_or_seize_is_released(facts: ScanFacts, verdict: Verdict) -> None:
    """Over every case of the verdict rules: counterfeit is seized, suspect never released, any alert never released."""
    judgement = judge(facts)
    assert judgement.verdict is verdict
    if verdict is Verdict.COUNTERFEIT:
        assert judgement.directive is SEIZE
    if verdict is Verdict.SUSPECT or any(r.weight is Weight.ALERT for r in judgement.reasons):
        assert judgement.directive is not RELEASE
    if judgement.directive is RELEASE:
        assert all(r.weight is Weight.NOTE for r in judgement.reasons)


def test_the_set_is_closed_and_ordered_and_each_has_one_line() -> None:
    assert [d.value for d in Directive] == ["release", "inspect", "hold", "seize"]
    assert [d.strictness for d in Directive] == [0, 1, 2, 3]
    assert all(d.instruction.endswith(".") and "\n" not in d.instruction for d in Directive)
