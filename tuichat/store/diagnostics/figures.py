"""How figures read in headlines: durations, shares, counts, times, verdicts.

Headlines are for a human at a glance, so numbers are short ("1.2 s",
"18%", "3.4k") and times are UTC (a log may be read on another machine, and
a fixed zone keeps tests and snapshots stable).
"""

from __future__ import annotations

import time

from tuichat.store.diagnostics.model import Verdict

_SEVERITY: dict[Verdict, int] = {"n/a": 0, "ok": 1, "warn": 2, "bad": 3}


def worst(*verdicts: Verdict) -> Verdict:
    """The most severe verdict (``bad`` > ``warn`` > ``ok`` > ``n/a``)."""
    return max(verdicts, key=_SEVERITY.__getitem__, default="n/a")


def at_least(value: float | None, warn: float, bad: float) -> Verdict:
    """``bad``/``warn``/``ok`` as ``value`` reaches the thresholds; None is ``ok``."""
    if value is None or value < warn:
        return "ok"
    return "bad" if value >= bad else "warn"


def ms(value: float | None) -> str:
    """``420 ms``, ``1.2 s``, ``n/a``."""
    if value is None:
        return "n/a"
    if value < 1000:
        return f"{value:.0f} ms"
    return f"{value / 1000:.1f} s"


def pct(fraction: float | None) -> str:
    """``18%`` (``0.4%`` below one percent), ``n/a``."""
    if fraction is None:
        return "n/a"
    if 0 < fraction < 0.01:
        return f"{fraction * 100:.1f}%"
    return f"{fraction * 100:.0f}%"


def change(earlier: float | None, recent: float | None) -> float | None:
    """``recent / earlier``, or None when either is unknown or ``earlier`` is 0."""
    if earlier is None or recent is None or earlier == 0:
        return None
    return recent / earlier


def signed_pct(ratio: float | None) -> str:
    """A ratio as a change: ``+45%``, ``-12%``, ``n/a``."""
    if ratio is None:
        return "n/a"
    return f"{(ratio - 1) * 100:+.0f}%"


def count(n: int) -> str:
    """``1,234``."""
    return f"{n:,}"


def tokens(n: float | None) -> str:
    """``340``, ``1.2k``, ``3.4M``, ``n/a``."""
    if n is None:
        return "n/a"
    if n < 1000:
        return f"{n:.0f}"
    if n < 1_000_000:
        return f"{n / 1000:.1f}k"
    return f"{n / 1_000_000:.1f}M"


def utc(epoch: float) -> str:
    """``2023-11-14 22:13 UTC``."""
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(epoch))


def plural(n: int, word: str) -> str:
    """``1 retry``, ``3 retries``, ``2 spikes``."""
    if n == 1:
        return f"1 {word}"
    if word.endswith("y"):
        return f"{count(n)} {word[:-1]}ies"
    return f"{count(n)} {word}s"
