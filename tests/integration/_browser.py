"""The web app served on a real port, and Debian's Chromium, for the tests that drive a browser or a client over HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="apt-get install -y chromium (scripts/test.sh does)")


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """``app`` served from a thread on a free port of 127.0.0.1; yields its base URL, stops it on exit.

    In this process, on the fixture's open ledger (the embedded chain admits one opener).
    """
    wsgi = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=wsgi.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{wsgi.server_port}"
    finally:
        wsgi.shutdown()
        thread.join()
