"""The "inspect first" page: open shipments and the items scanned at the officer's post, by risk score.

A thin view over :mod:`ledger.intel` (the same scores and reasons as ``ledger risk``), for signed-in
officers and auditors. The analysis reads the whole index, so its records and histories are kept for
a minute per worker: a page that refreshes does not redo them.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from flask import Blueprint, current_app, render_template, request

from ledger.chain.roles import Role
from ledger.errors import InvalidInput
from ledger.intel.records import Records, load_post_scans, load_records
from ledger.intel.risk import History, history, item_risks, shipment_risks

from .auth import require_account
from .context import current_account, ledger

__all__ = ["blueprint"]

blueprint = Blueprint("intel", __name__)

_CACHE_SECONDS = 60.0
_LIMIT = 25
_EXTENSION = "provenance_intel_cache"


@dataclass(frozen=True)
class _Analysis:
    records: Records
    history: History
    made: float


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.analysis: _Analysis | None = None


def _analysis() -> _Analysis:
    cache: _Cache = current_app.extensions.setdefault(_EXTENSION, _Cache())  # dict.setdefault is atomic
    with cache.lock:  # one thread recomputes; the others wait for its result rather than repeat it
        found = cache.analysis
        if found is not None and time.monotonic() - found.made < _CACHE_SECONDS:
            return found
        records = load_records(ledger().engine, ledger().clock())
        cache.analysis = _Analysis(records, history(records), time.monotonic())
        return cache.analysis


@blueprint.get("/inspect-first")
@require_account(Role.OFFICER, Role.AUDITOR, action="see what to inspect first")
def inspect_first() -> str:
    account = current_account()
    assert account is not None
    raw_days = request.args.get("days", "7")
    if not raw_days.isdigit() or not 1 <= int(raw_days) <= 90:
        raise InvalidInput("days", raw_days[:20], "is not a number of days from 1 to 90", "e.g. 7")
    days = int(raw_days)
    analysis = _analysis()
    now = ledger().clock()
    scans, items, shipments_of = load_post_scans(ledger().engine, now - days * 86_400, now + 1, party=account.address)
    return render_template("inspect_first.html", account=account, days=days, base=analysis.history.base,
                           shipments=shipment_risks(analysis.records, analysis.history)[:_LIMIT],
                           items=item_risks(analysis.records, scans, items, shipments_of, analysis.history)[:_LIMIT])
