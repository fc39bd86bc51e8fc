"""The item state machine, cell by cell: every state × every action, who may act, what each action
changes, and the table in docs/DESIGN.md. Pure: no chain, no database.

The expected table below is written out on its own (not read from ``RULES``): changing a rule means
changing it here too, on purpose.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.chain.roles import Role
from ledger.custody.state import (
    COLUMNS,
    RULES,
    Act,
    Actor,
    ItemState,
    Replay,
    check,
    effect,
    refusal,
    step,
    table_markdown,
)
from ledger.errors import ActionRefused, LedgerError, NotHolder, RoleError, StateConflict
from ledger.index.models import Condition, LifeCycle, Party
from ledger.proofs.events import Action
from ledger.proofs.inspections import InspectionOutcome

BRAND = Actor("0x" + "b1" * 20, Role.BRAND, "acme")
OTHER_BRAND = Actor("0x" + "b2" * 20, Role.BRAND, "bolt")
SHOP = Actor("0x" + "5a" * 20, Role.RETAILER, "shop")  # the custodian of every state below
TRUCK = Actor("0x" + "7c" * 20, Role.CARRIER, "truck")  # the receiver of its open shipment
DIST = Actor("0x" + "d1" * 20, Role.DISTRIBUTOR, "dist")
CUSTOMS = Actor("0x" + "0f" * 20, Role.OFFICER, "customs")
AUDITOR = Actor("0x" + "ad" * 20, Role.AUDITOR, "auditor")
SHIPMENT = "0x" + "5e" * 32

# The act each action is tried with: by a party that "who" allows, so the state alone decides.
ACTS = {
    Action.SHIP: Act(Action.SHIP, SHOP, TRUCK),
    Action.RECEIVE: Act(Action.RECEIVE, TRUCK, shipment=SHIPMENT),
    Action.PACK: Act(Action.PACK, SHOP),
    Action.UNPACK: Act(Action.UNPACK, SHOP),
    Action.SELL: Act(Action.SELL, SHOP),
    Action.RECALL: Act(Action.RECALL, BRAND),
    Action.REPORT_STOLEN: Act(Action.REPORT_STOLEN, CUSTOMS),
    Action.DESTROY: Act(Action.DESTROY, SHOP),
    Action.DECOMMISSION: Act(Action.DECOMMISSION, SHOP),
    Action.INSPECT: Act(Action.INSPECT, CUSTOMS, outcome=InspectionOutcome.PASSED),
}

OK, NO, SKIP, NEEDED = "ok", "no", "skip", "needed"
A, S, D, X = LifeCycle.ACTIVE, LifeCycle.SOLD, LifeCycle.DESTROYED, LifeCycle.DECOMMISSIONED
T, ST, R, H = Condition.IN_TRANSIT, Condition.STOLEN, Condition.RECALLED, Condition.HELD

# action → its cell in each life-cycle state and each condition.
EXPECTED: dict[Action, dict[LifeCycle | Condition, str]] = {
    Action.SHIP:          {A: OK, S: NO, D: SKIP, X: SKIP, T: NO, ST: NO, R: OK, H: NO},
    Action.RECEIVE:       {A: OK, S: NO, D: SKIP, X: SKIP, T: NEEDED, ST: OK, R: OK, H: OK},
    Action.PACK:          {A: OK, S: NO, D: SKIP, X: SKIP, T: NO, ST: NO, R: OK, H: NO},
    Action.UNPACK:        {A: OK, S: NO, D: SKIP, X: SKIP, T: NO, ST: NO, R: OK, H: OK},
    Action.SELL:          {A: OK, S: SKIP, D: SKIP, X: SKIP, T: NO, ST: NO, R: NO, H: NO},
    Action.RECALL:        {A: OK, S: OK, D: SKIP, X: SKIP, T: OK, ST: OK, R: SKIP, H: OK},
    Action.REPORT_STOLEN: {A: OK, S: NO, D: SKIP, X: SKIP, T: OK, ST: SKIP, R: OK, H: OK},
    Action.DESTROY:       {A: OK, S: NO, D: SKIP, X: SKIP, T: NO, ST: NO, R: OK, H: OK},
    Action.DECOMMISSION:  {A: OK, S: NO, D: SKIP, X: SKIP, T: NO, ST: NO, R: OK, H: OK},
    Action.INSPECT:       {A: OK, S: OK, D: OK, X: OK, T: OK, ST: OK, R: OK, H: OK},
}

# What the refusal says, by the column that refuses.
SAYS = {S: "it is sold", D: "it is destroyed", X: "it is decommissioned", T: f"it is in transit in shipment {SHIPMENT}",
        ST: "it is reported stolen", R: "it is recalled", H: "it is on hold after an inspection (held)"}
ALREADY = {Action.SELL: S, Action.RECALL: R, Action.REPORT_STOLEN: ST, Action.DESTROY: D, Action.DECOMMISSION: X}


def state(life_cycle: LifeCycle, conditions: tuple[Condition, ...] = ()) -> ItemState:
    in_transit = T in conditions
    return ItemState(BRAND.address, SHOP.address, life_cycle, ST in conditions, R in conditions,
                     InspectionOutcome.HELD if H in conditions else None,
                     SHIPMENT if in_transit else None, TRUCK.address if in_transit else None)


def expected(action: Action, life_cycle: LifeCycle, conditions: tuple[Condition, ...]) -> tuple[str, str]:
    """(ok | no | skip, what the refusal says) from EXPECTED: the first column that refuses decides."""
    cells = EXPECTED[action]
    columns: tuple[LifeCycle | Condition, ...] = (life_cycle, *conditions)
    for column in columns:
        if cells[column] in (NO, SKIP):
            if cells[column] == SKIP:
                already = ALREADY.get(action) is column
                return SKIP, ("it is already " + SAYS[column].removeprefix("it is ") if already
                              else SAYS[column] + "; nothing more can happen to it")
            return NO, SAYS[column]
    missing = [c for c, cell in cells.items() if cell == NEEDED and c not in conditions]
    if missing:
        return NO, "it is not in transit"
    return OK, ""


STATES = [(life_cycle, conditions) for life_cycle in LifeCycle
          for n in range(len(Condition) + 1) for conditions in itertools.combinations(tuple(Condition), n)]


def test_the_expected_table_covers_every_cell() -> None:
    assert len(STATES) == 4 * 16 and set(EXPECTED) == set(Action) == set(RULES)
    assert all(set(cells) == set(COLUMNS) for cells in EXPECTED.values())


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.label)
@pytest.mark.parametrize(("life_cycle", "conditions"), STATES,
                         ids=[" + ".join([lc, *c]) for lc, c in STATES])
def test_every_state_and_action(action: Action, life_cycle: LifeCycle, conditions: tuple[Condition, ...]) -> None:
    outcome, says = expected(action, life_cycle, conditions)
    before = state(life_cycle, conditions)
    act = ACTS[action]
    if outcome == OK:
        assert refusal(before, act) is None
        assert step(before, act) == effect(before, act)
        return
    with pytest.raises(ActionRefused) as refused:
        step(before, act, "/01/09521234543213/21/1")
    error = refused.value
    assert error.reason == says and error.settled is (outcome == SKIP)
    assert error.message == f"{act.actor.name} cannot {action.label} /01/09521234543213/21/1: {says}"


# -- who may act --------------------------------------------------------------------------

ACTIVE = state(A)
IN_TRANSIT = state(A, (T,))

WHO: list[tuple[str, Act, ItemState, type[LedgerError] | None, str]] = [
    ("custodian ships", Act(Action.SHIP, SHOP, TRUCK), ACTIVE, None, ""),
    ("another holder ships", Act(Action.SHIP, DIST, TRUCK), ACTIVE, NotHolder, "dist cannot ship x: it does not hold them"),
    ("the brand ships what a shop holds", Act(Action.SHIP, BRAND, TRUCK), ACTIVE, NotHolder, "it does not hold them"),
    ("an officer ships", Act(Action.SHIP, CUSTOMS, TRUCK), ACTIVE, RoleError,
     "customs may not ship goods: that needs the brand, carrier, distributor or retailer role"),
    ("ship to an officer", Act(Action.SHIP, SHOP, CUSTOMS), ACTIVE, RoleError,
     "customs may not receive goods: that needs the brand, carrier, distributor or retailer role"),
    ("ship to an unknown party", Act(Action.SHIP, SHOP, Actor("0x" + "99" * 20, None)), ACTIVE, RoleError,
     "may not receive goods"),
    ("ship to oneself", Act(Action.SHIP, SHOP, SHOP), ACTIVE, ActionRefused, "sender and receiver are the same party"),
    ("the receiver receives", Act(Action.RECEIVE, TRUCK, shipment=SHIPMENT), IN_TRANSIT, None, ""),
    ("the receiver, of any shipment", Act(Action.RECEIVE, TRUCK), IN_TRANSIT, None, ""),
    ("the receiver names another shipment", Act(Action.RECEIVE, TRUCK, shipment="0x" + "00" * 32), IN_TRANSIT, NotHolder,
     "truck cannot receive x: they were not shipped to it"),
    ("another carrier receives", Act(Action.RECEIVE, DIST, shipment=SHIPMENT), IN_TRANSIT, NotHolder,
     "they were not shipped to it"),
    ("an auditor receives", Act(Action.RECEIVE, AUDITOR, shipment=SHIPMENT), IN_TRANSIT, RoleError, "auditor may not receive goods"),
    ("custodian packs", Act(Action.PACK, SHOP), ACTIVE, None, ""),
    ("another party packs", Act(Action.PACK, DIST), ACTIVE, NotHolder, "dist cannot pack x: it does not hold them"),
    ("another party unpacks", Act(Action.UNPACK, TRUCK), ACTIVE, NotHolder, "it does not hold them"),
    ("a retailer custodian sells", Act(Action.SELL, SHOP), ACTIVE, None, ""),
    ("a brand sells", Act(Action.SELL, BRAND), ItemState(BRAND.address, BRAND.address), RoleError,
     "acme may not sell to a consumer: that needs the retailer role"),
    ("a retailer sells what it does not hold", Act(Action.SELL, Actor("0x" + "5b" * 20, Role.RETAILER, "shop2")), ACTIVE,
     NotHolder, "shop2 cannot sell x: it does not hold them"),
    ("its brand recalls", Act(Action.RECALL, BRAND), ACTIVE, None, ""),
    ("another brand recalls", Act(Action.RECALL, OTHER_BRAND), ACTIVE, NotHolder, "bolt cannot recall x: they are another brand's goods"),
    ("the custodian recalls", Act(Action.RECALL, SHOP), ACTIVE, RoleError, "shop may not recall goods: that needs the brand role"),
    ("an officer reports stolen", Act(Action.REPORT_STOLEN, CUSTOMS), ACTIVE, None, ""),
    ("its brand reports stolen", Act(Action.REPORT_STOLEN, BRAND), ACTIVE, None, ""),
    ("its custodian reports stolen", Act(Action.REPORT_STOLEN, SHOP), ACTIVE, None, ""),
    ("another brand reports stolen", Act(Action.REPORT_STOLEN, OTHER_BRAND), ACTIVE, NotHolder, "it neither made nor holds them"),
    ("an unrelated carrier reports stolen", Act(Action.REPORT_STOLEN, TRUCK), ACTIVE, NotHolder, "it neither made nor holds them"),
    ("an auditor reports stolen", Act(Action.REPORT_STOLEN, AUDITOR), ACTIVE, RoleError,
     "auditor may not report goods stolen: that needs the brand, custodian or officer role"),
    ("custodian destroys", Act(Action.DESTROY, SHOP), ACTIVE, None, ""),
    ("the brand destroys what a shop holds", Act(Action.DESTROY, BRAND), ACTIVE, NotHolder, "it does not hold them"),
    ("an officer destroys", Act(Action.DESTROY, CUSTOMS), ACTIVE, RoleError, "customs may not destroy goods"),
    ("custodian decommissions", Act(Action.DECOMMISSION, SHOP), ACTIVE, None, ""),
    ("an officer inspects", Act(Action.INSPECT, CUSTOMS, outcome=InspectionOutcome.HELD), ACTIVE, None, ""),
    ("a brand inspects", Act(Action.INSPECT, BRAND, outcome=InspectionOutcome.HELD), ACTIVE, RoleError,
     "acme may not record inspections: that needs the officer role"),
    ("an unknown party inspects", Act(Action.INSPECT, Actor("0x" + "99" * 20, None), outcome=InspectionOutcome.HELD), ACTIVE,
     RoleError, "0x9999999999999999999999999999999999999999 may not record inspections"),
]


@pytest.mark.parametrize(("act", "before", "error", "message"), [w[1:] for w in WHO], ids=[w[0] for w in WHO])
def test_who_may_act(act: Act, before: ItemState, error: type[LedgerError] | None, message: str) -> None:
    if error is None:
        assert refusal(before, act) is None
        return
    with pytest.raises(error, match=message):
        step(before, act, "x")


def test_who_is_checked_before_the_state() -> None:
    """A stranger learns that it may not act, not what state the item is in."""
    with pytest.raises(NotHolder):
        step(state(S, (ST, R)), Act(Action.SHIP, DIST, TRUCK))


# -- what each action changes -------------------------------------------------------------

def test_what_each_action_changes() -> None:
    active = state(A)
    assert effect(active, Act(Action.SHIP, SHOP, TRUCK, shipment=SHIPMENT)) == state(A, (T,))
    arrived = effect(state(A, (T,)), ACTS[Action.RECEIVE])
    assert (arrived.custodian, arrived.shipment, arrived.receiver) == (TRUCK.address, None, None)
    assert effect(active, ACTS[Action.PACK]) == active == effect(active, ACTS[Action.UNPACK])
    assert effect(active, ACTS[Action.SELL]) == state(S)
    assert effect(active, ACTS[Action.DESTROY]) == state(D)
    assert effect(active, ACTS[Action.DECOMMISSION]) == state(X)
    assert effect(active, ACTS[Action.RECALL]) == state(A, (R,))
    assert effect(active, ACTS[Action.REPORT_STOLEN]) == state(A, (ST,))
    held = effect(active, Act(Action.INSPECT, CUSTOMS, outcome=InspectionOutcome.HELD))
    assert held == state(A, (H,)) and held.conditions == (H,)
    assert effect(held, ACTS[Action.INSPECT]).conditions == ()  # passed: released
    seized = effect(active, Act(Action.INSPECT, CUSTOMS, outcome=InspectionOutcome.SEIZED))
    assert seized.conditions == (H,) and refusal(seized, ACTS[Action.SHIP]) is not None


def test_conditions_coexist_with_each_other_and_the_life_cycle() -> None:
    """Stolen, then recalled: both stay (one status used to keep only RECALLED). Sold, then recalled: sold and recalled."""
    stolen = step(state(A), Act(Action.REPORT_STOLEN, CUSTOMS))
    both = step(stolen, Act(Action.RECALL, BRAND))
    assert both.conditions == (ST, R) and both.life_cycle is A and both.status == "stolen"
    sold = step(step(state(A), ACTS[Action.SELL]), ACTS[Action.RECALL])
    assert (sold.life_cycle, sold.conditions, sold.status) == (S, (R,), "recalled")
    gone = step(state(A, (ST, R)), Act(Action.INSPECT, CUSTOMS, outcome=InspectionOutcome.HELD))
    assert gone.conditions == (ST, R, H)


def test_an_anchored_act_is_what_was_signed() -> None:
    reference = InspectionOutcome.SEIZED.reference_hex
    assert Act.anchored(Action.SHIP, SHOP, TRUCK, SHIPMENT, "0x" + "00" * 32) == Act(Action.SHIP, SHOP, TRUCK, SHIPMENT)
    assert Act.anchored(Action.RECEIVE, TRUCK, SHOP, "0x" + "ee" * 32, SHIPMENT) == Act(Action.RECEIVE, TRUCK, shipment=SHIPMENT)
    assert Act.anchored(Action.INSPECT, CUSTOMS, SHOP, "0x" + "ee" * 32, reference).outcome is InspectionOutcome.SEIZED
    assert Act.anchored(Action.RECALL, BRAND, SHOP, "0x" + "ee" * 32, None) == Act(Action.RECALL, BRAND)


def test_states_read_from_rows() -> None:
    """As drivers return them: SQLite gives 0/1 for booleans; a value no state has is an error, not a crash."""
    row = ItemState.from_columns(BRAND.address, SHOP.address, "sold", 0, 1, "seized", None, None)
    assert (row.life_cycle, row.conditions, row.row) == (S, (R, H), (SHOP.address, "sold", False, True, "seized", None))
    with pytest.raises(StateConflict, match="an item row holds life_cycle 'lost'.*run `ledger audit`"):
        ItemState.from_columns(BRAND.address, SHOP.address, "lost", 0, 0, None, None, None)
    assert Actor.of(Party(address=SHOP.address, name="shop", role="king", created_at=datetime.now(UTC))).role is None


# -- many items at once -------------------------------------------------------------------

def test_check_names_every_item_refused_for_the_first_reason() -> None:
    keys = ["k1", "k2", "k3", "k4"]
    states = [state(A), state(A, (ST,)), state(A, (R,)), state(A, (ST,))]
    with pytest.raises(ActionRefused, match=r"^shop cannot ship k2, k4: it is reported stolen$"):
        check(keys, states, ACTS[Action.SHIP])
    assert check(keys, [state(A)] * 4, ACTS[Action.SHIP]) == [True] * 4


def test_a_lot_wide_action_skips_what_is_settled() -> None:
    keys = ["k1", "k2", "k3", "k4"]
    states = [state(A), state(A, (R,)), state(S), state(D)]
    with pytest.raises(ActionRefused, match="k2: it is already recalled") as refused:
        check(keys, states, ACTS[Action.RECALL])
    assert refused.value.settled
    assert check(keys, states, ACTS[Action.RECALL], skip_settled=True) == [True, False, True, False]
    with pytest.raises(ActionRefused, match="cannot recall k2: it is already recalled") as refused:
        check(keys[1:2], states[1:2], ACTS[Action.RECALL], skip_settled=True)
    assert refused.value.settled
    # Skipping passes over settled items only: anything else still refuses the whole lot.
    with pytest.raises(ActionRefused, match="k3: it is sold"):
        check(keys, states, Act(Action.REPORT_STOLEN, BRAND), skip_settled=True)


# -- the replay -----------------------------------------------------------------------------

acts = st.sampled_from([*ACTS.values(), Act(Action.SHIP, SHOP, TRUCK, shipment=SHIPMENT),
                        Act(Action.INSPECT, CUSTOMS, outcome=InspectionOutcome.HELD), Act(Action.REPORT_STOLEN, BRAND)])


@given(st.lists(acts, max_size=12))
def test_a_replay_is_refusal_and_effect_and_what_is_settled_stays(history: list[Act]) -> None:
    replay, replayed, lawful = Replay(limit=4), state(A), state(A)
    for act in history:
        refused, after = replay(replayed, act)
        assert (refused, after) == (refusal(replayed, act), effect(replayed, act))
        replayed = after
        try:
            before, lawful = lawful, step(lawful, act)
        except LedgerError:
            continue
        # What the rules allow never undoes a fact: a final life-cycle stays, stolen and recalled stay.
        assert not before.life_cycle.final or lawful.life_cycle is before.life_cycle
        assert lawful.stolen >= before.stolen and lawful.recalled >= before.recalled
        assert lawful.life_cycle is before.life_cycle or before.life_cycle is A


# -- the table in the docs ----------------------------------------------------------------

def test_design_doc_shows_the_table() -> None:
    design = (Path(__file__).parents[2] / "docs" / "DESIGN.md").read_text()
    assert table_markdown() in design, "docs/DESIGN.md: paste ledger.custody.state.table_markdown() over the old table"


# -- the status the pages show (ItemState.standing): every life-cycle state × every inspection outcome ----

_SEIZED, _HELD, _FAKE = InspectionOutcome.SEIZED, InspectionOutcome.HELD, InspectionOutcome.SUSPECTED_COUNTERFEIT
STANDING: list[tuple[dict[str, object], str]] = [
    ({}, "active"),
    ({"life_cycle": LifeCycle.SOLD}, "sold"),
    ({"life_cycle": LifeCycle.DESTROYED}, "destroyed"),
    ({"life_cycle": LifeCycle.DECOMMISSIONED}, "decommissioned"),
    ({"inspection": InspectionOutcome.PASSED}, "active"),
    ({"inspection": _HELD}, "held"),
    ({"inspection": _SEIZED}, "seized"),
    ({"inspection": _FAKE}, "suspected counterfeit"),
    ({"stolen": True}, "reported stolen"),
    ({"recalled": True}, "recalled"),
    ({"shipment": "0x" + "aa" * 32, "receiver": TRUCK.address}, "in transit"),
    ({"stolen": True, "inspection": _SEIZED}, "seized, reported stolen"),
    ({"recalled": True, "inspection": _SEIZED, "shipment": "0x" + "aa" * 32}, "seized, in transit, recalled"),
    ({"life_cycle": LifeCycle.SOLD, "inspection": _SEIZED}, "seized, sold"),
    ({"life_cycle": LifeCycle.SOLD, "recalled": True}, "recalled, sold"),
    ({"life_cycle": LifeCycle.DESTROYED, "inspection": _SEIZED, "stolen": True}, "destroyed"),  # final: nothing more
]


@pytest.mark.parametrize(("fields", "expected"), STANDING, ids=[e for _, e in STANDING])
def test_standing_names_a_seizure_not_active(fields: dict[str, object], expected: str) -> None:
    state = ItemState(BRAND.address, SHOP.address, **fields)  # type: ignore[arg-type]
    assert state.standing == expected


def test_a_seized_inspection_moves_the_item_and_a_passed_one_releases_it() -> None:
    officer = Actor("0x" + "0f" * 20, Role.OFFICER, "customs")
    seized = effect(ItemState.registered(BRAND.address), Act(Action.INSPECT, officer, outcome=_SEIZED))
    assert seized.standing == "seized" and Condition.HELD in seized.conditions
    passed = effect(seized, Act(Action.INSPECT, officer, outcome=InspectionOutcome.PASSED))
    assert passed.standing == "active" and not passed.conditions


@pytest.mark.parametrize("life_cycle", list(LifeCycle))
@pytest.mark.parametrize("outcome", [None, *InspectionOutcome])
def test_standing_covers_every_state(life_cycle: LifeCycle, outcome: InspectionOutcome | None) -> None:
    state = ItemState(BRAND.address, SHOP.address, life_cycle, inspection=outcome)
    words = state.standing
    assert words and (words == life_cycle.value if life_cycle.final else
                      (outcome is not None and outcome.holds) == words.startswith(outcome.label if outcome else "\0"))
