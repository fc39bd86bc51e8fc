"""The item state machine: which action is allowed in which state, and what it changes.

An item's state is one life-cycle state (active, sold, destroyed, decommissioned) and the
conditions that coexist with it (in transit, stolen, recalled, held by an inspection), with
its brand, custodian and open shipment. :data:`RULES` is the one table of what each action
needs — who may take it, and in which states — and what it does. Everything that checks or
changes an item's state goes through :func:`refusal` and :func:`effect`:

- the checks before an action is signed (:func:`check`; ``ledger.custody.rules`` reads the rows),
- the index writes after it is anchored (:func:`effect`, then :attr:`ItemState.row`),
- the EPCIS import's dry run (:func:`check` on the states its earlier events leave),
- the audit's replay (:func:`refusal` and :func:`effect` per event, compared with the row).

An anchored action is a fact: :func:`effect` applies it without asking, so the writes and the
replay follow the chain even where the audit reports that a rule was broken.

What is packed where is not part of an item's state: the membership table holds it, checked
against the signed packing anchors by the audit, and ``ledger.custody.packing`` enforces it
(a packed item travels only with its container; :attr:`Rule.unpacked` actions need it out).

Pure: no database, no chain.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from ..chain.roles import Role
from ..errors import ActionRefused, LedgerError, NotHolder, RoleError, StateConflict
from ..index.models import Condition, LifeCycle, Party, conditions_of, legacy_status
from ..proofs.events import Action
from ..proofs.inspections import InspectionOutcome

__all__ = [
    "COLUMNS",
    "RULES",
    "STATE_COLUMNS",
    "Act",
    "Actor",
    "Cell",
    "Column",
    "ItemState",
    "Refusal",
    "Refused",
    "Replay",
    "Rule",
    "Who",
    "check",
    "effect",
    "refusal",
    "step",
    "table_markdown",
]

Column = LifeCycle | Condition
COLUMNS: tuple[Column, ...] = (*LifeCycle, *Condition)

# The item table's state columns, in the order of ItemState.row.
STATE_COLUMNS = ("custodian", "life_cycle", "stolen", "recalled", "inspection", "open_shipment")


@dataclass(frozen=True, slots=True)
class ItemState:
    brand: str
    custodian: str
    life_cycle: LifeCycle = LifeCycle.ACTIVE
    stolen: bool = False
    recalled: bool = False
    inspection: InspectionOutcome | None = None  # the latest inspection's outcome
    shipment: str | None = None  # the open shipment it travels in
    receiver: str | None = None  # that shipment's receiver

    @classmethod
    def registered(cls, brand: str) -> ItemState:
        """A new item: active, with its brand."""
        return cls(brand, brand)

    @classmethod
    def from_columns(cls, brand: str, custodian: str, life_cycle: str, stolen: object, recalled: object,
                     inspection: str | None, shipment: str | None, receiver: str | None) -> ItemState:
        """The state an item row records, its values as a driver returns them (SQLite: 0/1 for booleans);
        ``receiver`` is its open shipment's. StateConflict if the row holds a value no state has."""
        try:
            return cls(brand, custodian, LifeCycle(life_cycle), bool(stolen), bool(recalled),
                       InspectionOutcome(inspection) if inspection else None, shipment, receiver)
        except ValueError:  # only a hand-edited row: nothing the app writes
            raise StateConflict("the index", f"an item row holds life_cycle {life_cycle!r}, inspection {inspection!r}, "
                                "which are no state; run `ledger audit`") from None

    @property
    def conditions(self) -> tuple[Condition, ...]:
        return conditions_of(self.shipment, self.stolen, self.recalled, self.inspection)

    @property
    def status(self) -> str:
        """The one-word status of API v1 (see :func:`ledger.index.models.legacy_status`)."""
        return legacy_status(self.life_cycle, self.conditions)

    @property
    def standing(self) -> str:
        """The item's status in words, as the pages show it: a final life-cycle state alone (nothing more can
        happen to it); else the outcome of an inspection that holds it (seized, held, suspected counterfeit),
        stolen, recalled and in transit, as they hold; else its life-cycle state (active, sold).

        A seizure is the ``held`` condition with the outcome ``seized`` (see :data:`RULES`, inspect): the goods
        stay on hold until a later inspection passes them, and this names it rather than saying "active".
        """
        if self.life_cycle.final:
            return self.life_cycle.value
        words = [self.inspection.label] if self.inspection is not None and self.inspection.holds else []
        words += [_word(c) for c in self.conditions if c is not Condition.HELD]
        if self.life_cycle is not LifeCycle.ACTIVE:
            words.append(self.life_cycle.value)
        return ", ".join(words) or self.life_cycle.value

    @property
    def row(self) -> tuple[str, str, bool, bool, str | None, str | None]:
        """The values of :data:`STATE_COLUMNS`, as the index stores them."""
        return (self.custodian, self.life_cycle.value, self.stolen, self.recalled,
                self.inspection.value if self.inspection else None, self.shipment)


@dataclass(frozen=True, slots=True)
class Actor:
    """The facts about a party that the rules look at."""

    address: str
    role: Role | None  # None: a party the index does not know
    name: str = ""

    @classmethod
    def of(cls, party: Party) -> Actor:
        try:
            role: Role | None = Role(party.role)
        except ValueError:  # a hand-edited role: no rule lets it act
            role = None
        return cls(party.address, role, party.name)

    @property
    def label(self) -> str:
        return self.name or self.address


@dataclass(frozen=True, slots=True)
class Act:
    """One action, as it applies to each of its items."""

    action: Action
    actor: Actor
    counterparty: Actor | None = None  # SHIP: the receiver
    shipment: str | None = None  # SHIP: the new shipment (its root once anchored); RECEIVE: the shipment accepted
    outcome: InspectionOutcome | None = None  # INSPECT

    @classmethod
    def anchored(cls, action: Action, actor: Actor, counterparty: Actor, root: str, reference: str | None) -> Act:
        """The act an anchored action records: its events' action, actor and counterparty, the anchor's
        root (a shipment's id) and the signed reference (the shipment a receipt accepts, an inspection's outcome)."""
        if action is Action.SHIP:
            return cls(action, actor, counterparty, shipment=root)
        if action is Action.RECEIVE:
            return cls(action, actor, shipment=reference)
        if action is Action.INSPECT:
            return cls(action, actor, outcome=InspectionOutcome.from_reference(reference))
        return cls(action, actor)


class Cell(enum.StrEnum):
    """One cell of the table: may the action be taken on an item in this state?"""

    YES = "✓"
    NO = "✗"
    SKIP = "skip"  # no: there is nothing left to do (already so, or gone); an action on a whole lot passes over it
    NEEDED = "needed"  # only in this state


class Who(enum.StrEnum):
    SENDER = "its custodian (brand, carrier, distributor or retailer), to another such party"
    RECEIVER = "the receiver of its open shipment"
    HOLDER = "its custodian (brand, carrier, distributor or retailer)"
    RETAILER = "its custodian, a retailer"
    BRAND = "its brand"
    REPORTER = "its brand, its custodian, or any officer"
    OFFICER = "an officer"


@dataclass(frozen=True)
class Rule:
    action: Action
    who: Who
    verb: str  # as in "<party> may not <verb>"
    cells: tuple[Cell, ...]  # in COLUMNS order
    does: str
    sets: Column | None = None  # the state or condition it brings about ("already" when the item is in it)
    unpacked: bool = False  # the item must be out of every container


Y, N, S, R = Cell.YES, Cell.NO, Cell.SKIP, Cell.NEEDED
_ANY = "brand, carrier, distributor or retailer"

# THE table. Columns: the life-cycle states, then the conditions (any of which may hold at once).
# An action goes ahead if the actor is "who", the cell of the item's life-cycle state and the cell
# of every condition it is in allow it, and it is in every condition marked "needed".
RULES: dict[Action, Rule] = {rule.action: rule for rule in (
    #                                                  active sold destroyed decommissioned | in transit stolen recalled held
    Rule(Action.SHIP, Who.SENDER, "ship goods",          (Y, N, S, S, N, N, Y, N),
         "opens a shipment to the receiver (in transit)", Condition.IN_TRANSIT),
    Rule(Action.RECEIVE, Who.RECEIVER, "receive goods",  (Y, N, S, S, R, Y, Y, Y),
         "closes the shipment; the receiver becomes the custodian"),
    Rule(Action.PACK, Who.HOLDER, "pack goods",          (Y, N, S, S, N, N, Y, N),
         "puts it in a container (see packing)"),
    Rule(Action.UNPACK, Who.HOLDER, "unpack goods",      (Y, N, S, S, N, N, Y, Y),
         "takes it out of its container"),
    Rule(Action.SELL, Who.RETAILER, "sell to a consumer", (Y, S, S, S, N, N, N, N),
         "sold", LifeCycle.SOLD, unpacked=True),
    Rule(Action.RECALL, Who.BRAND, "recall goods",       (Y, Y, S, S, Y, Y, S, Y),
         "+ recalled", Condition.RECALLED),
    Rule(Action.REPORT_STOLEN, Who.REPORTER, "report goods stolen", (Y, N, S, S, Y, S, Y, Y),
         "+ stolen", Condition.STOLEN),
    Rule(Action.DESTROY, Who.HOLDER, "destroy goods",    (Y, N, S, S, N, N, Y, Y),
         "destroyed", LifeCycle.DESTROYED, unpacked=True),
    Rule(Action.DECOMMISSION, Who.HOLDER, "decommission goods", (Y, N, S, S, N, N, Y, Y),
         "decommissioned", LifeCycle.DECOMMISSIONED, unpacked=True),
    Rule(Action.INSPECT, Who.OFFICER, "record inspections", (Y, Y, Y, Y, Y, Y, Y, Y),
         "records the outcome: held, seized or suspected counterfeit put it on hold; passed releases it",
         Condition.HELD),
)}
_CELLS: dict[Action, Mapping[Column, Cell]] = {action: dict(zip(COLUMNS, rule.cells, strict=True))
                                                for action, rule in RULES.items()}


class Refused(enum.Enum):
    ROLE = "role"  # RoleError
    NOT_HOLDER = "not holder"  # NotHolder
    STATE = "state"  # ActionRefused
    SETTLED = "settled"  # ActionRefused(settled=True): nothing left to do


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why an action may not be taken on an item; :meth:`error` says it for a list of items."""

    kind: Refused
    reason: str  # for ROLE: the roles that may
    party: str | None = None  # for ROLE: the party refused when it is not the actor (a shipment's receiver)
    verb: str | None = None

    def error(self, act: Act, keys: list[str]) -> LedgerError:
        name = act.actor.label
        if self.kind is Refused.ROLE:
            return RoleError(self.party or name, self.verb or RULES[act.action].verb, self.reason)
        if self.kind is Refused.NOT_HOLDER:
            return NotHolder(name, act.action.label, keys, self.reason)
        return ActionRefused(name, act.action.label, keys, self.reason, settled=self.kind is Refused.SETTLED)


def _word(column: Column) -> str:
    return "reported stolen" if column is Condition.STOLEN else column.value


def _in(state: ItemState, column: Column) -> str:
    if column is Condition.IN_TRANSIT:
        return f"in transit in shipment {state.shipment}"
    if column is Condition.HELD:
        return f"on hold after an inspection ({state.inspection.label if state.inspection else '?'})"
    return _word(column)


def _role(needed: str) -> Refusal:
    return Refusal(Refused.ROLE, needed)


def _who(rule: Rule, state: ItemState, act: Act) -> Refusal | None:
    actor, role, who = act.actor, act.actor.role, rule.who
    if who is Who.OFFICER:
        return None if role is Role.OFFICER else _role("officer")
    if who is Who.BRAND:
        if role is not Role.BRAND:
            return _role("brand")
        return None if state.brand == actor.address else Refusal(Refused.NOT_HOLDER, "they are another brand's goods")
    if who is Who.REPORTER:
        if role is Role.OFFICER:
            return None
        if role is None or not role.holds_goods:
            return _role("brand, custodian or officer")
        return None if actor.address in (state.brand, state.custodian) else Refusal(
            Refused.NOT_HOLDER, "it neither made nor holds them")
    if role is None or not (role is Role.RETAILER if who is Who.RETAILER else role.holds_goods):
        return _role("retailer" if who is Who.RETAILER else _ANY)
    if who is Who.RECEIVER:
        # Not in transit at all: the "needed" cell says so.
        if state.shipment is not None and (state.receiver != actor.address or act.shipment not in (None, state.shipment)):
            return Refusal(Refused.NOT_HOLDER, "they were not shipped to it")
        return None
    if state.custodian != actor.address:
        return Refusal(Refused.NOT_HOLDER, "it does not hold them")
    if who is Who.SENDER:
        receiver = act.counterparty
        if receiver is None or receiver.role is None or not receiver.role.holds_goods:
            return Refusal(Refused.ROLE, _ANY, receiver.label if receiver else "nobody", "receive goods")
        if receiver.address == actor.address:
            return Refusal(Refused.STATE, "sender and receiver are the same party")
    return None


def refusal(state: ItemState, act: Act) -> Refusal | None:
    """Why :data:`RULES` refuse ``act`` on an item in ``state``, or None if they allow it."""
    rule = RULES[act.action]
    refused = _who(rule, state, act)
    if refused is not None:
        return refused
    cells = _CELLS[act.action]
    present: tuple[Column, ...] = (state.life_cycle, *state.conditions)
    for column in present:
        cell = cells[column]
        if cell is Cell.NO:
            return Refusal(Refused.STATE, f"it is {_in(state, column)}")
        if cell is Cell.SKIP:
            return Refusal(Refused.SETTLED, f"it is already {_word(column)}" if column is rule.sets else
                           f"it is {_word(column)}; nothing more can happen to it")
    for column, cell in cells.items():
        if cell is Cell.NEEDED and column not in present:
            return Refusal(Refused.STATE, f"it is not {_word(column)}")
    return None


def effect(state: ItemState, act: Act) -> ItemState:
    """The state after ``act``, whether or not the rules allowed it (an anchored action is a fact)."""
    action = act.action
    if action is Action.SHIP:
        return replace(state, shipment=act.shipment, receiver=act.counterparty.address if act.counterparty else None)
    if action is Action.RECEIVE:
        return replace(state, custodian=act.actor.address, shipment=None, receiver=None)
    if action is Action.INSPECT:
        return replace(state, inspection=act.outcome)
    sets = RULES[action].sets
    if isinstance(sets, LifeCycle):
        return replace(state, life_cycle=sets)
    if sets is Condition.STOLEN:
        return replace(state, stolen=True)
    if sets is Condition.RECALLED:
        return replace(state, recalled=True)
    return state  # packing changes memberships only


def step(state: ItemState, act: Act, key: str = "the item") -> ItemState:
    """The state after ``act``; the refusal's error (naming ``key``) if the rules do not allow it."""
    refused = refusal(state, act)
    if refused is not None:
        raise refused.error(act, [key])
    return effect(state, act)


class Replay:
    """:func:`refusal` and :func:`effect` of acts on states, memoised.

    A replay of many items through the same actions (the audit: every item of a batch through
    each shipment) computes each transition once. States and acts are immutable, so the memo
    goes by identity: a state it returned, given the same act object, gives the same answer.
    """

    __slots__ = ("_limit", "_memo")

    def __init__(self, limit: int = 100_000) -> None:
        self._memo: dict[tuple[int, int], tuple[Refusal | None, ItemState, ItemState, Act]] = {}
        self._limit = limit

    def __call__(self, state: ItemState, act: Act) -> tuple[Refusal | None, ItemState]:
        """Why the rules refuse ``act`` on ``state`` (or None), and the state after it."""
        key = (id(state), id(act))
        found = self._memo.get(key)
        if found is None:
            if len(self._memo) >= self._limit:
                self._memo.clear()
            # The entry keeps state and act alive, so their ids cannot be reused while it stands.
            found = self._memo[key] = (refusal(state, act), effect(state, act), state, act)
        return found[0], found[1]


def check(keys: Sequence[str], states: Sequence[ItemState], act: Act, skip_settled: bool = False) -> list[bool]:
    """Whether ``act`` goes ahead on each item (``keys[i]`` in ``states[i]``).

    Raises the first refusal, naming every item refused for the same reason. With ``skip_settled``
    (an action on a whole lot), items with nothing left to do are passed over (False) — unless
    that is all of them.
    """
    refusals = [refusal(s, act) for s in states]
    blocking = [r for r in refusals if r is not None and not (skip_settled and r.kind is Refused.SETTLED)]
    if not blocking and refusals and all(r is not None for r in refusals):
        blocking = [r for r in refusals if r is not None]
    if blocking:
        first = blocking[0]
        raise first.error(act, [k for k, r in zip(keys, refusals, strict=True) if r == first])
    return [r is None for r in refusals]


def table_markdown() -> str:
    """:data:`RULES` as a Markdown table (docs/DESIGN.md copies it; a test keeps them equal)."""
    head = ["action", "who", *(c.value for c in COLUMNS), "does"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for rule in RULES.values():
        does = rule.does + (" (only unpacked)" if rule.unpacked else "")
        lines.append("| " + " | ".join([rule.action.label, rule.who.value, *rule.cells, does]) + " |")
    return "\n".join(lines) + "\n"
