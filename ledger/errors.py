"""The ledger's exceptions: one root, one subclass per domain failure.

Each subclass builds its own message from the data it keeps as attributes, so
callers at the edges (CLI, web) can show the message and still act on the data.
"""

from __future__ import annotations

import reprlib

__all__ = [
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
    "SHOWN_CHARACTERS",
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
    "shown",
]

# How much of a value a message quotes: enough to recognise it, never the whole of a hostile 10 MB one.
SHOWN_CHARACTERS = 80
_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxlist, _REPR.maxtuple, _REPR.maxdict, _REPR.maxset = 2, 4, 4, 4, 4
_REPR.maxstring = _REPR.maxother = SHOWN_CHARACTERS
_REPR.maxlong = 40


def shown(value: object) -> str:
    """``value`` as a message quotes it: its repr, cut after 80 characters with the full length noted.

    >>> shown("x" * 100)
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'… (100 characters)"
    >>> shown(10**400)
    'an integer of 401 digits'
    """
    if isinstance(value, str):
        if len(value) <= SHOWN_CHARACTERS:
            return repr(value)
        return f"{value[:SHOWN_CHARACTERS]!r}… ({len(value):,} characters)"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**40:
        # repr() refuses integers over 4,300 digits, and a long one says nothing anyway.
        return f"an integer of {len(str(abs(value))) if value.bit_length() < 14_000 else 'over 4,000'} digits"
    return _REPR.repr(value)


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
        super().__init__(f"{field} {shown(value)}: {problem}; expected {expected}")


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
        super().__init__(f"no party named {shown(name)}; see `ledger party list`")


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
