"""The statistics the analyses share: an exact test of excess, false-discovery control, shrunk rates.

>>> round(excess_p_value(9, 100, 0.02), 6)
0.000189
>>> [round(q, 3) for q in adjusted([0.01, 0.04, 0.03, 0.5])]
[0.04, 0.053, 0.053, 0.5]
>>> round(shrunk_rate(5, 10, 0.01, 100), 4)
0.0545
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from scipy.stats import binom, false_discovery_control

__all__ = ["adjusted", "excess_p_value", "log_ratio", "shrunk_rate"]


def excess_p_value(flagged: int, total: int, rate: float) -> float:
    """P(X ≥ flagged) for X ~ Binomial(total, rate): how surprising this many flags are for this volume."""
    if flagged <= 0 or total <= 0:
        return 1.0
    if rate <= 0.0:
        return 0.0
    return float(binom.sf(flagged - 1, total, min(rate, 1.0)))


def adjusted(p_values: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg q-values: testing hundreds of cells or lanes at once must not make noise look like a finding."""
    if not p_values:
        return []
    return [float(q) for q in false_discovery_control(list(p_values), method="bh")]


def shrunk_rate(flagged: int, total: int, prior_rate: float, prior_weight: float) -> float:
    """The rate pulled toward ``prior_rate`` as if ``prior_weight`` more observations had that rate.

    A lane with one shipment and one bad item is not a 100 % lane; one with 5,000 items and 5 % flagged is.
    """
    return (flagged + prior_weight * prior_rate) / (total + prior_weight)


def log_ratio(rate: float, base: float, cap: float = 6.0) -> float:
    """log2(rate / base), 0 if not above the base, at most ``cap``: the points a history above the norm earns."""
    if base <= 0.0 or rate <= base:
        return 0.0
    return min(cap, math.log2(rate / base))
