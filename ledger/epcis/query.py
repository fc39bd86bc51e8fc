"""EPCIS 2.0 SimpleEventQuery over the events a home serves: parameters, matching, pages.

The REST bindings' query parameters this ledger implements (values of list parameters are
``|``-separated, as the bindings' ``pipeDelimited`` style says):

- ``eventType``, ``EQ_action``, ``EQ_bizStep``, ``EQ_disposition`` (bare CBV words or their URIs),
  ``EQ_readPoint``, ``EQ_bizLocation``, ``EQ_persistentDisposition_set``, ``EQ_eventID``;
- ``GE_eventTime``, ``LT_eventTime``, ``GE_recordTime``, ``LT_recordTime`` (RFC 3339 times);
- ``MATCH_epc``, ``MATCH_parentID``, ``MATCH_anyEPC`` (EPC URIs, ``urn:epc:idpat:…`` patterns with ``*``,
  or GS1 Digital Links of items, which match the item's SGTIN);
- ``perPage`` (1 to 1,000; default 100) and ``nextPageToken``.

Any other parameter is refused (QueryParameterException, 400) naming the ones there are, rather
than ignored: a partner asking for ``EQ_quantity`` must not read an unfiltered answer as filtered.

A page token is opaque and tamper-evident: it carries the position after the last event of the
page, the requester, a hash of the query and an expiry, under an HMAC of the home's secret key.
A token altered, expired, or shown with another query or by another party is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..errors import InvalidInput

__all__ = ["MAX_PER_PAGE", "PAGE_TOKEN_LIFETIME", "SUPPORTED_PARAMETERS", "EventQuery", "Page", "PageToken", "page_of",
           "sort_key"]

MAX_PER_PAGE = 1000
DEFAULT_PER_PAGE = 100
PAGE_TOKEN_LIFETIME = 600  # seconds
_CBV = {"bizStep": "https://ref.gs1.org/cbv/BizStep-", "disposition": "https://ref.gs1.org/cbv/Disp-"}
_LISTS = ("eventType", "EQ_action", "EQ_bizStep", "EQ_disposition", "EQ_readPoint", "EQ_bizLocation",
          "EQ_persistentDisposition_set", "EQ_eventID", "MATCH_epc", "MATCH_parentID", "MATCH_anyEPC")
_TIMES = ("GE_eventTime", "LT_eventTime", "GE_recordTime", "LT_recordTime")
SUPPORTED_PARAMETERS = (*_LISTS, *_TIMES, "perPage", "nextPageToken")
_EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent")
_ACTIONS = ("ADD", "OBSERVE", "DELETE")


def _time(name: str, text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise InvalidInput(name, text, "is not a date and time with its offset", "RFC 3339, e.g. 2026-05-28T10:00:00Z")
    return when


def _cbv(kind: str, value: str) -> str:
    """A CBV value as a bare word (its URI form reduced), so both forms match alike."""
    return value.removeprefix(_CBV[kind])


def _epc_pattern(value: str) -> Callable[[str], bool]:
    """A matcher of ``urn:epc:id:…`` (exact) or ``urn:epc:idpat:scheme:a.b.*`` (``*`` matches one whole field)."""
    if not value.startswith("urn:epc:idpat:"):
        return lambda epc: epc == value
    scheme, _, fields = value.removeprefix("urn:epc:idpat:").partition(":")
    wanted = fields.split(".")
    prefix = f"urn:epc:id:{scheme}:"

    def matches(epc: str) -> bool:
        if not epc.startswith(prefix):
            return False
        got = epc.removeprefix(prefix).split(".")
        return len(got) == len(wanted) and all(w in ("*", g) for w, g in zip(wanted, got, strict=True))

    return matches


def sort_key(event: Mapping[str, Any]) -> tuple[int, str, str]:
    """An event's place in the served order: its anchor's block, its time, its anchor root (chain order)."""
    proof = event.get("ledger:proof", {})
    return (int(proof.get("ledger:block", 0)), str(event.get("eventTime", "")), str(proof.get("ledger:anchorRoot", "")))


@dataclass(frozen=True)
class EventQuery:
    """A parsed SimpleEventQuery; ``epc_of`` turns a Digital Link into the SGTIN URI the events carry."""

    lists: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    times: Mapping[str, datetime] = field(default_factory=dict)
    per_page: int = DEFAULT_PER_PAGE
    page_token: str | None = None

    @classmethod
    def parse(cls, params: Mapping[str, Sequence[str]], epc_of: Callable[[str], str] = lambda v: v) -> EventQuery:
        """From the request's query parameters (each name with its values, as ``MultiDict.to_dict(flat=False)``)."""
        unknown = sorted(set(params) - set(SUPPORTED_PARAMETERS))
        if unknown:
            raise InvalidInput("query parameter", ", ".join(unknown)[:200], "is not supported by this repository",
                               "only " + ", ".join(SUPPORTED_PARAMETERS))
        for name, values in params.items():
            if len(values) != 1:
                raise InvalidInput(name, values, "is given more than once", f"one {name} (list values separated by |)")
        one = {name: values[0] for name, values in params.items()}
        lists: dict[str, tuple[str, ...]] = {}
        for name in _LISTS:
            if name in one:
                values = tuple(v.strip() for v in one[name].split("|"))
                if not all(values):
                    raise InvalidInput(name, one[name], "has an empty value", "values separated by |, none empty")
                lists[name] = values
        for value in lists.get("eventType", ()):
            if value not in _EVENT_TYPES and ":" not in value:
                raise InvalidInput("eventType", value, "is not an event type", " | ".join(_EVENT_TYPES) + " or a URI")
        for value in lists.get("EQ_action", ()):
            if value not in _ACTIONS:
                raise InvalidInput("EQ_action", value, "is not an action", "ADD, OBSERVE or DELETE")
        for name in ("MATCH_epc", "MATCH_parentID", "MATCH_anyEPC"):
            if name in lists:
                lists[name] = tuple(v if v.startswith("urn:epc:") else epc_of(v) for v in lists[name])
        times = {name: _time(name, one[name]) for name in _TIMES if name in one}
        per_page = DEFAULT_PER_PAGE
        if "perPage" in one:
            text = one["perPage"].strip()
            if not re.fullmatch(r"[0-9]{1,7}", text) or not 1 <= int(text) <= MAX_PER_PAGE:
                raise InvalidInput("perPage", one["perPage"], "is not a page size", f"a whole number from 1 to {MAX_PER_PAGE:,}")
            per_page = int(text)
        return cls(lists, times, per_page, one.get("nextPageToken"))

    def fingerprint(self) -> str:
        """A hash of what the query asks (not its page): a page token is valid for this query only."""
        text = json.dumps([sorted(self.lists.items()), sorted((k, v.isoformat()) for k, v in self.times.items()),
                           self.per_page], separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def matches(self, event: Mapping[str, Any]) -> bool:
        lists = self.lists
        if "eventType" in lists and event.get("type") not in lists["eventType"]:
            return False
        if "EQ_action" in lists and event.get("action") not in lists["EQ_action"]:
            return False
        for name, kind in (("EQ_bizStep", "bizStep"), ("EQ_disposition", "disposition")):
            if name in lists and (kind not in event or _cbv(kind, event[kind]) not in {_cbv(kind, v) for v in lists[name]}):
                return False
        for name, kind in (("EQ_readPoint", "readPoint"), ("EQ_bizLocation", "bizLocation")):
            if name in lists and (event.get(kind) or {}).get("id") not in lists[name]:
                return False
        if "EQ_persistentDisposition_set" in lists:
            held = {_cbv("disposition", d) for d in (event.get("persistentDisposition") or {}).get("set", [])}
            if not held & {_cbv("disposition", v) for v in lists["EQ_persistentDisposition_set"]}:
                return False
        if "EQ_eventID" in lists and event.get("eventID") not in lists["EQ_eventID"]:
            return False
        epcs = [*event.get("epcList", []), *event.get("childEPCs", [])]
        parent = [event["parentID"]] if "parentID" in event else []
        for name, candidates in (("MATCH_epc", epcs), ("MATCH_parentID", parent), ("MATCH_anyEPC", epcs + parent)):
            if name in lists:
                patterns = [_epc_pattern(v) for v in lists[name]]
                if not any(p(epc) for p in patterns for epc in candidates):
                    return False
        times = self.times
        for field_name in ("eventTime", "recordTime"):
            low, high = times.get(f"GE_{field_name}"), times.get(f"LT_{field_name}")
            if low is None and high is None:
                continue
            when = _time(field_name, str(event.get(field_name, "")))
            if (low is not None and when < low) or (high is not None and when >= high):
                return False
        return True


@dataclass(frozen=True)
class PageToken:
    """Where the next page starts, for whom, for which query, until when; signed with the home's key."""

    after: tuple[int, str, str]
    requester: str
    query: str
    expires: int

    def encode(self, secret: bytes) -> str:
        body = base64.urlsafe_b64encode(json.dumps([list(self.after), self.requester, self.query, self.expires],
                                                   separators=(",", ":")).encode()).rstrip(b"=")
        mac = base64.urlsafe_b64encode(hmac.new(secret, body, hashlib.sha256).digest()[:18])
        return f"{body.decode()}.{mac.decode()}"

    @classmethod
    def decode(cls, token: str, secret: bytes, requester: str, query: str, now: int) -> PageToken:
        body, _, mac = token.partition(".")
        expected = base64.urlsafe_b64encode(hmac.new(secret, body.encode(), hashlib.sha256).digest()[:18]).decode()
        if not (mac.isascii() and hmac.compare_digest(mac, expected)):
            raise InvalidInput("nextPageToken", token, "was not issued by this repository or was altered",
                               "the nextPageToken of the previous page's Link header, unchanged")
        # The MAC held: the body is one this repository wrote.
        (block, time, root), who, fingerprint, expires = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        if expires < now:
            raise InvalidInput("nextPageToken", token, "has expired", "a new query from its first page")
        if who != requester:
            raise InvalidInput("nextPageToken", token, "was issued to another party", "a page token issued to you")
        if fingerprint != query:
            raise InvalidInput("nextPageToken", token, "was issued for another query",
                               "the same query parameters as the first page, with this token")
        return cls((int(block), str(time), str(root)), who, fingerprint, int(expires))


@dataclass(frozen=True)
class Page:
    events: list[dict[str, Any]]
    next_token: str | None


def page_of(events: Sequence[dict[str, Any]], query: EventQuery, requester: str, secret: bytes, now: int) -> Page:
    """The query's page of ``events`` (in :func:`sort_key` order): after the token's position, ``perPage`` long."""
    fingerprint = query.fingerprint()
    after = None
    if query.page_token is not None:
        after = PageToken.decode(query.page_token, secret, requester, fingerprint, now).after
    chosen: list[dict[str, Any]] = []
    more = False
    for event in events:
        if after is not None and sort_key(event) <= after:
            continue
        if not query.matches(event):
            continue
        if len(chosen) == query.per_page:
            more = True
            break
        chosen.append(event)
    token = None
    if more:
        token = PageToken(sort_key(chosen[-1]), requester, fingerprint, now + PAGE_TOKEN_LIFETIME).encode(secret)
    return Page(chosen, token)

