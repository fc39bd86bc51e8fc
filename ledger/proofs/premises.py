"""The hash a party commits on chain for its premises, so the index's copy of them can be proven.

Premises (where a party keeps goods) feed the CUSTODY_MISMATCH rule: a row added, moved or
deleted by someone with write access to the index would change verdicts. Each change of a
party's premises therefore sends ``commitPremises(hash)`` signed by the party itself, and
``ledger audit`` recomputes the hash from the index's rows.

The hash is ``keccak256(abi.encode((int64 lat, int64 lon, string label)[]))`` over the party's
premises sorted by those values, degrees in units of 10⁻⁷ (about 1 cm); no premises hash to zero,
the contract's value for a party that never committed any.

>>> premises_hash([]) == bytes(32)
True
>>> premises_hash([(52.37, 4.89, "DC"), (51.95, 4.14, "")]) == premises_hash([(51.95, 4.14, ""), (52.37, 4.89, "DC")])
True
"""

from __future__ import annotations

from collections.abc import Iterable

from eth_abi.abi import encode

from .keccak import keccak256

__all__ = ["premises_hash"]

_UNITS_PER_DEGREE = 10_000_000


def premises_hash(places: Iterable[tuple[float, float, str]]) -> bytes:
    """The hash of a party's premises, given as (latitude, longitude, label)."""
    rows = sorted((round(lat * _UNITS_PER_DEGREE), round(lon * _UNITS_PER_DEGREE), label) for lat, lon, label in places)
    if not rows:
        return bytes(32)
    return keccak256(encode(["(int64,int64,string)[]"], [rows]))
