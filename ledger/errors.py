"""The ledger's exceptions: one root, one subclass per domain failure.

Each subclass builds its own message from the data it keeps as attributes, so
callers at the edges (CLI, web) can show the message and still act on the data.
"""

from __future__ import annotations

__all__ = [
    "ActionRefused",
    "AlreadyPacked",
    "AuditScopeEmpty",
    "ChainLocked",
    "ChainRejected",
    "ChainUnreachable",
    "DuplicateItem",
    "EpcisEventRefused",
    "InvalidCode",
    "InvalidEpcis",
    "InvalidImage",
    "InvalidInput",
    "InvalidItemKey",
    "KeystoreError",
    "LedgerError",
    "NotPacked",
    "NotHolder",
    "NotInitialised",
    "PrefixOwned",
    "RoleError",
    "StateConflict",
    "UnknownItem",
    "UnknownParty",
]


class LedgerError(Exception):
    """Root of every error the ledger raises on purpose."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(LedgerError):
    """A value given by a user is malformed; ``field`` names it, ``expected`` says what is right."""

    def __init__(self, field: str, value: object, problem: str, expected: str) -> None:
        self.field, self.value, self.problem, self.expected = field, value, problem, expected
        super().__init__(f"{field} {value!r}: {problem}; expected {expected}")


class InvalidItemKey(InvalidInput):
    """A GTIN, serial, lot or expiry that GS1's rules reject."""


class InvalidCode(InvalidInput):
    """A scanned or typed code that is in none of the forms the ledger reads."""


class DuplicateItem(LedgerError):
    """An item given twice in one batch, or already on the ledger."""

    def __init__(self, key: str, where: str) -> None:
        self.key, self.where = key, where
        super().__init__(f"item {key} is {where}; nothing was registered")


class UnknownParty(LedgerError):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"no party named {name!r}; see `ledger party list`")


class UnknownItem(LedgerError):
    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"item {key} is not registered on this ledger")


class RoleError(LedgerError):
    """A party tried an action its role does not allow."""

    def __init__(self, party: str, action: str, needed: str) -> None:
        self.party, self.action, self.needed = party, action, needed
        super().__init__(f"{party} may not {action}: that needs the {needed} role")


class NotHolder(LedgerError):
    """A party acted on items it does not hold (or that were not sent to it)."""

    def __init__(self, party: str, action: str, keys: list[str], reason: str) -> None:
        self.party, self.action, self.keys, self.reason = party, action, keys, reason
        shown = ", ".join(keys[:3]) + (f" and {len(keys) - 3} more" if len(keys) > 3 else "")
        super().__init__(f"{party} cannot {action} {shown}: {reason}")


class PrefixOwned(LedgerError):
    def __init__(self, prefix: str, owner: str) -> None:
        self.prefix, self.owner = prefix, owner
        super().__init__(f"GS1 company prefix {prefix} belongs to {owner}")


class ChainUnreachable(LedgerError):
    def __init__(self, url: str, detail: str) -> None:
        self.url, self.detail = url, detail
        super().__init__(f"cannot reach the chain at {url}: {detail}")


class ChainRejected(LedgerError):
    """The contract reverted; ``reason`` is its decoded custom error."""

    def __init__(self, action: str, reason: str) -> None:
        self.action, self.reason = action, reason
        super().__init__(f"the chain refused to {action}: {reason}")


class KeystoreError(LedgerError):
    def __init__(self, party: str, problem: str) -> None:
        self.party, self.problem = party, problem
        super().__init__(f"keystore of {party}: {problem}")


class NotInitialised(LedgerError):
    def __init__(self, home: str) -> None:
        self.home = home
        super().__init__(f"no ledger at {home}; run `ledger init` first")


class StateConflict(LedgerError):
    """An action conflicts with the ledger's current state (e.g. a shipment already accepted)."""

    def __init__(self, what: str, state: str) -> None:
        self.what, self.state = what, state
        super().__init__(f"{what}: {state}")


class ActionRefused(StateConflict):
    """The item state machine (``ledger.custody.state``) refuses an action on items in their state.

    ``settled`` when there is nothing left to do to them (already so, or destroyed): an action on a
    whole lot passes over such items instead of failing.
    """

    def __init__(self, party: str, action: str, keys: list[str], reason: str, settled: bool = False) -> None:
        self.party, self.action, self.keys, self.reason, self.settled = party, action, keys, reason, settled
        shown = ", ".join(keys[:3]) + (f" and {len(keys) - 3} more" if len(keys) > 3 else "")
        super().__init__(f"{party} cannot {action} {shown}", reason)


class InvalidImage(InvalidInput):
    """Image bytes that cannot be read as a picture, are too large, or hold no code."""


class ChainLocked(LedgerError):
    """The embedded chain's directory is already open, in this process or another."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"the chain at {path} is already open in another process (or connection); close that first")


class AuditScopeEmpty(LedgerError):
    """An audit was asked for a scope that holds nothing to check."""

    def __init__(self, scope: str, reason: str) -> None:
        self.scope, self.reason = scope, reason
        super().__init__(f"nothing to audit in {scope}: {reason}")


class InvalidEpcis(LedgerError):
    """An EPCIS document that is not JSON, or not valid against GS1's EPCIS 2.0 schema."""

    def __init__(self, problem: str, detail: str) -> None:
        self.problem, self.detail = problem, detail
        super().__init__(f"the EPCIS document {problem}: {detail}; nothing was imported")


class EpcisEventRefused(LedgerError):
    """A schema-valid EPCIS event that does not fit the ledger (unknown items, custody that does not follow…)."""

    def __init__(self, index: int, event: str, problem: str) -> None:
        self.index, self.event, self.problem = index, event, problem
        super().__init__(f"EPCIS event {index} ({event}): {problem}; nothing was imported")


class AlreadyPacked(LedgerError):
    """An item or container is already in a container (nothing can be in two at once)."""

    def __init__(self, child: str, container: str, attempted: str) -> None:
        self.child, self.container, self.attempted = child, container, attempted
        super().__init__(f"cannot {attempted}: {child} is already packed in container {container}")


class NotPacked(LedgerError):
    """An unpack of something that is not in the container named."""

    def __init__(self, child: str, reason: str) -> None:
        self.child, self.reason = child, reason
        super().__init__(f"cannot unpack {child}: it {reason}")
