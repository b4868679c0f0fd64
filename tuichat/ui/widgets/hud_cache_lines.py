"""The HUD's Cache panel lines: the response cache's mode, hits and savings, the prompt cache.

Pure functions of ``(view, width)`` like the other panels' (:mod:`~tuichat.ui.widgets.hud_lines`).
"""

from __future__ import annotations

from tuichat.core.metrics.cache_tally import CacheTally
from tuichat.core.metrics.hud_view import CacheView
from tuichat.ui.widgets.hud_text import DASH, MUTED, WARNING, Line, ms, percent, row, usd

Lines = tuple[Line, ...]


def cache_lines(view: CacheView, width: int) -> Lines:
    """Response cache (mode, hits, what it saved), the provider's prompt cache, a break.

    Four lines as a rule: mode; this session's hits; saved time and money;
    the prompt-cache share of the turn and the session. More only when there
    is something to say: today's hits (when the app supplies them), false
    hits (amber: a wrong answer served), the turn's prompt-cache break
    (amber), or the session's count of them.
    """
    mode = view.mode
    off = mode is not None and not mode.enabled
    lines: list[Line] = [_mode_line(view, width)]
    if not off and (mode is not None or view.response.lookups):
        lines.append(row("hits", _hits(view.response), width))
        if view.today is not None:
            lines.append(row("today", _hits(view.today), width))
        lines.append(row("saved", _saved(view.response), width))
        if view.response.false_hits:
            false = f"{view.response.false_hits} of {view.response.hits} hits"
            lines.append(row("false", false, width, style=WARNING))
    lines.append(_prompt_line(view, width))
    lines.extend(_break_lines(view, width))
    return tuple(lines)


def _mode_line(view: CacheView, width: int) -> Line:
    mode = view.mode
    if mode is not None:
        label = mode.label if len(mode.label) <= width - 10 else mode.short_label
        return row("response", label, width, style="" if mode.enabled else MUTED)
    if view.response.lookups:
        return row("response", "on", width)
    return row("response", "no lookups yet", width, style=MUTED)


def _hits(tally: CacheTally) -> str:
    """``5/8 62% · 2 sem``: hits over hits and misses, the rate, the semantic ones."""
    asked = tally.hits + tally.misses
    if asked == 0:
        return f"none asked · {tally.bypasses} bypassed" if tally.bypasses else "none asked"
    text = f"{tally.hits}/{asked} {percent(tally.hit_rate)}"
    return text + (f" · {tally.semantic} sem" if tally.semantic else "")


def _saved(tally: CacheTally) -> str:
    """``1.25 s · $0.042``: the hits' original time and cost (``≥`` when some had no price)."""
    if not tally.hits:
        return DASH
    if tally.unpriced_hits == tally.hits:
        return f"{ms(tally.saved_ms)} · {DASH}"
    money = ("≥" if tally.unpriced_hits else "") + usd(tally.saved_usd)
    return f"{ms(tally.saved_ms)} · {money}"


def _prompt_line(view: CacheView, width: int) -> Line:
    """The provider's prompt cache: the turn's share, then the session's."""
    if view.session is None:
        return row("prompt", "not reported", width, style=MUTED)
    turn = percent(view.turn.share) if view.turn is not None else DASH
    return row("prompt", f"{turn} · sess {percent(view.session.share)}", width)


BREAK_WORDS = {
    "model": "model",
    "system": "system",
    "history": "history",
    "expired": "expired",
    "unknown": "unknown",
}
"""A break's cause in one word: ``broken    system +$0.0024`` (the debug view says more)."""


def _break_lines(view: CacheView, width: int) -> Lines:
    """The turn's break in amber, or the session's breaks in short."""
    found, breaks = view.turn_break, view.breaks
    if found is not None:
        extra = f" +{usd(found.extra_usd)}" if found.extra_usd is not None else ""
        return (row("broken", BREAK_WORDS[found.cause] + extra, width, style=WARNING),)
    if breaks.count:
        extra = f" · +{usd(breaks.extra_usd)}" if breaks.extra_usd is not None else ""
        return (row("breaks", f"{breaks.count}{extra}", width, style=MUTED),)
    return ()


def cache_headline(view: CacheView) -> str:
    if view.turn_break is not None:
        return "prompt cache broken"
    rate = view.response.hit_rate
    prompt = f"prompt {percent(view.session.share)}" if view.session is not None else "prompt –"
    return prompt if rate is None else f"hits {percent(rate)} · {prompt}"
