"""Sign-in and sign-out, and the guards pages and API routes use to require an account or a role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response as BaseResponse

from ledger.chain.roles import Role
from ledger.index.accounts import Account, authenticate, end_session, start_session

from .context import current_account, ledger, session_expired

__all__ = ["blueprint", "require_account"]

blueprint = Blueprint("auth", __name__)
P = ParamSpec("P")
R = TypeVar("R")


def require_account(*roles: Role, action: str = "do this") -> Callable[[Callable[P, R]], Callable[P, R]]:
    """401 without an account (a sign-in page for browsers), 403 if its role is not among ``roles``."""

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            account = current_account()
            if account is None:
                abort(401, "sign in (or send an API token) to " + action)
            if roles and account.role not in roles:
                abort(403, f"{account.party} is a {account.role.value}; only {' or '.join(r.value for r in roles)} may {action}")
            return view(*args, **kwargs)

        return guarded

    return decorate


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect would let a phishing link borrow our sign-in page."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return url_for("scan.index")
    return target


def _remember(account: Account) -> None:
    session.clear()
    session.permanent = True
    session["sid"] = start_session(ledger().engine, account.user, current_app.config["PERMANENT_SESSION_LIFETIME"])


@blueprint.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> str | BaseResponse:
    current_account()  # clears an expired session and notes it
    if request.method == "POST":
        account = authenticate(ledger().engine, request.form.get("user", ""), request.form.get("password", ""))
        if account is None:
            return Response(render_template("sign_in.html", error="Unknown user or wrong password.",
                                            next=request.form.get("next", "")), 401)
        _remember(account)
        return redirect(_safe_next(request.form.get("next")))
    notice = "Your session expired; please sign in again." if session_expired() else ""
    return render_template("sign_in.html", notice=notice, next=request.args.get("next", ""))


@blueprint.route("/sign-out", methods=["POST"])
def sign_out() -> BaseResponse:
    if session.get("sid"):
        end_session(ledger().engine, session["sid"])  # the cookie, if kept or copied, signs no one in now
    session.clear()
    flash("Signed out.")
    return redirect(url_for("scan.index"))
