"""GS1 EPCIS 2.0 REST bindings (query side) under ``/epcis``: this home's own records, each with its ledger proof.

Discovery (``GET``/``OPTIONS /epcis``, ``/epcis/eventTypes``) is open. Everything that returns
records needs a requester: a request signed with a party's chain key (``Authorization: Ledger
address=…,t=…,sig=…``, see :mod:`ledger.epcis.request_signing`), whose role the chain is asked for,
or this home's own signed-in user or API token. What each requester reads is the home's sharing
policy (:mod:`ledger.epcis.sharing`; the app's ``EPCIS_SHARING`` setting).

Errors are RFC 7807 problem documents with the EPCIS exception as ``type`` (see web/errors.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, request
from sqlmodel import Session
from werkzeug.wrappers import Response as BaseResponse

from ledger.codes.epc import Sgtin
from ledger.codes.parsing import parse_code
from ledger.epcis.export import document_context, epc_urn
from ledger.epcis.query import EventQuery, page_of
from ledger.epcis.request_signing import ReplayGuard
from ledger.epcis.requesters import authenticate
from ledger.epcis.serving import anchor_document, document, every_event, served_events
from ledger.epcis.sharing import Requester, SharingPolicy
from ledger.errors import InvalidInput, NotFound, ReadRefused, RequestNotAuthenticated
from ledger.index.models import Item

from .context import current_account, ledger, token_of_request
from .errors import INVALID_TOKEN

__all__ = ["RESOURCES", "blueprint", "sharing_policy"]

blueprint = Blueprint("epcis", __name__, url_prefix="/epcis")
_REPLAYS = "epcis_replay_guard"
# The top-level resources served (GS1's list also has capture and queries, which this repository does not offer).
RESOURCES = ("events", "eventTypes", "epcs", "bizSteps", "bizLocations", "readPoints", "dispositions")
_EVENT_TYPES = ("ObjectEvent", "AggregationEvent")  # what the ledger's actions export as
_HEADERS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0", "GS1-EPCIS-Min": "2.0.0", "GS1-EPCIS-Max": "2.0.0",
            "GS1-CBV-Min": "2.0.0", "GS1-CBV-Max": "2.0.0", "GS1-EPC-Format": "Always_EPC_URN",
            "GS1-Vendor-Version": "provenance-ledger"}
# No GS1-Extensions header: the ledger's one extension namespace is in every document's @context, and GS1's
# OpenAPI types that header as an object, which header validators cannot read from its key=value text.
_NO_RECORDS = "the sharing policy gives it no records ({policy})"


def sharing_policy() -> SharingPolicy:
    configured = current_app.config.get("EPCIS_SHARING")
    if configured is None:
        return SharingPolicy()
    return configured if isinstance(configured, SharingPolicy) else SharingPolicy.parse(configured)


@blueprint.after_request
def _gs1_headers(response: Response) -> Response:
    for name, value in _HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def _requester() -> Requester:
    """Who asks: a chain-key signature, else this home's own account; 401 with the reason, else."""
    header = request.headers.get("Authorization", "")
    if header.strip().partition(" ")[0].lower() == "ledger":  # auth schemes are case-insensitive (RFC 9110)
        guard: ReplayGuard = current_app.extensions.setdefault(_REPLAYS, ReplayGuard())
        requester = authenticate(ledger().chain, header, request.method, request.path,
                                 request.query_string.decode("latin-1"), request.get_data(), int(time.time()), guard)
    else:
        account = current_account()
        if account is None and token_of_request() is not None:
            raise RequestNotAuthenticated(INVALID_TOKEN[1])
        if account is None:
            raise RequestNotAuthenticated("no credentials; sign the request with your party's chain key "
                                          "(Authorization: Ledger address=…,t=…,sig=…; see the README)")
        requester = Requester(ledger().party(account.party).address, account.role, account.party)
    if requester.role is None:
        raise ReadRefused(str(requester), "EPCIS events", "it holds no role on the ledger's chain")
    policy = sharing_policy()
    if policy.readable_items(ledger().engine, requester) == [] and not _may_hold(policy, requester):
        raise ReadRefused(str(requester), "EPCIS events", _NO_RECORDS.format(policy=policy.describe()))
    return requester


def _may_hold(policy: SharingPolicy, requester: Requester) -> bool:
    """Whether the policy gives this role anything at all (a carrier that has held nothing yet reads an empty list)."""
    role = requester.role
    return role is not None and ((policy.brand and role.value == "brand") or (policy.custodians and role.holds_goods))


def _epc_of(text: str) -> str:
    """A Digital Link (or any code form) of an item as the SGTIN URI the events carry."""
    try:
        key = parse_code(text).key
    except InvalidInput:
        raise InvalidInput("EPC", text, "is neither an EPC URI nor an item code",
                           "urn:epc:id:sgtin:…, urn:epc:idpat:sgtin:…, or a GS1 Digital Link of an item") from None
    return epc_urn(ledger(), key.canonical)


def _query(extra: Mapping[str, str] | None = None) -> EventQuery:
    params = request.args.to_dict(flat=False)
    for name, value in (extra or {}).items():
        if name in params:
            raise InvalidInput(name, params[name], "is given both in the path and in the query", "one of them")
        params[name] = [value]
    return EventQuery.parse(params, _epc_of)


def _answer(query: EventQuery, requester: Requester, events: list[dict[str, Any]]) -> BaseResponse:
    secret = str(current_app.secret_key).encode()
    page = page_of(events, query, requester.address, secret, int(time.time()))
    response = jsonify(document(page.events, query_document=True))
    if page.next_token is not None:
        args = {k: v for k, v in request.args.items() if k != "nextPageToken"}
        args["nextPageToken"] = page.next_token
        response.headers["Link"] = f'<{request.base_url}?{urlencode(args)}>; rel="next"'
        response.headers["GS1-Next-Page-Token-Expires"] = time.strftime(
            "%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 600))
    return response


def _events_answer(extra: Mapping[str, str] | None = None,
                   refuse: Callable[[Requester], None] | None = None) -> BaseResponse:
    query = _query(extra)
    requester = _requester()
    if refuse is not None:
        refuse(requester)
    return _answer(query, requester, served_events(ledger(), sharing_policy(), requester))


# -- discovery ------------------------------------------------------------------------------


def _options(methods: str) -> Response:
    response = Response(status=204)
    response.headers["Allow"] = methods
    return response


def _discoverable(rule: str, endpoint: str) -> None:
    """OPTIONS on ``rule`` answers the capabilities: the GS1 headers (versions, EPC format) and the methods allowed."""
    blueprint.add_url_rule(rule, endpoint, lambda **_: _options("GET, OPTIONS"), methods=["OPTIONS"],
                           provide_automatic_options=False)


@blueprint.route("", methods=["GET"], provide_automatic_options=False)
@blueprint.route("/", methods=["GET"], provide_automatic_options=False)
def top_level() -> BaseResponse:
    return jsonify({"@context": document_context(), "type": "Collection", "member": list(RESOURCES)})


for _number, _rule in enumerate(("", "/", "/events", "/events/<path:event_id>", "/eventTypes", "/eventTypes/<event_type>/events",
                                 "/epcs", "/epcs/<path:epc>/events", "/anchors/<root>")):
    _discoverable(_rule, f"options_{_number}")


@blueprint.get("/eventTypes", provide_automatic_options=False)
def event_types() -> BaseResponse:
    return jsonify({"@context": document_context(), "type": "Collection", "member": list(_EVENT_TYPES)})


# -- events -----------------------------------------------------------------------------------


@blueprint.get("/events", provide_automatic_options=False)
def events() -> BaseResponse:
    return _events_answer()


@blueprint.get("/events/<path:event_id>", provide_automatic_options=False)
def event(event_id: str) -> BaseResponse:
    requester = _requester()
    policy = sharing_policy()
    for found in served_events(ledger(), policy, requester):
        if found["eventID"] == event_id:
            return jsonify(document([found], query_document=True))
    if any(e["eventID"] == event_id for e in every_event(ledger())):
        raise ReadRefused(str(requester), f"event {event_id}", f"it is not shared with this party ({policy.describe()})")
    raise NotFound(f"no event {event_id} among this home's records")


@blueprint.get("/eventTypes/<event_type>/events", provide_automatic_options=False)
def events_of_type(event_type: str) -> BaseResponse:
    return _events_answer({"eventType": event_type})


def _collection(field: str, values: Callable[[dict[str, Any]], list[str]]) -> BaseResponse:
    requester = _requester()
    found = sorted({v for e in served_events(ledger(), sharing_policy(), requester) for v in values(e)})
    return jsonify({"@context": document_context(), "type": "Collection", "member": found})


@blueprint.get("/epcs", provide_automatic_options=False)
def epcs() -> BaseResponse:
    return _collection("epcs", lambda e: [*e.get("epcList", []), *e.get("childEPCs", []),
                                           *([e["parentID"]] if "parentID" in e else [])])


@blueprint.get("/epcs/<path:epc>/events", provide_automatic_options=False)
def events_of_epc(epc: str) -> BaseResponse:
    urn = epc if epc.startswith("urn:epc:") else _epc_of(epc)

    def refuse(requester: Requester) -> None:
        if not urn.startswith("urn:epc:id:sgtin:"):
            return  # a container (SSCC) or a pattern: the events it is in that the requester may read
        with Session(ledger().engine) as s:
            item = next((i for i in _items_of(s, urn)), None)
        if item is None:
            raise NotFound(f"no item {urn} on this ledger")
        readable = sharing_policy().readable_items(ledger().engine, requester)
        if readable is not None and item not in readable:
            raise ReadRefused(str(requester), f"the events of {urn}",
                              f"the sharing policy does not give it this item ({sharing_policy().describe()})")

    return _events_answer({"MATCH_anyEPC": urn}, refuse)


def _items_of(session: Session, urn: str) -> list[str]:
    item_id = "0x" + Sgtin.parse(urn).key().item_id.hex()
    return [item_id] if session.get(Item, item_id) is not None else []


for _resource, _field, _param in (("bizSteps", "bizStep", "EQ_bizStep"), ("dispositions", "disposition", "EQ_disposition"),
                                  ("readPoints", "readPoint", "EQ_readPoint"),
                                  ("bizLocations", "bizLocation", "EQ_bizLocation")):
    def _list(field: str = _field, resource: str = _resource) -> BaseResponse:
        return _collection(resource, lambda e: [v if isinstance(v, str) else v.get("id", "") for v in [e[field]]]
                           if field in e else [])

    def _events_of(value: str, param: str = _param) -> BaseResponse:
        return _events_answer({param: value})

    blueprint.add_url_rule(f"/{_resource}", f"{_resource}_list", _list, methods=["GET"], provide_automatic_options=False)
    blueprint.add_url_rule(f"/{_resource}/<path:value>/events", f"{_resource}_events", _events_of, methods=["GET"],
                           provide_automatic_options=False)
    _discoverable(f"/{_resource}", f"options_{_resource}")
    _discoverable(f"/{_resource}/<path:value>/events", f"options_{_resource}_events")


# -- the rows behind an anchor, for followers in other homes -------------------------------


@blueprint.get("/anchors/<root>", provide_automatic_options=False)
def anchor(root: str) -> BaseResponse:
    requester = _requester()
    return jsonify(anchor_document(ledger(), sharing_policy(), requester, root))

