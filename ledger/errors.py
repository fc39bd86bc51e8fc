"""The ledger's exceptions: one root, a few kinds of failure, one subclass per domain failure.

Each subclass builds its own message from the data it keeps as attributes, so
callers at the edges (CLI, web) can show the message and still act on the data.
Each kind knows its HTTP status and CLI exit code, so a new error is one class in the
right place and the edges need no table (web3.py's manner):

=====================  ======  ====  =============================================
kind                   HTTP    exit  meaning
=====================  ======  ====  =============================================
InvalidInput           400     1     a value given is malformed
NotFound               404     1     what was named is not on this ledger
NotAllowed             403     1     the party's role or holdings do not allow it
Conflict               409     1     the ledger's state does not allow it now
ChainRejected          502     1     the contract reverted
Unavailable            503     75    the chain or the index cannot be used now; retry
ActionPending          202     4     sent to the chain, outcome not known yet; it will
                                     be finished by ``ledger sync``: do not repeat it
=====================  ======  ====  =============================================

>>> UnknownParty("acme").http_status, ChainUnreachable("http://x", "refused").exit_code
(404, 75)
"""

from __future__ import annotations

import reprlib

__all__ = [
    "AnchorNotFollowed",
    "ActionPending",
    "ReadRefused",
    "RequestNotAuthenticated",
    "ActionRefused",
    "AlreadyPacked",
    "AuditScopeEmpty",
    "BadJoinRequest",
    "ChainLocked",
    "ChainRejected",
    "ChainUnavailable",
    "ChainUnreachable",
    "Conflict",
    "ContractMissing",
    "DuplicateItem",
    "EpcisEventRefused",
    "IndexNotRecognised",
    "IndexTooNew",
    "IndexUnavailable",
    "InvalidCode",
    "InvalidEpcis",
    "InvalidImage",
    "InvalidInput",
    "InvalidItemKey",
    "JoinRequestForged",
    "JournalPending",
    "KeystoreError",
    "LedgerError",
    "NotAllowed",
    "NotFound",
    "NotPacked",
    "NotProductOwner",
    "UnknownProduct",
    "NotHolder",
    "NotContractAdmin",
    "NotInitialised",
    "NotOnLedger",
    "NotPacked",
    "PrefixNests",
    "PrefixOwned",
    "RoleError",
    "SHOWN_CHARACTERS",
    "ScanNotOwned",
    "StateConflict",
    "TxOutcomeUnknown",
    "Unavailable",
    "UnknownItem",
    "UnknownParty",
    "UnknownScan",
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

    http_status = 400
    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(LedgerError):
    """What was named (an item, a party, a batch, a ledger) is not on this ledger."""

    http_status = 404


class NotOnLedger(NotFound):
    """A batch, shipment or container root that this ledger's index does not hold."""

    def __init__(self, what: str) -> None:
        self.what = what
        super().__init__(f"{what} is not on this ledger")


class NotAllowed(LedgerError):
    """The acting party's role or holdings do not allow the action."""

    http_status = 403


class Conflict(LedgerError):
    """The action conflicts with the ledger's current state."""

    http_status = 409


class Unavailable(LedgerError):
    """A service the ledger needs cannot be used now; nothing was done, and the same request may succeed later."""

    http_status = 503
    exit_code = 75  # sysexits EX_TEMPFAIL: a script may retry


class ChainUnavailable(Unavailable):
    """The chain cannot be reached or opened now."""


class InvalidInput(LedgerError):
    """A value given by a user is malformed; ``field`` names it, ``expected`` says what is right."""

    def __init__(self, field: str, value: object, problem: str, expected: str) -> None:
        self.field, self.value, self.problem, self.expected = field, value, problem, expected
        super().__init__(f"{field} {shown(value)}: {problem}; expected {expected}")


class InvalidItemKey(InvalidInput):
    """A GTIN, serial, lot or expiry that GS1's rules reject."""


class InvalidCode(InvalidInput):
    """A scanned or typed code that is in none of the forms the ledger reads."""


class DuplicateItem(Conflict):
    """An item given twice in one batch, or already on the ledger."""

    def __init__(self, key: str, where: str) -> None:
        self.key, self.where = key, where
        super().__init__(f"item {key} is {where}; nothing was registered")


class BadJoinRequest(InvalidInput):
    """A join request file that is malformed, or whose fields the administrator cannot grant (role, prefixes,
    expiry, another chain or contract); ``field`` names the field."""

    def __init__(self, field: str, value: object, problem: str, expected: str) -> None:
        super().__init__(f"join request {field}", value, problem, expected)
        self.request_field = field


class JoinRequestForged(NotAllowed):
    """A join request whose signature was not made by the key of the address it names (forged, or a field was
    changed after signing)."""

    def __init__(self, address: str, signer: str) -> None:
        self.address, self.signer = address, signer
        super().__init__(f"join request for {address}: its signature was made by {signer}, not by {address} (a field "
                         "was changed after signing, or the request is forged); ask the requester for the file its "
                         "`ledger party add` wrote, unchanged")


class NotContractAdmin(NotAllowed):
    """This home's admin key does not administer the contract, so it cannot grant roles or bind prefixes."""

    def __init__(self, contract: str, action: str) -> None:
        self.contract, self.action = contract, action
        super().__init__(f"this home cannot {action}: it does not hold the admin key of contract {contract}; "
                         "the contract's administrator runs `ledger party grant REQUEST_FILE` in its own home")


class UnknownParty(NotFound):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"no party named {shown(name)}; see `ledger party list`")


class UnknownItem(NotFound):
    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"item {key} is not registered on this ledger")


class UnknownScan(NotFound):
    def __init__(self, scan_id: int) -> None:
        self.scan_id = scan_id
        super().__init__(f"scan {scan_id} is not a scan of this code on this ledger")


class ScanNotOwned(NotAllowed):
    """A place offered for a scan that the asking browser did not make, or made too long ago."""

    def __init__(self, scan_id: int, minutes: int) -> None:
        self.scan_id, self.minutes = scan_id, minutes
        super().__init__(f"scan {scan_id} was not made in this browser in the last {minutes} minutes; only the "
                         "browser that made a scan may give it its place, soon after")


class RoleError(NotAllowed):
    """A party tried an action its role does not allow."""

    def __init__(self, party: str, action: str, needed: str) -> None:
        self.party, self.action, self.needed = party, action, needed
        super().__init__(f"{party} may not {action}: that needs the {needed} role")


class NotProductOwner(NotAllowed):
    """A party tried to describe a product (a GTIN) under a GS1 company prefix it does not own."""

    def __init__(self, party: str, gtin: str, owner: str | None, prefix: str | None) -> None:
        self.party, self.gtin, self.owner, self.prefix = party, gtin, owner, prefix
        whose = f"it is under prefix {prefix} of {owner}" if owner else "it is under no GS1 company prefix bound on this ledger"
        super().__init__(f"{party} may describe only its own products: GTIN {gtin} is not one ({whose})")


class UnknownProduct(NotFound):
    """A GTIN that no brand has described yet (or a picture or feature that is not on it)."""

    def __init__(self, what: str, hint: str = "") -> None:
        self.what = what
        super().__init__(f"{what} is not described on this ledger" + (f"; {hint}" if hint else ""))


class NotHolder(NotAllowed):
    """A party acted on items it does not hold (or that were not sent to it)."""

    def __init__(self, party: str, action: str, keys: list[str], reason: str) -> None:
        self.party, self.action, self.keys, self.reason = party, action, keys, reason
        shown = ", ".join(keys[:3]) + (f" and {len(keys) - 3} more" if len(keys) > 3 else "")
        super().__init__(f"{party} cannot {action} {shown}: {reason}")


class PrefixOwned(Conflict):
    def __init__(self, prefix: str, owner: str) -> None:
        self.prefix, self.owner = prefix, owner
        super().__init__(f"GS1 company prefix {prefix} belongs to {owner}")


class PrefixNests(PrefixOwned):
    """``prefix`` starts or extends ``bound``, a prefix bound to ``owner``: GS1 company prefixes never nest."""

    def __init__(self, prefix: str, bound: str, owner: str) -> None:
        self.prefix, self.bound, self.owner = prefix, bound, owner
        which = "is the start of" if bound.startswith(prefix) else "extends"
        LedgerError.__init__(self, f"GS1 company prefix {prefix} {which} {bound}, which belongs to {owner}: company "
                                   "prefixes never nest, or the GTINs under the longer one would have two owners; expected "
                                   "a prefix that neither starts nor extends a bound one")


class ChainUnreachable(ChainUnavailable):

    def __init__(self, url: str, detail: str) -> None:
        self.url, self.detail = url, detail
        super().__init__(f"cannot reach the chain at {url}: {detail}")


class TxOutcomeUnknown(ChainUnreachable):
    """A transaction was sent but the node's answer was lost or late: it may or may not be mined."""

    def __init__(self, url: str, tx_hash: str, detail: str) -> None:
        self.tx_hash = tx_hash
        super().__init__(url, f"transaction {tx_hash} was sent, but {detail}; whether it was mined is not known")


class ActionPending(LedgerError):
    """An action was signed and sent to the chain (or anchored) but could not be finished now.

    Not a failure: its journal entry, with the signed transaction, is kept until the chain says for certain
    whether it is anchored; `ledger sync`, the next start or the next write finishes or drops it.
    """

    http_status = 202  # accepted: it will be finished for the caller, who must not repeat it
    exit_code = 4

    def __init__(self, kind: str, root: str, tx_hash: str, reason: str) -> None:
        self.kind, self.root, self.tx_hash, self.reason = kind, root, tx_hash, reason
        super().__init__(f"{kind} {root} is pending: transaction {tx_hash} was sent, but {reason}; it is kept in the "
                         "journal and `ledger sync` (or the next start) will finish it; do not submit it again")


class JournalPending(Unavailable):
    """A new action was refused because an earlier one's outcome on chain is still unknown."""

    def __init__(self, kind: str, root: str, tx_hash: str, reason: str) -> None:
        self.kind, self.root, self.tx_hash, self.reason = kind, root, tx_hash, reason
        super().__init__(f"nothing was done: an earlier {kind} {root} (transaction {tx_hash}) is still pending "
                         f"({reason}); new actions wait until it is settled; run `ledger sync` when the chain answers, "
                         "then try again")


class IndexUnavailable(Unavailable):
    """The index database cannot be reached (refused, dropped or not accepting connections)."""

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(f"the index database is not answering ({detail}); try again shortly")


class ChainRejected(LedgerError):
    """The contract reverted; ``reason`` is its decoded custom error."""

    http_status = 502

    def __init__(self, action: str, reason: str) -> None:
        self.action, self.reason = action, reason
        super().__init__(f"the chain refused to {action}: {reason}")


class KeystoreError(NotAllowed):
    """A keystore file that is missing, unreadable, or locked with another passphrase."""

    def __init__(self, party: str, problem: str) -> None:
        self.party, self.problem = party, problem
        super().__init__(f"keystore of {party}: {problem}")


class ContractMissing(NotFound):
    """The chain answers but has no code at the home's contract address: a reset development node, or the wrong chain."""

    def __init__(self, chain: str, address: str) -> None:
        self.chain, self.address = chain, address
        super().__init__(f"no ledger contract at {address} on the chain at {chain} (was the node restarted, or is this "
                         "another chain?); on a development chain run `ledger init --redeploy`, else point "
                         "LEDGER_CHAIN at the chain the contract was deployed on")


class NotInitialised(NotFound):
    def __init__(self, home: str) -> None:
        self.home = home
        super().__init__(f"no ledger at {home}; run `ledger init` first")


class StateConflict(Conflict):
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


class ChainLocked(ChainUnavailable):
    """The embedded chain's directory is already open, in this process or another."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"the chain at {path} is already open in another process (or connection); close that first")


class AuditScopeEmpty(NotFound):
    """An audit was asked for a scope that holds nothing to check."""

    def __init__(self, scope: str, reason: str) -> None:
        self.scope, self.reason = scope, reason
        super().__init__(f"nothing to audit in {scope}: {reason}")


class InvalidEpcis(InvalidInput):
    """An EPCIS document that is not JSON, or not valid against GS1's EPCIS 2.0 schema."""

    def __init__(self, problem: str, detail: str) -> None:
        self.field, self.value, self.problem, self.expected, self.detail = "EPCIS document", None, problem, detail, detail
        LedgerError.__init__(self, f"the EPCIS document {problem}: {detail}; nothing was imported")


class EpcisEventRefused(Conflict):
    """A schema-valid EPCIS event that does not fit the ledger (unknown items, custody that does not follow…)."""

    def __init__(self, index: int, event: str, problem: str) -> None:
        self.index, self.event, self.problem = index, event, problem
        super().__init__(f"EPCIS event {index} ({event}): {problem}; nothing was imported")


class AlreadyPacked(Conflict):
    """An item or container is already in a container (nothing can be in two at once)."""

    def __init__(self, child: str, container: str, attempted: str) -> None:
        self.child, self.container, self.attempted = child, container, attempted
        super().__init__(f"cannot {attempted}: {child} is already packed in container {container}")


class NotPacked(Conflict):
    """An unpack of something that is not in the container named."""

    def __init__(self, child: str, reason: str) -> None:
        self.child, self.reason = child, reason
        super().__init__(f"cannot unpack {child}: it {reason}")


class IndexTooNew(Conflict):
    """The index is at a schema revision this code does not know: a newer ledger upgraded it."""

    def __init__(self, database: str, revision: str, newest: str) -> None:
        self.database, self.revision, self.newest = database, revision, newest
        super().__init__(f"the index {database} is at schema revision {revision}, which this version of the ledger does not "
                         f"know (its newest is {newest}): a newer version has upgraded it; run that version, or upgrade "
                         f"this installation; nothing was changed")


class IndexNotRecognised(Conflict):
    """A database with the ledger's tables and no schema version whose tables are not the baseline's."""

    def __init__(self, database: str, differences: list[str]) -> None:
        self.database, self.differences = database, differences
        shown = "; ".join(differences[:3]) + (f" and {len(differences) - 3} more" if len(differences) > 3 else "")
        super().__init__(f"the index {database} has ledger tables but no schema version, and they are not the schema the "
                         f"migrations start from ({shown}); nothing was changed: use an empty database, or bring those "
                         f"tables to the baseline schema (docs/DESIGN.md, Index migrations)")


class RequestNotAuthenticated(NotAllowed):
    """A request between organisations without a valid signature of a party's chain key (missing, malformed,
    forged, outside the clock window or replayed): HTTP 401, ``reason`` says which and what would be right."""

    http_status = 401

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"the request is not authenticated: {reason}")


class ReadRefused(NotAllowed):
    """An authenticated party asked for records the home's sharing policy does not give it."""

    def __init__(self, party: str, what: str, reason: str) -> None:
        self.party, self.what, self.reason = party, what, reason
        super().__init__(f"{party} may not read {what}: {reason}")


class AnchorNotFollowed(Conflict):
    """Another organisation's anchor whose rows were not stored: they could not be fetched, or did not reproduce
    the anchor on chain (``reason`` says which and how); nothing of it was stored, and it is tried again."""

    def __init__(self, root: str, reason: str) -> None:
        self.root, self.reason = root, reason
        super().__init__(f"anchor {root} was not stored: {reason}")
