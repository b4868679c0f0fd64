"""Percentiles by the nearest-rank definition, the one ``tuichat stats`` reports.

The p-th percentile (0 < p ≤ 100) of n values is the value at 1-based rank
⌈p/100 · n⌉ of the values sorted ascending (rank 1 for tiny p). It is always
a value that was actually observed — never an interpolation between two —
so "p99 TTFT 2,140 ms" names a real request, and a hand computation over the
same rows gives exactly the same number.

The store finds a rank without sorting in Python (an index-ordered read at
an offset, see :mod:`tuichat.store.stats_ranks`); this module holds the
definition and a plain implementation that tests and small sets use.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

DEFINITION = "nearest-rank: the value at 1-based rank ceil(p/100 * n) of the sorted values"
"""What the reports print beside the figures."""

REPORTED = (50.0, 95.0, 99.0)
"""The percentiles ``stats`` shows."""


def nearest_rank(n: int, p: float) -> int:
    """The 1-based rank of the ``p``-th percentile among ``n`` values (``n`` ≥ 1)."""
    if n < 1:
        raise ValueError("no values")
    if not 0.0 < p <= 100.0:
        raise ValueError(f"percentile {p} is not in (0, 100]")
    # The small epsilon keeps 95/100*20 == 19 (not 19.000000000000004 → 20).
    return min(n, max(1, math.ceil(p / 100.0 * n - 1e-9)))


def percentile(sorted_values: Sequence[float], p: float) -> float | None:
    """The ``p``-th percentile of values already sorted ascending (None when empty)."""
    if not sorted_values:
        return None
    return sorted_values[nearest_rank(len(sorted_values), p) - 1]


def percentiles(values: Iterable[float], ps: Sequence[float] = REPORTED) -> dict[str, float | None]:
    """``{"p50": ..., "p95": ..., "p99": ...}`` of ``values`` (any order)."""
    ordered = sorted(values)
    return {label(p): percentile(ordered, p) for p in ps}


def label(p: float) -> str:
    """``p50``, ``p99.9``: the key a percentile is reported under."""
    return f"p{p:g}"
