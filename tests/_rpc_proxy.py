"""A JSON-RPC proxy on 127.0.0.1 in front of a real node, that drops, delays or hangs chosen methods.

The faults are real network faults as the ledger's HTTP client sees them: a request forwarded
and its reply never sent (the connection closes), a request held open and never answered, a
reply that comes late. ``calls`` counts the requests per method that reached the proxy.
"""

from __future__ import annotations

import enum
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

__all__ = ["Fault", "RpcProxy"]

_HANG_LIMIT = 120.0  # a hung request is answered by closing it after this long at most (or on release)


class Fault(enum.Enum):
    DROP_REPLY = "drop_reply"  # forward the request, then close the connection without answering
    HANG = "hang"  # hold the request open, unanswered, until released
    DELAY = "delay"  # forward, answer after `seconds`
    PASS = "pass"  # forward and answer; only to run `after` (e.g. take something else down meanwhile)


@dataclass
class _Rule:
    fault: Fault
    times: int | None  # None: until cleared
    seconds: float
    after: Callable[[], None] | None


class RpcProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.calls: Counter[str] = Counter()
        self._rules: dict[str, _Rule] = {}
        self._lock = threading.Lock()
        self._released = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                proxy._handle(self, body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def fault(self, method: str, fault: Fault, times: int | None = None, seconds: float = 0.0,
              after: Callable[[], None] | None = None) -> None:
        """Apply ``fault`` to the next ``times`` requests of ``method`` (all of them if None)."""
        with self._lock:
            self._rules[method] = _Rule(fault, times, seconds, after)
        self._released.clear()

    def clear(self) -> None:
        """No more faults; hung requests are let go (closed unanswered)."""
        with self._lock:
            self._rules.clear()
        self._released.set()

    def _rule(self, method: str) -> _Rule | None:
        with self._lock:
            self.calls[method] += 1
            rule = self._rules.get(method)
            if rule is not None and rule.times is not None:
                rule.times -= 1
                if rule.times <= 0:
                    del self._rules[method]
            return rule

    def _handle(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        request = json.loads(body)
        method = request[0]["method"] if isinstance(request, list) else request["method"]
        rule = self._rule(method)
        if rule is not None and rule.fault is Fault.HANG:
            self._released.wait(_HANG_LIMIT)
            handler.close_connection = True
            return
        reply = requests.post(self.upstream, data=body, headers={"Content-Type": "application/json"}, timeout=60)
        if rule is not None and rule.after is not None:
            rule.after()
        if rule is not None and rule.fault is Fault.DROP_REPLY:
            handler.close_connection = True
            return
        if rule is not None and rule.fault is Fault.DELAY:
            self._released.wait(rule.seconds)
        handler.send_response(reply.status_code)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(reply.content)))
        handler.end_headers()
        handler.wfile.write(reply.content)

    @contextmanager
    def running(self) -> Iterator[RpcProxy]:
        thread = threading.Thread(target=self._server.serve_forever, name="rpc-proxy", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.clear()
            self._server.shutdown()
            self._server.server_close()
            thread.join()
