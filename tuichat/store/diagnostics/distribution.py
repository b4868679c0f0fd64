"""Percentiles from histograms that SQL builds.

Sorting a million values in SQLite (``ORDER BY ... OFFSET``) costs seconds;
``GROUP BY`` on whole milliseconds or whole tokens returns a few thousand
``(value, count)`` pairs in one pass, and percentiles over those pairs are
exact to that unit. Quantiles interpolate between the two nearest ranks, so
the median of an even count is the mean of the middle two, as usual.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

Histogram = dict[float, int]
"""value → how many rows had it."""


def histogram(pairs: Iterable[tuple[float, int]]) -> Histogram:
    """Merge ``(value, count)`` pairs (a value may repeat)."""
    merged: Counter[float] = Counter()
    for value, count in pairs:
        merged[float(value)] += int(count)
    return dict(merged)


def merged(*histograms: Histogram) -> Histogram:
    """The union of several histograms."""
    return histogram(pair for hist in histograms for pair in hist.items())


def total(hist: Histogram) -> int:
    """How many values the histogram holds."""
    return sum(hist.values())


def quantile(hist: Histogram, q: float) -> float | None:
    """The ``q`` quantile (0..1) of the values, or None for an empty histogram."""
    n = total(hist)
    if n == 0:
        return None
    position = q * (n - 1)
    low, high = math.floor(position), math.ceil(position)
    values = _values_at(hist, (low, high))
    return values[0] + (values[1] - values[0]) * (position - low)


def median(hist: Histogram) -> float | None:
    """The middle value (mean of the two middle ones for an even count)."""
    return quantile(hist, 0.5)


def count_above(hist: Histogram, threshold: float) -> int:
    """How many values are strictly greater than ``threshold``."""
    return sum(count for value, count in hist.items() if value > threshold)


def _values_at(hist: Histogram, ranks: tuple[int, int]) -> tuple[float, float]:
    """The values at two 0-based ranks of the sorted data (``ranks[0] <= ranks[1]``)."""
    found: list[float] = []
    seen = 0
    for value in sorted(hist):
        seen += hist[value]
        while len(found) < 2 and ranks[len(found)] < seen:
            found.append(value)
        if len(found) == 2:
            break
    return found[0], found[1]
