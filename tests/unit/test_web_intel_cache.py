"""The intelligence views' cache (web/intel.py): loaded once; when old, reloaded in the background while the
old value is served; a failed reload keeps the old value."""

from __future__ import annotations

import threading

from web.intel import _Slot


def _reloaded(slot: _Slot[str]) -> None:
    for thread in threading.enumerate():
        if thread.name == "intel-reload":
            thread.join(10)


def test_an_old_value_is_served_while_it_is_reloaded_in_the_background() -> None:
    slot: _Slot[str] = _Slot()
    loads: list[str] = []
    assert slot.get(lambda: loads.append("first") or "v1") == "v1"
    assert slot.get(lambda: loads.append("again") or "v0") == "v1" and loads == ["first"]  # fresh: not loaded again

    release = threading.Event()

    def slow() -> str:
        assert release.wait(10)
        return "v2"

    slot.made -= 3600  # an hour old
    assert slot.get(slow) == "v1"  # answered at once, with the old value
    assert slot.reloading and slot.get(slow) == "v1"  # one reload at a time
    release.set()
    _reloaded(slot)
    assert slot.get(slow) == "v2" and not slot.reloading


def test_a_failed_reload_keeps_the_old_value_and_is_tried_again() -> None:
    slot: _Slot[str] = _Slot()
    slot.get(lambda: "v1")

    def broken() -> str:
        raise ConnectionError("database away")

    slot.made -= 3600
    assert slot.get(broken) == "v1"
    _reloaded(slot)
    assert not slot.reloading and slot.get(lambda: "v2") == "v1"  # still old: this request started a new reload
    _reloaded(slot)
    assert slot.get(lambda: "v3") == "v2"
