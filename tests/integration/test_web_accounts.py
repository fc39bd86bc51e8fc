"""Accounts as the web app enforces them: sessions end on the server, revoked tokens and removed users are refused
at once (Flask views and the lean verify endpoint), and cookie-authenticated API writes need this site's CSRF token
or Origin; on every chain × database."""

from __future__ import annotations

from flask.testing import FlaskClient

from ledger.index.accounts import create_token, list_tokens, remove_user, revoke_token, set_password
from ledger.index.queries import item_status
from tests.integration._web import GTIN, PASSWORD, WebLedger, csrf

HISTORY = f"/api/v1/items/01/{GTIN}/21/1/history"


def _cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _replay(web: WebLedger, cookie: str) -> FlaskClient:
    """A fresh client carrying a copy of a session cookie, as a thief who copied it would."""
    copy = web.client()
    copy.set_cookie("session", cookie)
    return copy


def _signed_in(client: FlaskClient) -> bool:
    return client.get("/parties").status_code == 200


def test_sign_out_ends_the_session_on_the_server(web: WebLedger) -> None:
    phone, desktop = web.signed_in("olga"), web.signed_in("olga")
    copied = _cookie(phone)
    assert _signed_in(_replay(web, copied)) and _replay(web, copied).get(HISTORY).status_code == 200
    page = phone.get("/").get_data(as_text=True)
    assert phone.post("/sign-out", data={"csrf_token": csrf(page)}).status_code == 302
    assert not _signed_in(phone)
    # The very cookie the phone had before signing out: the server no longer knows its session.
    signed_out = _replay(web, copied).get("/parties")
    assert signed_out.status_code == 302 and "/sign-in" in signed_out.headers["Location"]
    assert _replay(web, copied).get(HISTORY).status_code == 401
    verdict = _replay(web, copied).get("/verify", query_string={"code": web.link(1)}, follow_redirects=True)
    verdict = verdict.get_data(as_text=True)
    assert "Custody history" not in verdict and "Sign in to see the custody history" in verdict
    assert _signed_in(desktop)  # signing out on one device leaves the others signed in


def test_password_change_and_removal_end_sessions_and_tokens(web: WebLedger) -> None:
    olga, ann = web.signed_in("olga"), web.signed_in("ann")
    assert set_password(web.ledger.engine, "olga", "a new long password") == 1
    assert not _signed_in(olga) and _signed_in(ann)
    assert web.client().get(HISTORY, headers=web.bearer("olga")).status_code == 200  # tokens survive a password change
    fresh = web.client()
    page = fresh.get("/sign-in").get_data(as_text=True)
    assert fresh.post("/sign-in", data={"user": "olga", "password": PASSWORD, "csrf_token": csrf(page)}).status_code == 401
    second = create_token(web.ledger.engine, "ann", "second")
    removed = remove_user(web.ledger.engine, "ann")
    assert (removed.tokens, removed.sessions) == (2, 1)
    assert not _signed_in(ann)
    for token in (web.tokens["ann"], second):
        assert web.client().get(HISTORY, headers={"Authorization": f"Bearer {token}"}).status_code == 401
    page = fresh.get("/sign-in").get_data(as_text=True)
    assert fresh.post("/sign-in", data={"user": "ann", "password": PASSWORD, "csrf_token": csrf(page)}).status_code == 401
    assert [t.user for t in list_tokens(web.ledger.engine)] == ["olga", "sam", "tom"]


def test_a_revoked_token_is_refused_at_once_on_every_path(web: WebLedger) -> None:
    olga = web.bearer("olga")
    body = {"code": web.link(2)}
    assert web.client().post("/api/v1/verify", json=body, headers=olga).get_json()["custody"] is not None
    (token_id,) = [t.id for t in list_tokens(web.ledger.engine, "olga")]
    assert revoke_token(web.ledger.engine, token_id).user == "olga"
    with_cookie = web.client()
    with_cookie.set_cookie("theme", "dark")  # a cookie sends the request through Flask instead of the lean endpoint
    for client in (web.client(), with_cookie):
        for response in (client.post("/api/v1/verify", json=body, headers=olga),
                         client.post("/api/v1/verify", data=b"{not json", content_type="application/json", headers=olga),
                         client.get(HISTORY, headers=olga),
                         client.post("/api/v1/stolen", json=body, headers=olga)):
            assert response.status_code == 401, response.get_data(as_text=True)
            assert "revoked" in response.get_json()["message"]
    assert item_status(web.ledger.engine, web.key(2)).status == "active"


def test_cookie_authenticated_api_writes_need_csrf_or_this_origin(web: WebLedger) -> None:
    olga = web.signed_in("olga")
    token = csrf(olga.get("/").get_data(as_text=True))
    cases: list[tuple[dict[str, str], int]] = [
        ({}, 403),
        ({"Origin": "https://evil.example"}, 403),
        ({"Origin": "null"}, 403),
        ({"X-CSRFToken": "forged"}, 403),
        ({"Origin": "https://evil.example", "X-CSRFToken": token}, 201),  # a cross-site page cannot read the token
        ({"X-CSRFToken": token}, 201),
        ({"X-CSRF-Token": token}, 201),
        ({"Origin": "http://localhost"}, 201),  # the test client's own origin (it sends http)
    ]
    for serial, (headers, status) in enumerate(cases, start=1):
        response = olga.post("/api/v1/stolen", json={"code": web.link(serial)}, headers=headers)
        assert response.status_code == status, (headers, response.get_data(as_text=True))
        assert item_status(web.ledger.engine, web.key(serial)).status == ("stolen" if status == 201 else "active"), headers
        if status == 403:
            assert "X-CSRFToken" in response.get_json()["message"]
    # A signed-in verification is a write too (the scan counts as the party's), and reads need no token.
    assert olga.post("/api/v1/verify", json={"code": web.link(9)}).status_code == 403
    assert olga.post("/api/v1/verify", json={"code": web.link(9)}, headers={"X-CSRFToken": token}).status_code == 200
    assert olga.get(HISTORY).status_code == 200
    # Bearer-token clients send no cookie a cross-site page could borrow: their writes are as before.
    bearer = web.client().post("/api/v1/stolen", json={"code": web.link(10)},
                               headers={**web.bearer("olga"), "Origin": "https://evil.example"})
    assert bearer.status_code == 201
