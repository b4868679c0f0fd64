"""Each HUD panel's lines, drawn from its view for a given width.

Pure functions of ``(view, width)``: no widget state, no metrics. Anything
the view does not know is said in words ("not available", "no budget set",
"not reported"), never shown as a zero.
"""

from __future__ import annotations

import textwrap

from tuichat.core.context.fit import WindowUse
from tuichat.core.feedback.tally import FeedbackCounts
from tuichat.core.metrics.hud_view import (
    CostView,
    HealthView,
    LatencyView,
    LimitsView,
    ProviderView,
    ThroughputView,
)
from tuichat.core.metrics.waterfall import Phase, Waterfall
from tuichat.core.route_choice import RouteChoice
from tuichat.core.untrusted import one_line
from tuichat.ui.widgets.hud_text import (
    ACCENT,
    DASH,
    ERROR,
    MUTED,
    WARNING,
    Line,
    bar,
    count,
    fit,
    ms,
    percent,
    rate,
    row,
    seconds,
    short_count,
    span_bar,
    sparkline,
    usd,
)

Lines = tuple[Line, ...]
SUMMARY_LINES = 3  # what the turn tried, wrapped (a long chain is cut with "[...]")
LABEL = 10  # waterfall label column
VALUE = 7  # waterfall value column


def latency_lines(view: LatencyView, width: int) -> Lines:
    """TTFT p50 / p95 (TTFT now is the headline), then the waterfall, a bar per phase."""
    p50, p95 = view.p50_ms, view.p95_ms
    spread = DASH if p50 is None else f"{ms(p50).removesuffix(' ms')}/{ms(p95)} n={view.samples}"
    lines: list[Line] = [row("p50/p95", spread, width)]
    fall = view.waterfall
    if fall is None:
        return tuple(lines)
    scale = time_scale(fall.total_ms) if view.running else fall.total_ms
    for phase in fall.phases:
        if phase.name == "retries" and not fall.earlier_attempts:
            continue
        if phase.name == "client busy":  # on the total's line: the panel keeps its height
            continue
        lines.append(_phase_line(phase, scale, width, fall.connection_reused))
        if phase.name == "1st token" and fall.server_prefill_ms is not None:
            lines.append(row("  prefill", f"{ms(fall.server_prefill_ms)} (server)", width))
    lines.append(row("total", _total(fall, width - LABEL), width, label_width=LABEL - 1))
    return tuple(lines)


def _total(fall: Waterfall, room: int) -> str:
    """``221 ms``; with client busy time, ``221 ms, 200 ms busy`` (our own stalled loop).

    The busy part is the gap drawn between the first-token and generation bars.
    """
    busy = fall.phase("client busy").ms
    if not busy:
        return ms(fall.total_ms)
    text = f"{ms(fall.total_ms)}, {ms(busy)} busy"
    return text if len(text) <= room else f"{ms(fall.total_ms)}, {busy:.0f} busy"


def time_scale(total_ms: float) -> float:
    """The bars' full width while a turn runs: the next of 0.1, 0.2, 0.5, 1, 2, 5 ... s.

    A scale that moves in steps keeps finished phases' bars still while the
    turn grows (steady to read, and fewer rows to repaint); once the turn is
    over the bars span its whole total.
    """
    scale = 100.0
    while scale < total_ms:
        for step in (2.0, 2.5, 2.0):  # 100 -> 200 -> 500 -> 1000 ...
            scale *= step
            if scale >= total_ms:
                break
    return scale


def _phase_line(phase: Phase, total: float, width: int, reused: bool | None) -> Line:
    value = ms(phase.ms)
    if phase.name == "connect" and reused:
        value = "reused"
    bar_width = max(0, width - LABEL - VALUE - 1)
    drawn = span_bar(phase.start_ms, phase.ms, total, bar_width)
    return ((f"{phase.name:<{LABEL}}", MUTED), f"{value:>{VALUE}} ", (drawn, ACCENT))


def latency_headline(view: LatencyView) -> str:
    return f"TTFT {ms(view.ttft_ms)}"


def throughput_lines(view: ThroughputView, width: int) -> Lines:
    """tok/s on average (now is the headline), a sparkline, tokens in/out, window, length."""
    lines = [row("average", f"{rate(view.rate_avg)} tok/s", width)]
    spark = sparkline(view.sparkline, width) if view.sparkline else ""
    lines.append(((spark or " ", ACCENT),))
    lines.append(row("in / out", _in_out(view), width))
    if view.window is not None and view.window.window is not None:  # unknown: said once, at send
        lines.append(window_line(view.window, width))
    if view.length is not None:
        lines.append(row("length", _length(view), width))
    return tuple(lines)


def window_line(use: WindowUse, width: int) -> Line:
    """``window    1.2k+1k/4k 55%``: the next request, its answer reserve, the window.

    Amber from 80%, red over 100% (the context policy will act on the send).
    The caller leaves the row out while the window is unknown.
    """
    share = use.share or 0.0
    approx = "" if use.exact else "≈"
    text = f"{approx}{short_count(use.prompt)}+{short_count(use.answer)}/{short_count(use.window)}"
    style = ERROR if share > 1 else WARNING if share >= 0.8 else ""
    return row("window", f"{text} {percent(share)}", width, style=style)


def _length(view: ThroughputView) -> str:
    """``brief ≤300 ~4 s``: the preset, its cap, the longest it takes at the session's speed."""
    preset = view.length
    assert preset is not None
    text = f"{preset.name} ≤{short_count(preset.max_tokens)}"
    if view.rate_avg:
        text += f" ~{seconds(preset.max_tokens / view.rate_avg)}"
    return text


def _in_out(view: ThroughputView) -> str:
    return f"{count(view.input_tokens)} / {count(view.output_tokens, view.output_estimated)}"


def throughput_headline(view: ThroughputView) -> str:
    shown = view.rate_now if view.rate_now is not None else view.rate_avg
    return f"{rate(shown)} tok/s"


def limits_lines(view: LimitsView, width: int) -> Lines:
    """Rate-limit windows as bars with reset countdowns, 429s, the queue.

    The circuit breakers are the Health panel's (a provider's health, not a limit).
    """
    lines: list[Line] = []
    if not view.windows:
        lines.append(row("limits", "no headers seen", width, style=MUTED))
    for window in view.windows:
        name = window.name.replace("_tokens", " tok")
        numbers = f" {short_count(window.remaining)}/{short_count(window.limit)}"
        if window.reset_in_s:
            numbers += f" ↻{seconds(window.reset_in_s)}"
        room = max(1, width - 9 - len(numbers))
        drawn = bar(window.fraction_left, room)
        lines.append(
            ((f"{name[:8]:<8} ", MUTED), (drawn, _level_style(window.fraction_left)), numbers)
        )
    style = WARNING if view.rate_limited else ""
    lines.append(row("429s", str(view.rate_limited), width, style=style))
    lines.append(row("queue", _queue(view), width))
    return tuple(lines)


def _level_style(fraction: float | None) -> str:
    """Bars turn amber below 20% left and red at none."""
    if fraction is None or fraction >= 0.2:
        return ACCENT
    return WARNING if fraction > 0 else ERROR


def _queue(view: LimitsView) -> str:
    queue = view.queue
    if queue is None:
        return "empty"
    why = f" ({queue.limited_by})" if queue.limited_by else ""
    return f"#{queue.position}, ~{seconds(queue.expected_wait_s)}{why}"


def limits_headline(view: LimitsView) -> str:
    known = [w.fraction_left for w in view.windows if w.fraction_left is not None]
    left = f"{percent(min(known))} left" if known else "no headers"
    return f"{left} · 429s {view.rate_limited}" if view.rate_limited else left


def cost_lines(view: CostView, width: int) -> Lines:
    """Turn, session, today, and a bar per budget (amber at soft, red at hard)."""
    lines = [
        row("turn", _spend(view.turn_usd, view.turn_unpriced, view.estimated), width),
        row("session", _spend(view.session_usd, view.session_unpriced, view.estimated), width),
        *_feedback_line(view.feedback, width),
        row(
            "today",
            usd(view.today_usd) if view.today_usd is not None else "not available",
            width,
            style="" if view.today_usd is not None else MUTED,
        ),
    ]
    if not view.budgets:
        lines.append(row("budget", "no budget set", width, style=MUTED))
    for budget in view.budgets:
        cap = budget.hard_usd if budget.hard_usd is not None else budget.soft_usd
        numbers = f" {usd(budget.spent_usd)}/{usd(cap)}"
        room = max(1, width - 9 - len(numbers))
        style = {"ok": ACCENT, "soft": WARNING, "hard": ERROR}[budget.level]
        label = fit(budget.scope, 8)
        lines.append(((f"{label:<8} ", MUTED), (bar(budget.fraction, room), style), numbers))
    return tuple(lines)


def _feedback_line(counts: FeedbackCounts | None, width: int) -> Lines:
    """``feedback  👍 3 · 👎 1 · ↻ 2`` under the session's spend (↻: follow-ups), once there is one.

    Narrow, it is ``👍3 👎1 ↻2``; the emoji take two cells each.
    """
    if counts is None or counts.empty:
        return ()
    glyphs = (("👍", counts.ups), ("👎", counts.downs), ("↻", counts.follow_ups))
    wide = " · ".join(f"{glyph} {n}" for glyph, n in glyphs)
    room = width - 10 - 2  # the label column, and one more cell for each of the two emoji
    text = wide if len(wide) <= room else " ".join(f"{glyph}{n}" for glyph, n in glyphs)
    return (row("feedback", text, width + 2),)


def _spend(value: float | None, unpriced: int, estimated: bool) -> str:
    if value is None:
        return "no price known" if unpriced else DASH
    text = ("≈" if estimated else "") + usd(value)
    return f"{text} (+{unpriced} unpriced)" if unpriced else text


def cost_headline(view: CostView) -> str:
    return f"{usd(view.session_usd)} session"


def health_lines(view: HealthView, width: int) -> Lines:
    """Errors and cancels this session, each provider's circuit and availability, the turn.

    Every figure has its label: a bare percentage under "errors" read as an
    error rate when it was a provider's availability.
    """
    lines = [row("errors", _errors(view), width, style=WARNING if view.failed else "")]
    if view.cancelled:  # they ended, but are no error: counted apart
        lines.append(row("cancelled", str(view.cancelled), width))
    for provider in view.providers:
        lines.extend(_provider_lines(provider, width))
    lines.append(row("retries", f"{view.retries}   fallbacks {view.fallbacks}", width))
    if view.route is not None:
        lines.extend(route_lines(view.route, width))
    summary = textwrap.wrap(view.summary, max(8, width), max_lines=SUMMARY_LINES)
    lines.extend(((text, MUTED),) for text in summary)
    return tuple(lines)


def route_lines(route: RouteChoice, width: int) -> Lines:
    """``routed    rule 2 · tag=support → cheap``; narrow, ``→ cheap`` then the why, muted."""
    line = one_line(route.line())
    if len(line) <= width - 10:
        return (row("routed", line, width),)
    why = f"rule {route.rule} · {route.why}" if route.rule is not None else route.why
    return (
        row("routed", f"→ {one_line(route.model)}", width),
        ((fit(one_line(why), width), MUTED),),
    )


def _errors(view: HealthView) -> str:
    """``1/4 (25%)``: failed over ended attempts; ``none`` when only cancels ended."""
    if view.error_rate is None:
        return "none" if view.cancelled else "none ended yet"
    return f"{view.failed}/{view.attempts} ({percent(view.error_rate)})"


def _provider_lines(provider: ProviderView, width: int) -> Lines:
    """The provider's key, then ``circuit   closed · 98% up`` (its availability).

    When both do not fit the width, the availability gets its own ``up`` row.
    """
    if provider.state == "open":
        state, style = f"OPEN ↻{seconds(provider.retry_in_s)}", ERROR
    elif provider.state == "half_open":
        state, style = "probing", WARNING
    else:
        state, style = "closed", ""
    key: Line = ((fit(provider.key, max(1, width)), MUTED),)
    if provider.availability is None:
        return (key, row("circuit", state, width, style=style))
    up = percent(provider.availability)
    both = f"{state} · {up} up"
    if len(both) <= width - 10:
        return (key, row("circuit", both, width, style=style))
    return (key, row("circuit", state, width, style=style), row("up", up, width))


def health_headline(view: HealthView) -> str:
    if any(p.state == "open" for p in view.providers):
        return "breaker OPEN"
    return f"errors {percent(view.error_rate)}"
