"""A circuit breaker for calls to a dependency that may hang: fail fast while it is down.

Closed, calls run. A failure opens it: for ``cooldown`` seconds every call fails at once
(:class:`CircuitOpen`) instead of waiting on the dependency. Then one caller probes while
the others still fail at once; the probe's success closes the breaker, its failure opens
it again for twice as long, up to ``max_cooldown``.

What the verifier's threads need is exactly this: no lock held across a call, and one
probe at a time while everyone else fails fast; a few lines, so not a dependency.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

__all__ = ["CircuitBreaker", "CircuitOpen"]

T = TypeVar("T")


class CircuitOpen(Exception):
    """The call was not made: the dependency failed ``seconds_ago`` seconds ago."""

    def __init__(self, seconds_ago: float) -> None:
        super().__init__(f"circuit open: the last call failed {seconds_ago:.1f} s ago")
        self.seconds_ago = seconds_ago


class CircuitBreaker:
    def __init__(self, cooldown: float = 1.0, max_cooldown: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._base, self._max = cooldown, max_cooldown
        self._cooldown = cooldown
        self._failed_at: float | None = None  # None: closed
        self._probing = False

    @property
    def is_open(self) -> bool:
        return self._failed_at is not None

    def call(self, fn: Callable[[], T], failures: tuple[type[BaseException], ...]) -> T:
        """``fn()``, unless the breaker is open; exceptions of ``failures`` count as the dependency failing."""
        with self._lock:
            if self._failed_at is not None:
                now = self.clock()
                if self._probing or now < self._failed_at + self._cooldown:
                    raise CircuitOpen(now - self._failed_at)
                self._probing = True  # this caller probes; the others keep failing fast
        try:
            result = fn()
        except failures:
            with self._lock:
                if self._probing:
                    self._cooldown = min(self._max, self._cooldown * 2)
                self._failed_at, self._probing = self.clock(), False
            raise
        except BaseException:  # the dependency answered (with an error of another kind): let others probe
            with self._lock:
                self._probing = False
            raise
        with self._lock:
            self._failed_at, self._probing, self._cooldown = None, False, self._base
        return result
