"""Hostile input at the edges: every entry point answers a clear 4xx (API, pages) or exit 1 (CLI) and
changes nothing, on every chain and database.

A table of inputs with the answer each must get per entry point, then fuzzing: hypothesis bodies
built from hostile values for every API operation, schemathesis's negative mode against the
OpenAPI document, and the command line as a real subprocess.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from click.testing import CliRunner
from flask.testing import FlaskClient
from hypothesis import HealthCheck, example, given, reject, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from schemathesis import GenerationMode
from sqlalchemy import func, select

from ledger.cli.main import cli, main
from ledger.custody.ledger import Ledger
from ledger.index.models import Anchor, Event, PendingAction, Scan, Shipment, Submission
from tests.integration._web import GTIN, WebLedger, build, csrf

HUGE = "x" * 10_000_000
LINK = f"https://verify.example/01/{GTIN}/21/1"
AT_SEA = {"lat": 51.9, "lon": 4.1}


def _state(web: WebLedger) -> tuple[int, ...]:
    """Row counts of everything an action or a scan writes."""
    with web.ledger.engine.connect() as conn:
        return tuple(int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                     for t in (Anchor, Event, Scan, Shipment, Submission, PendingAction))


# (path, JSON body, user with a token, status, error, fragment of the message)
API_CASES: list[tuple[str, Any, str, int, str, str]] = [
    ("/api/v1/verify", {"code": "]"}, "", 400, "InvalidCode", "symbology identifier ']'"),
    ("/api/v1/verify", {"code": f"http://[abc]/01/{GTIN}/21/1"}, "", 400, "InvalidCode", "has a malformed host"),
    ("/api/v1/verify", {"code": f"https://verify.example:99999/01/{GTIN}/21/1"}, "", 400, "InvalidCode", "port"),
    ("/api/v1/verify", {"code": "/01/123/21/1"}, "", 400, "InvalidCode", "GTIN '123': is 3 digits long"),
    ("/api/v1/verify", {"code": f"/01/{GTIN}/21/1?17=301231&17=301231"}, "", 400, "InvalidCode", "17 more than once"),
    ("/api/v1/verify", {"code": f"/01/{GTIN}/21/1?10="}, "", 400, "InvalidCode", "AI 10 in the query without a value"),
    ("/api/v1/verify", {"code": LINK, "location": {"lat": int("9" * 400), "lon": 4}}, "", 400, "InvalidInput",
     "latitude an integer of 400 digits: is not a number between -90 and 90"),
    ("/api/v1/verify", {"code": LINK, "location": {"lat": "51.9", "lon": "4.1"}}, "", 400, "InvalidInput",
     "lat '51.9': is a string, not a number"),
    ("/api/v1/verify", {"code": LINK, "location": {"site": ""}}, "", 400, "InvalidInput", "site '': is empty"),
    ("/api/v1/verify", {"code": LINK, "location": {"site": "Port of Rotterdam", **AT_SEA}}, "", 400, "InvalidInput",
     "does not have exactly the fields lat and lon, or site"),
    ("/api/v1/verify", {"code": f"(01){GTIN}(21)1\ud800"}, "olga", 400, "InvalidInput", "holds a lone surrogate"),
    ("/api/v1/stolen", {"code": LINK, "location": {"lat": "1", "lon": "2"}}, "olga", 400, "InvalidInput", "is a string"),
    ("/api/v1/stolen", {"code": "]", "location": None}, "olga", 400, "InvalidCode", "symbology identifier"),
    ("/api/v1/inspections", {"code": LINK, "outcome": HUGE, "location": AT_SEA}, "olga", 400, "InvalidInput",
     "(10,000,000 characters): is not an outcome"),
    ("/api/v1/inspections", {"code": LINK, "outcome": "held", "location": {"lat": 10**400, "lon": 1}}, "olga", 400,
     "InvalidInput", "is not a number between -90 and 90"),
    ("/api/v1/shipments", {"to": HUGE, "codes": [LINK]}, "ann", 404, "UnknownParty", "(10,000,000 characters)"),
    ("/api/v1/shipments", {"to": "shop\x00", "codes": [LINK]}, "ann", 404, "UnknownParty", "no party named 'shop\\x00'"),
    ("/api/v1/shipments", {"to": "\ud800", "codes": [LINK]}, "ann", 400, "InvalidInput", "to '\\ud800': holds a lone surrogate"),
    ("/api/v1/shipments", {"to": "shop", "codes": [LINK], "location": "Quay\x00 4"}, "ann", 400, "InvalidInput",
     "unprintable character U+0000"),
    ("/api/v1/shipments", {"to": "shop", "codes": [LINK], "location": "Quay\ud800"}, "ann", 400, "InvalidInput",
     "holds a lone surrogate"),
    ("/api/v1/shipments", {"to": "shop", "codes": [LINK], "location": "Quay\u202e4"}, "ann", 400, "InvalidInput",
     "unprintable character U+202E"),
    ("/api/v1/shipments/0x%00/receipt", {}, "tom", 400, "InvalidInput", "is not a 32-byte hex root"),
    ("/api/v1/shipments/%ED%A0%80/receipt", {"location": "Dock"}, "tom", 400, "InvalidInput", "is not a 32-byte hex root"),
]


def _post(client: FlaskClient, path: str, body: Any, headers: dict[str, str]) -> Any:
    return client.post(path, data=json.dumps(body), content_type="application/json", headers=headers)


def test_api_table_of_hostile_inputs(web: WebLedger) -> None:
    before = _state(web)
    for path, body, user, status, error, fragment in API_CASES:
        headers = web.bearer(user) if user else {}
        clients = [web.client()]
        if path == "/api/v1/verify":  # the lean endpoint without a cookie, Flask's view with one
            clients.append(web.client())
            clients[1].set_cookie("theme", "dark")
        for client in clients:
            response = _post(client, path, body, headers)
            answer = response.get_json()
            assert (response.status_code, answer["error"]) == (status, error), (path, str(body)[:200], answer)
            assert fragment in answer["message"], (fragment, answer["message"][:300])
            assert len(response.get_data()) < 1000, (path, str(body)[:200])
    assert _state(web) == before


def test_idempotency_key_and_history_path(web: WebLedger) -> None:
    before = _state(web)
    client = web.client()
    response = _post(client, "/api/v1/stolen", {"code": LINK}, {**web.bearer("olga"), "Idempotency-Key": "k\x7f"})
    assert response.status_code == 400 and "unprintable character U+007F" in response.get_json()["message"]
    response = client.get("/api/v1/items/]/history", headers=web.bearer("olga"))
    assert response.status_code == 400 and "symbology identifier" in response.get_json()["message"]
    response = client.get(f"/api/v1/items/01/{GTIN}/21/1%3F10%3D/history", headers=web.bearer("olga"))
    assert response.status_code == 400, response.get_json()
    assert _state(web) == before


def test_pages_answer_hostile_input_with_a_400_page(web: WebLedger) -> None:
    before = _state(web)
    client = web.client()
    for url, fragment in [("/verify?code=]", "symbology identifier"),
                          (f"/verify?code=http://[abc]/01/{GTIN}/21/1", "malformed host"),
                          (f"/01/{GTIN}/21/1?17=301231&17=301231", "17 more than once"),
                          (f"/01/{GTIN}/21/1?10=", "AI 10 in the query without a value")]:
        response = client.get(url)
        assert response.status_code == 400 and "<html" in response.get_data(as_text=True), url
        assert fragment in response.get_data(as_text=True).replace("&#39;", "'"), url
    page = client.get("/sign-in").get_data(as_text=True)
    for user in ("olga\x00", "olga\u202e", "x" * 100):
        response = client.post("/sign-in", data={"user": user, "password": "whatever it is", "csrf_token": csrf(page)})
        assert response.status_code == 401, user[:20]
    ann = web.signed_in("ann")
    form = ann.get("/custody").get_data(as_text=True)
    response = ann.post("/actions/receive", data={"shipment": "0x\x00", "csrf_token": csrf(form), "once": "t1"})
    assert response.status_code == 400 and "is not a 32-byte hex root" in response.get_data(as_text=True)
    assert _state(web) == before


# Values that broke, or nearly broke, some reader: schemathesis builds the requests, these replace parts of them.
_HOSTILE_TEXT = st.one_of(
    st.sampled_from(["]", "]d2", f"http://[abc]/01/{GTIN}/21/1", f"https://v.example:99999/01/{GTIN}/21/1", "/01/123/21/1",
                     f"/01/{GTIN}/21/1?17=301231&17=301231", f"/01/{GTIN}/21/1?10=", LINK, "shop", "truck", "held",
                     "0x" + "ab" * 32, "Port of Rotterdam", "", " ", "\x00", "shop\x00", "\ud800", "\u202e", "9" * 400,
                     "x" * 5000]),
    st.text(max_size=30),
)
_HOSTILE_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(10**300, 10**400) | st.floats(allow_nan=False) | _HOSTILE_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["lat", "lon", "site"]), inner, max_size=3),
    max_leaves=6,
)
_PARTS = {"code": _HOSTILE_TEXT, "to": _HOSTILE_TEXT, "outcome": _HOSTILE_TEXT, "codes": st.lists(_HOSTILE_TEXT, min_size=1, max_size=3),
          "location": _HOSTILE_VALUES, "location.lat": _HOSTILE_VALUES, "location.lon": _HOSTILE_VALUES,
          "location.site": _HOSTILE_TEXT}


@st.composite
def _hostile_parts(draw: st.DrawFn) -> dict[str, Any]:
    return {part: draw(_PARTS[part]) for part in draw(st.lists(st.sampled_from(sorted(_PARTS)), min_size=1, max_size=3))}


def _spoil(case: schemathesis.Case, parts: dict[str, Any], root: str) -> None:
    """Put the hostile values into the generated request: body fields, location fields, the path's root."""
    if case.path_parameters:  # percent-encoded as a client must: the test client sends the path as given
        encoded = quote(root.encode("utf-8", "surrogatepass"), safe="")
        case.path_parameters = {**case.path_parameters, "root": encoded, "key": encoded}
    if not isinstance(case.body, dict):
        return
    body = dict(case.body)
    for part, value in parts.items():
        field, _, inner = part.partition(".")
        if not inner:
            body[field] = value
        elif isinstance(body.get(field), dict):
            body[field] = {**body[field], inner: value}
    case.body = body


@pytest.mark.parametrize("operation", ["verify", "history", "inspect", "reportStolen", "ship", "receive"])
def test_api_fuzzed_with_hostile_values(ledger: Ledger, operation: str) -> None:
    """schemathesis's requests from the OpenAPI document, spoiled with hostile values: a 4xx and no change, or a 2xx."""
    web = build(ledger)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", web.app)
    op = schema.find_operation_by_id(operation)
    headers = web.bearer("olga" if operation in ("inspect", "reportStolen", "verify", "history") else "ann")

    @given(case=op.as_strategy(), parts=_hostile_parts(), root=_HOSTILE_TEXT)
    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    def check(case: schemathesis.Case, parts: dict[str, Any], root: str) -> None:
        _spoil(case, parts, root)
        before = _state(web)
        try:
            response = case.call(headers=headers)
        except UnicodeEncodeError:  # a lone surrogate in a header no HTTP client can send: nothing reached the server
            reject()
        assert response.status_code < 500, (case.body, case.path_parameters, response.text[:300])
        content_type = response.headers.get("Content-Type") or response.headers.get("content-type") or [""]
        # Werkzeug answers a path with empty segments (a key of "/") with a redirect to the merged path.
        assert content_type[0].startswith("application/json") or 300 <= response.status_code < 400, response.headers
        assert len(response.content) < 4000
        if response.status_code >= 400:
            assert _state(web) == before, (case.body, case.path_parameters)

    check()


_LOCATIONS = st.one_of(
    st.fixed_dictionaries({"lat": _HOSTILE_VALUES, "lon": _HOSTILE_VALUES}),
    st.fixed_dictionaries({"lat": st.floats(-90, 90), "lon": st.floats(-180, 180)}),
    st.fixed_dictionaries({"site": st.sampled_from(["", "Port of Rotterdam", "Atlantis"])}),
    st.fixed_dictionaries({"site": st.just("Port of Rotterdam"), "lat": st.just(51.9), "lon": st.just(4.1)}),
    _HOSTILE_VALUES,
)


def test_openapi_document_and_server_agree_on_locations(web: WebLedger) -> None:
    """A verify request the document allows is answered; one it refuses is refused: for any location."""
    document = web.client().get("/api/v1/openapi.json").get_json()
    body_schema = document["paths"]["/api/v1/verify"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**body_schema, "components": document["components"]})  # its $refs resolve
    client = web.client()

    @given(location=_LOCATIONS)
    @example(location={"site": ""})
    @example(location=None)
    @example(location={"lat": "51.9", "lon": "4.1"})
    @example(location={"site": "Port of Rotterdam", "lat": 51.9, "lon": 4.1})
    @example(location={"lat": 51.9, "lon": 4.1, "accuracy": 5})
    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    def check(location: Any) -> None:
        body = {"code": LINK, "location": location}
        response = _post(client, "/api/v1/verify", body, {})
        assert response.status_code in (200, 400), response.get_data(as_text=True)[:300]
        assert validator.is_valid(body) == (response.status_code == 200), (location, response.get_json())

    check()


@pytest.mark.parametrize("operation", ["verify", "history", "inspect", "reportStolen", "ship", "receive"])
def test_api_refuses_what_its_openapi_document_refuses(ledger: Ledger, operation: str) -> None:
    """schemathesis's negative mode: requests that break the document get a 4xx and change nothing."""
    web = build(ledger)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", web.app)
    op = schema.find_operation_by_id(operation)
    headers = web.bearer("olga" if operation in ("inspect", "reportStolen", "verify", "history") else "ann")

    @given(case=op.as_strategy(GenerationMode.NEGATIVE))
    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    def check(case: schemathesis.Case) -> None:
        before = _state(web)
        response = case.call(headers=headers)
        assert 400 <= response.status_code < 500, (case.body, case.path_parameters, case.headers, response.text[:300])
        assert _state(web) == before

    check()


# -- the command line ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cli_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Path]:
    home = tmp_path_factory.mktemp("hostile-cli")
    env = {"LEDGER_HOME": str(home / "home"), "LEDGER_PASSPHRASE": "cli passphrase", "LEDGER_KDF_ITERATIONS": "16",
           "LEDGER_CHAIN": "embedded", "LEDGER_DATABASE_URL": ""}
    for args in (["init"], ["party", "add", "acme", "--role", "brand", "--prefix", "9521234"],
                 ["party", "add", "truck", "--role", "carrier"], ["party", "add", "customs", "--role", "officer"],
                 ["register", "--as", "acme", "--gtin", GTIN, "--count", "3"]):
        result = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return env, home


def _in_subprocess(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ledger.cli", *args], env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=600)


def _anchors(home: Path) -> int:
    with sqlite3.connect(home / "home" / "index.sqlite") as db:
        return int(db.execute("SELECT count(*) FROM anchor").fetchone()[0])


def _files(home: Path) -> dict[str, Path]:
    binary = home / "junk.bin"
    binary.write_bytes(bytes(range(256)) * 40)
    deep = home / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    epcis = home / "deep.jsonld"
    epcis.write_text(json.dumps({"@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],
                                 "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-01-01T00:00:00Z",
                                 "epcisBody": {"eventList": [{"type": "ObjectEvent", "action": "ADD",
                                                              "eventTime": "2026-01-01T00:00:00Z",
                                                              "eventTimeZoneOffset": "+00:00",
                                                              "epcList": ["urn:epc:id:sgtin:9521234.054321.1"],
                                                              "ilmd": {"x:y": "NEST"}}]}})
                     .replace('"NEST"', '{"a":' * 50_000 + "1" + "}" * 50_000))
    csv_file = home / "items.csv"
    csv_file.write_text(f"gtin,serial\n{GTIN},100\n{GTIN},101\n123,102\n")
    big_png = home / "big.png"
    big_png.write_bytes(_png_header(7000, 7000))
    return {"binary": binary, "deep": deep, "epcis": epcis, "csv": csv_file, "png": big_png, "pdf": home / "labels.pdf",
            "fresh": home / "fresh"}


def _png_header(width: int, height: int) -> bytes:
    import struct
    import zlib

    chunks = b""
    for name, body in ((b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)), (b"IDAT", zlib.compress(b"")),
                       (b"IEND", b"")):
        chunks += struct.pack(">I", len(body)) + name + body + struct.pack(">I", zlib.crc32(name + body))
    return b"\x89PNG\r\n\x1a\n" + chunks


CLI_CASES: list[tuple[list[str], str]] = [
    (["verify", "]"], "symbology identifier ']'"),
    (["verify", f"http://[abc]/01/{GTIN}/21/1"], "has a malformed host"),
    (["verify", f"https://v.example:99999/01/{GTIN}/21/1"], "port that is not a number from 1 to 65535"),
    (["verify", "/01/123/21/1"], "GTIN '123': is 3 digits long"),
    (["ship", "--as", "acme", "--to", "truck", "--file", "{binary}"], "is not UTF-8 text (byte 0x80 on line 2)"),
    (["status", "stolen", "--as", "acme", "--file", "{binary}"], "is not UTF-8 text"),
    (["inspect", "--as", "customs", "--outcome", "held", "--location", "Quay 4", "--file", "{binary}"], "is not UTF-8 text"),
    (["check", "--brands", "{binary}", LINK], "is not UTF-8 text"),
    (["register", "--as", "acme", "--csv", "{csv}"], "GTIN on CSV line 4 '123': is 3 digits long"),
    (["register", "--as", "acme", "--gtin", GTIN, "--serials", "²-3"], "is not a range"),
    (["verify", "--image", "{png}"], "at most 16,000,000 pixels"),
    (["ship", "--as", "acme", "--to", "truck", f"/01/{GTIN}/21/1", "--location", "Quay\x1b[2J"], "unprintable character U+001B"),
    (["receive", "--as", "truck", "0x" + "zz" * 32], "is not a 32-byte hex root"),
    (["party", "add", "east", "--role", "brand", "--prefix", "٩٥٢١٢٣٥"], "is not 6 to 12 digits"),
    (["--home", "{fresh}", "init", "--attach", "0xzz"], "contract address '0xzz': is not an Ethereum address"),
    (["labels", "--as", "acme", f"/01/{GTIN}/21/1", "--out", "/nonexistent/dir/labels.pdf"], "cannot be written"),
    (["labels", "--as", "acme", f"/01/{GTIN}/21/1", "--out", "{pdf}", "--layout", "a4:" + "9" * 5000 + "x8"], "is not a layout"),
]


def test_cli_table_of_hostile_inputs(cli_home: tuple[dict[str, str], Path], capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Through ``main`` as the shell runs it: exit code 1 and one line on stderr, nothing anchored."""
    env, home = cli_home
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    files = _files(home)
    before = _anchors(home)
    for args, fragment in CLI_CASES:
        with pytest.raises(SystemExit) as exit_info:
            main([a.format(**files) if a.startswith("{") else a for a in args])
        err = capsys.readouterr().err
        assert exit_info.value.code == 1, (args[:3], exit_info.value.code, err[-500:])
        assert err.startswith("error: ") and err.count("\n") == 1, (args[:3], err[-500:])
        assert fragment in err, (fragment, err[:500])
    assert _anchors(home) == before
    assert not files["fresh"].exists()  # the refused init made no home


@pytest.mark.parametrize(("args", "fragment"), [
    (["check", "--brands", "{deep}", LINK], "is nested too deeply"),
    (["epcis", "import", "{epcis}", "--as", "acme"], "the EPCIS document is nested too deeply"),
])
def test_cli_deeply_nested_json_files(cli_home: tuple[dict[str, str], Path], args: list[str], fragment: str) -> None:
    """In a real process: nesting like this used to overflow the C stack and kill it (SIGSEGV)."""
    env, home = cli_home
    files = _files(home)
    before = _anchors(home)
    done = _in_subprocess(env, *[a.format(**files) if a.startswith("{") else a for a in args])
    assert done.returncode == 1, (done.returncode, done.stderr[-500:])
    assert done.stderr.startswith("error: ") and fragment in done.stderr, done.stderr[:500]
    assert _anchors(home) == before
