"""The circuit breaker's states, on a clock the test moves."""

from __future__ import annotations

import pytest

from ledger.chain.breaker import CircuitBreaker, CircuitOpen


class Down(Exception):
    pass


def _fail() -> int:
    raise Down


def test_open_fail_fast_probe_back_off_close() -> None:
    now = [100.0]
    breaker = CircuitBreaker(cooldown=1.0, max_cooldown=3.0, clock=lambda: now[0])
    assert breaker.call(lambda: 1, (Down,)) == 1 and not breaker.is_open
    with pytest.raises(Down):
        breaker.call(_fail, (Down,))
    assert breaker.is_open
    calls: list[int] = []
    now[0] = 100.5
    with pytest.raises(CircuitOpen, match="the last call failed 0.5 s ago"):
        breaker.call(lambda: calls.append(1) or 1, (Down,))
    assert calls == []  # not called while open
    # Each failed probe opens it again for twice as long, up to max_cooldown: 2 s, 3 s, 3 s.
    for probe_at, pause in ((101.0, 2.0), (103.0, 3.0), (106.0, 3.0)):
        now[0] = probe_at
        with pytest.raises(Down):
            breaker.call(_fail, (Down,))
        now[0] = probe_at + pause - 0.1
        with pytest.raises(CircuitOpen):
            breaker.call(lambda: 1, (Down,))
    now[0] = 109.0
    assert breaker.call(lambda: 2, (Down,)) == 2 and not breaker.is_open
    with pytest.raises(Down):  # closed again, and the pause is back to the first
        breaker.call(_fail, (Down,))
    now[0] = 110.0
    assert breaker.call(lambda: 3, (Down,)) == 3


def test_one_probe_at_a_time_and_other_errors_do_not_trip_it() -> None:
    now = [0.0]
    breaker = CircuitBreaker(cooldown=1.0, clock=lambda: now[0])
    with pytest.raises(ValueError):
        breaker.call(lambda: int("x"), (Down,))  # an answer, not the dependency failing
    assert not breaker.is_open
    with pytest.raises(Down):
        breaker.call(_fail, (Down,))
    now[0] = 5.0

    def probe() -> str:
        with pytest.raises(CircuitOpen):  # another caller, while this one probes, fails fast
            breaker.call(lambda: "second", (Down,))
        return "first"

    assert breaker.call(probe, (Down,)) == "first" and not breaker.is_open
