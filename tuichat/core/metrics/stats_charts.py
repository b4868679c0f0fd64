"""Terminal charts for ``stats``: a bucket histogram and a per-day sparkline, as plain text.

Hand-made rather than plotext: the charts are a dozen lines of Unicode
blocks, the same text serves the command line and the TUI (where ANSI
colour codes from a plotting library would have to be parsed back), the
output is deterministic for snapshots, and no dependency joins the
install. Labels are numbers the report computed, never log text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

SPARKS = "▁▂▃▄▅▆▇█"
BAR = "█"
PARTIAL_BARS = " ▏▎▍▌▋▊▉"


def sparkline(values: Sequence[float]) -> str:
    """One block per value, scaled to the largest (an all-zero series is all ``▁``)."""
    top = max(values, default=0.0)
    if top <= 0:
        return SPARKS[0] * len(values)
    steps = len(SPARKS) - 1
    return "".join(SPARKS[min(steps, math.ceil(v / top * steps))] for v in values)


def bar(value: float, top: float, width: int) -> str:
    """A horizontal bar of ``value`` out of ``top`` in ``width`` cells (eighths of a cell)."""
    if top <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / top * width * 8))
    whole, part = divmod(eighths, 8)
    return BAR * whole + (PARTIAL_BARS[part] if part else "")


def ms_label(value: float) -> str:
    """``250 ms``, ``1.5 s``, ``60 s``: a bucket edge for people."""
    if value < 1000:
        return f"{value:.0f} ms"
    seconds = value / 1000
    return f"{seconds:.0f} s" if seconds == int(seconds) else f"{seconds:.1f} s"


def histogram_lines(edges: Sequence[float], counts: Sequence[int], width: int = 40) -> list[str]:
    """One line per bucket from the first to the last non-empty one: range, bar, count."""
    filled = [i for i, n in enumerate(counts) if n]
    if not filled:
        return ["(no values)"]
    top = max(counts)
    labels = [_bucket_label(edges, i) for i in range(filled[0], filled[-1] + 1)]
    span = max(len(label) for label in labels)
    return [
        f"{label:>{span}} │{bar(counts[i], top, width):<{width}} {counts[i]:,}"
        for label, i in zip(labels, range(filled[0], filled[-1] + 1), strict=True)
    ]


def _bucket_label(edges: Sequence[float], i: int) -> str:
    if i + 1 < len(edges):
        return f"{ms_label(edges[i])}–{ms_label(edges[i + 1])}"
    return f"≥ {ms_label(edges[i])}"
