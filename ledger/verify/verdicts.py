"""Verdict rules: from what is known about a scan to `genuine`, `suspect` or `counterfeit` and reasons.

Pure functions over :class:`ScanFacts`; :mod:`ledger.verify.verifier` gathers the facts. Each
reason has a code, a sentence a person can read, its weight (counterfeit, suspect, alert or
note) and what the officer should do. The verdict is the heaviest weight among the reasons:
alerts (stolen, recalled, expired, chain unreachable) and notes go with any verdict. Reasons
come heaviest first, and within a weight in :class:`ReasonCode` order (stolen before recalled),
so the first reason's advice is the one to follow when several apply.

The headline is the :class:`Directive`: what the officer must do with the goods (release,
inspect, hold, seize), with a one-line instruction. Each reason code names the directive it
calls for in the same table as its weight and advice, and a judgement's directive is the
strictest among its reasons (release when there are none): every item condition that matters
(stolen, recalled, held, expired, destroyed, cloned, counterfeit…) is a reason, so a stolen
genuine item is SEIZE, never a green release.

Codes in forms without a brand signature (EPC from an RFID tag, element strings from a
GS1 DataMatrix or a typed HRI) cannot be checked offline: they are judged against the
registry alone, and the verdict carries the note ``UNSIGNED_FORM`` so the officer knows a
copied tag would pass that check. A Digital Link (the QR label) must carry a valid signature.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from ..chain.roles import Role
from ..codes.signature import SignatureReason
from ..geo import Location, haversine_km
from ..index.models import LifeCycle
from ..proofs.inspections import InspectionOutcome

__all__ = [
    "ChainCheck",
    "Directive",
    "Judgement",
    "Reason",
    "ReasonCode",
    "Rules",
    "ScanFacts",
    "ScanPoint",
    "Verdict",
    "Weight",
    "judge",
    "location_clusters",
]


class Verdict(enum.StrEnum):
    GENUINE = "genuine"
    SUSPECT = "suspect"
    COUNTERFEIT = "counterfeit"


class Weight(enum.IntEnum):
    NOTE = 0
    ALERT = 1
    SUSPECT = 2
    COUNTERFEIT = 3


class Directive(enum.StrEnum):
    """What the officer must do with the goods, in order of strictness: the verdict page's headline."""

    RELEASE = "release"
    INSPECT = "inspect"
    HOLD = "hold"
    SEIZE = "seize"

    @property
    def instruction(self) -> str:
        """The one-line instruction a person reads under the headline."""
        return _INSTRUCTIONS[self]

    @property
    def strictness(self) -> int:
        return _STRICTNESS[self]


_INSTRUCTIONS = {
    Directive.RELEASE: "Nothing stands against these goods: they may be released.",
    Directive.INSPECT: "Stop the goods and examine them and their papers before deciding.",
    Directive.HOLD: "Do not release the goods: keep them until the hold is cleared.",
    Directive.SEIZE: "Seize the goods and record the seizure.",
}
_STRICTNESS = {d: rank for rank, d in enumerate(Directive)}


class ReasonCode(enum.StrEnum):
    # In order of severity within a weight: a stolen and recalled item is to be seized, not held.
    UNREGISTERED = "UNREGISTERED"
    MISSING_SIGNATURE = "MISSING_SIGNATURE"
    BAD_SIGNATURE = "BAD_SIGNATURE"
    PREFIX_NOT_OWNED = "PREFIX_NOT_OWNED"
    DESTROYED = "DESTROYED"
    CLONE_IMPOSSIBLE_TRAVEL = "CLONE_IMPOSSIBLE_TRAVEL"
    CUSTODY_MISMATCH = "CUSTODY_MISMATCH"
    SOLD_REAPPEARED = "SOLD_REAPPEARED"
    TOO_MANY_LOCATIONS = "TOO_MANY_LOCATIONS"
    FLAGGED_BY_INSPECTION = "FLAGGED_BY_INSPECTION"
    NOT_ANCHORED = "NOT_ANCHORED"
    REPORTED_STOLEN = "REPORTED_STOLEN"
    RECALLED = "RECALLED"
    EXPIRED = "EXPIRED"
    HELD_BY_INSPECTION = "HELD_BY_INSPECTION"
    CHAIN_UNREACHABLE = "CHAIN_UNREACHABLE"
    UNSIGNED_FORM = "UNSIGNED_FORM"

    @property
    def weight(self) -> Weight:
        return _TABLE[self][0]

    @property
    def advice(self) -> str:
        return _TABLE[self][1]

    @property
    def generic(self) -> str:
        """The reason in a fixed sentence that names no party, place or distance: what anonymous callers read."""
        return _TABLE[self][2]

    @property
    def directive(self) -> Directive:
        """What this reason alone calls for."""
        return _TABLE[self][3]


_DETAIN = "Detain the goods and record the inspection as suspected counterfeit."
_CHECK = "Hold the goods and check the paperwork and custody history before release."
_R, _I, _H, _S = Directive.RELEASE, Directive.INSPECT, Directive.HOLD, Directive.SEIZE
# Per code: its weight, the advice, the generic sentence that anonymous callers get instead of the
# reason's own (which may name parties, premises, distances or the officer who inspected), and the
# directive it calls for. Counterfeit evidence and theft: seize. Suspect evidence and a chain that
# cannot be checked: stop and inspect. A known bar to release (recall, expiry, an earlier hold or
# seizure, a record missing from the chain): hold.
_TABLE: dict[ReasonCode, tuple[Weight, str, str, Directive]] = {
    ReasonCode.UNREGISTERED: (Weight.COUNTERFEIT, _DETAIN, "No brand ever registered this item on the ledger.", _S),
    ReasonCode.MISSING_SIGNATURE: (Weight.COUNTERFEIT, _DETAIN, "The label's QR code carries no brand signature.", _S),
    ReasonCode.BAD_SIGNATURE: (Weight.COUNTERFEIT, _DETAIN, "The brand signature on the code is not valid.", _S),
    ReasonCode.PREFIX_NOT_OWNED: (Weight.COUNTERFEIT, _DETAIN, "The code is signed by a brand that does not own its GS1 prefix.", _S),
    ReasonCode.DESTROYED: (Weight.COUNTERFEIT, _DETAIN, "The item was destroyed or decommissioned; no genuine copy should exist.", _S),
    ReasonCode.CLONE_IMPOSSIBLE_TRAVEL: (Weight.SUSPECT, _CHECK, "This code was scanned too far apart for the time between scans.", _I),
    ReasonCode.CUSTODY_MISMATCH: (Weight.SUSPECT, _CHECK, "Where or by whom the item was scanned does not match its custody.", _I),
    ReasonCode.SOLD_REAPPEARED: (Weight.SUSPECT, _CHECK, "The item was sold to a consumer but is scanned in the supply chain.", _I),
    ReasonCode.TOO_MANY_LOCATIONS: (Weight.SUSPECT, _CHECK, "This code was scanned at more places than its custody explains.", _I),
    ReasonCode.FLAGGED_BY_INSPECTION: (Weight.SUSPECT, _CHECK, "The latest inspection seized the goods or suspected them.", _H),
    ReasonCode.NOT_ANCHORED: (Weight.SUSPECT, "Hold the goods; ask the ledger operator to run `ledger audit`.",
                              "The ledger's latest record of this item is not anchored on the chain.", _H),
    ReasonCode.REPORTED_STOLEN: (Weight.ALERT, "Seize the goods and record the seizure.", "This item has been reported stolen.", _S),
    ReasonCode.RECALLED: (Weight.ALERT, "Hold the goods: the brand has recalled this lot.", "The brand has recalled this item's lot.", _H),
    ReasonCode.EXPIRED: (Weight.ALERT, "Do not release for sale: the product is past its expiry date.",
                         "The product is past its expiry date.", _H),
    ReasonCode.HELD_BY_INSPECTION: (Weight.ALERT, "The goods are on hold from an earlier inspection; release only after it is cleared.",
                                    "The goods are on hold from an earlier inspection.", _H),
    ReasonCode.CHAIN_UNREACHABLE: (Weight.ALERT, "Treat the verdict as provisional and verify again when the chain is back.",
                                   "The chain could not be reached to check the ledger's records just now.", _I),
    ReasonCode.UNSIGNED_FORM: (Weight.NOTE, "If in doubt, also scan the QR label: it carries the brand's signature.",
                               "This code form carries no brand signature; it was checked against the registry only.", _R),
}


_SEVERITY = {code: rank for rank, code in enumerate(ReasonCode)}


class ChainCheck(enum.Enum):
    """Whether the item's latest anchor was found on the chain."""

    CONFIRMED = "confirmed"
    MISSING = "missing"
    UNREACHABLE = "unreachable"
    NOT_APPLICABLE = "not applicable"


@dataclass(frozen=True, slots=True)
class Reason:
    code: ReasonCode
    sentence: str

    @property
    def weight(self) -> Weight:
        return self.code.weight

    @property
    def advice(self) -> str:
        return self.code.advice


@dataclass(frozen=True, slots=True)
class ScanPoint:
    """A recorded scan (or the current one) of the same code, where it had a location."""

    timestamp: int
    location: Location


@dataclass(frozen=True)
class Rules:
    """Tunable thresholds of the clone rules."""

    max_speed_kmh: float = 900.0  # a commercial jet; faster travel between scans means two copies
    min_distance_km: float = 50.0  # GPS error and a city's extent are not travel
    cluster_km: float = 50.0  # scans closer than this count as one place
    location_slack: int = 1  # places beyond the custody path before TOO_MANY_LOCATIONS
    premises_km: float = 100.0  # goods at rest this far from all their custodian's premises are out of place


@dataclass(frozen=True)
class ScanFacts:
    """Everything the rules look at; the verifier fills it from the code, the index and the chain."""

    today: date
    signed_form: bool
    signature: SignatureReason | None = None  # None for forms that carry no signature
    signature_detail: str = ""
    registered: bool = False
    life_cycle: LifeCycle | None = None  # None: not registered
    stolen: bool = False
    recalled: bool = False
    expiry: date | None = None
    scanner_role: Role | None = None
    scanner_name: str = ""
    scanner_is_custodian: bool = False
    scanner_is_receiver: bool = False
    custodian_name: str = ""
    custodian_role: Role | None = None
    # Distance from the scan to the nearest premises of the custodian, and that place's label; only
    # when the item is at rest (no shipment open) and both the scan and the custodian have places.
    premises_km: float | None = None
    premises_label: str = ""
    custody_places: int = 1  # registration plus each custody event: places the path can explain
    scans: Sequence[ScanPoint] = field(default_factory=tuple)  # oldest first, the current scan included
    last_inspection: InspectionOutcome | None = None  # the item's state: the latest inspection's outcome
    last_inspection_by: str = ""
    chain: ChainCheck = ChainCheck.NOT_APPLICABLE


@dataclass(frozen=True, slots=True)
class Judgement:
    verdict: Verdict
    reasons: tuple[Reason, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code.value for r in self.reasons)

    @property
    def advice(self) -> str | None:
        """What to do: the advice of the first (the most severe) reason."""
        return self.reasons[0].advice if self.reasons else None

    @property
    def directive(self) -> Directive:
        """The headline: the strictest directive among the reasons; release when none calls for more."""
        return max((r.code.directive for r in self.reasons), key=lambda d: d.strictness, default=Directive.RELEASE)


def _signature(f: ScanFacts) -> list[Reason]:
    if not f.signed_form:
        return [Reason(ReasonCode.UNSIGNED_FORM, "This code form (RFID EPC or element string) carries no brand "
                                                 "signature; it was checked against the registry only.")]
    if f.signature in (None, SignatureReason.VALID):
        return []
    if f.signature is SignatureReason.MISSING_SIGNATURE:
        return [Reason(ReasonCode.MISSING_SIGNATURE, "The label's QR code carries no brand signature; genuine labels always do.")]
    if f.signature is SignatureReason.PREFIX_NOT_OWNED:
        return [Reason(ReasonCode.PREFIX_NOT_OWNED, f"The code is signed by a brand that does not own this product's "
                                                    f"GS1 company prefix ({f.signature_detail}).")]
    return [Reason(ReasonCode.BAD_SIGNATURE, f"The brand signature on the code is not valid ({f.signature_detail}).")]


def _registry(f: ScanFacts) -> list[Reason]:
    if not f.registered:
        return [Reason(ReasonCode.UNREGISTERED, "No brand ever registered this item on the ledger.")]
    if f.life_cycle is not None and f.life_cycle.final:
        return [Reason(ReasonCode.DESTROYED, f"The item was {f.life_cycle}; no genuine copy of it should exist.")]
    return []


def _status_alerts(f: ScanFacts) -> list[Reason]:
    reasons = []
    if f.stolen:
        reasons.append(Reason(ReasonCode.REPORTED_STOLEN, "This item has been reported stolen."))
    if f.recalled:
        reasons.append(Reason(ReasonCode.RECALLED, "The brand has recalled this item's lot."))
    if f.expiry is not None and f.expiry < f.today:
        reasons.append(Reason(ReasonCode.EXPIRED, f"The product expired on {f.expiry.isoformat()}."))
    return reasons


def _custody(f: ScanFacts, rules: Rules) -> list[Reason]:
    if not f.registered:
        return []
    holder = f.scanner_role is not None and f.scanner_role.holds_goods  # officers, auditors, the public hold nothing
    if holder and f.life_cycle is LifeCycle.SOLD:
        return [Reason(ReasonCode.SOLD_REAPPEARED, f"The item was sold to a consumer but is now scanned in the supply "
                                                   f"chain by {f.scanner_name}.")]
    if holder and not (f.scanner_is_custodian or f.scanner_is_receiver):
        return [Reason(ReasonCode.CUSTODY_MISMATCH, f"Scanned by {f.scanner_name}, but the ledger says {f.custodian_name} "
                                                    f"holds it and no shipment to {f.scanner_name} is open.")]
    # Goods with a carrier are on the move, sold ones with a consumer anywhere, stolen ones wherever the
    # thieves took them (REPORTED_STOLEN says so), destroyed ones are counterfeit wherever they turn up.
    at_rest = f.custodian_role is not Role.CARRIER and f.life_cycle is LifeCycle.ACTIVE and not f.stolen
    if at_rest and f.premises_km is not None and f.premises_km > rules.premises_km:
        place = f" ({f.premises_label})" if f.premises_label else ""
        return [Reason(ReasonCode.CUSTODY_MISMATCH, f"Scanned {f.premises_km:,.0f} km from the nearest premises{place} of "
                                                    f"{f.custodian_name}, which holds it, and no shipment of it is open.")]
    return []


def _impossible_pair(scans: Sequence[ScanPoint], rules: Rules) -> tuple[ScanPoint, ScanPoint, float] | None:
    ordered = sorted(scans, key=lambda s: s.timestamp)
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        km = haversine_km(earlier.location, later.location)
        if km <= rules.min_distance_km:
            continue
        hours = (later.timestamp - earlier.timestamp) / 3600
        if hours <= 0 or km / hours > rules.max_speed_kmh:
            return earlier, later, km
    return None


def location_clusters(locations: Sequence[Location], radius_km: float) -> list[Location]:
    """Greedy clustering: each location joins the first cluster centre within ``radius_km``."""
    centres: list[Location] = []
    for loc in locations:
        if all(haversine_km(loc, c) > radius_km for c in centres):
            centres.append(loc)
    return centres


def _clones(f: ScanFacts, rules: Rules) -> list[Reason]:
    reasons = []
    pair = _impossible_pair(f.scans, rules)
    if pair:
        earlier, later, km = pair
        hours = (later.timestamp - earlier.timestamp) / 3600
        speed = "at the same time" if hours <= 0 else f"{hours:.1f} h apart ({km / hours:,.0f} km/h)"
        reasons.append(Reason(ReasonCode.CLONE_IMPOSSIBLE_TRAVEL,
                              f"This code was scanned {km:,.0f} km apart {speed}, faster than {rules.max_speed_kmh:,.0f} km/h: "
                              f"there are at least two copies of it."))
    places = len(location_clusters([s.location for s in f.scans], rules.cluster_km))
    if f.registered and places > f.custody_places + rules.location_slack:
        reasons.append(Reason(ReasonCode.TOO_MANY_LOCATIONS,
                              f"This code was scanned at {places} distinct places, more than its {f.custody_places} "
                              f"custody steps explain."))
    return reasons


def _inspection(f: ScanFacts) -> list[Reason]:
    outcome, by = f.last_inspection, f.last_inspection_by
    if outcome in (InspectionOutcome.SEIZED, InspectionOutcome.SUSPECTED_COUNTERFEIT):
        return [Reason(ReasonCode.FLAGGED_BY_INSPECTION, f"The latest inspection, by {by}, found the goods {outcome.label}.")]
    if outcome is InspectionOutcome.HELD:
        return [Reason(ReasonCode.HELD_BY_INSPECTION, f"The latest inspection, by {by}, put the goods on hold.")]
    return []


def _chain(f: ScanFacts) -> list[Reason]:
    if f.chain is ChainCheck.UNREACHABLE:
        return [Reason(ReasonCode.CHAIN_UNREACHABLE, "The chain could not be reached, so the ledger's records could "
                                                     "not be checked against it just now.")]
    if f.chain is ChainCheck.MISSING:
        return [Reason(ReasonCode.NOT_ANCHORED, "The ledger's latest record of this item is not anchored on the chain.")]
    return []


def judge(facts: ScanFacts, rules: Rules = Rules()) -> Judgement:
    """All reasons that apply, heaviest first, and the verdict they add up to."""
    reasons = [*_signature(facts), *_registry(facts), *_custody(facts, rules), *_clones(facts, rules), *_inspection(facts),
               *_chain(facts), *_status_alerts(facts)]
    reasons.sort(key=lambda r: (-r.weight, _SEVERITY[r.code]))
    top = reasons[0].weight if reasons else Weight.NOTE
    verdict = {Weight.COUNTERFEIT: Verdict.COUNTERFEIT, Weight.SUSPECT: Verdict.SUSPECT}.get(top, Verdict.GENUINE)
    return Judgement(verdict, tuple(reasons))
