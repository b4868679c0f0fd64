"""The stats report as lines of text: the command line prints them, the TUI shows them.

Every string that came from the log (model, provider, host, tag, error
type, trace id, session id) goes through :func:`inert`: control characters
show as visible stand-ins (``␛[2J``, never silently deleted) and nothing
spans lines; the TUI shows the lines without markup.
"""

from __future__ import annotations

from tuichat.core.metrics.percentiles import DEFINITION
from tuichat.core.metrics.stats_charts import histogram_lines, sparkline
from tuichat.core.metrics.stats_report import (
    QUEUE_WAIT_MS,
    Distribution,
    SlowRequest,
    StatsReport,
)
from tuichat.core.untrusted import neutralise, one_line

KEY_WIDTH = 28


def report_lines(report: StatsReport) -> list[str]:
    """The whole report, section by section."""
    lines = [f"stats: {inert(report.scope, 120)}", ""]
    if report.requests == 0 and report.cache.lookups == 0:
        return [*lines, "no requests in scope"]
    for section in (_overview, _latency, _charts, _slowest, _cache_and_limits, _endpoints,
                    _costs, _feedback):  # fmt: skip
        lines += section(report)
    return lines


def _overview(report: StatsReport) -> list[str]:
    lines = [
        f"requests {report.requests:,}   errors {_pct(report.error_rate)}"
        f" ({report.failed:,})   retries {report.retries:,}",
        f"tokens per request: in {_num(report.input_tokens_avg)},"
        f" out {_num(report.output_tokens_avg)}   cost ${report.cost_usd:,.4f}",
    ]
    for kind, n in report.errors.items():
        share = n / report.requests if report.requests else None
        lines.append(f"  {_key(kind)} {n:>9,}  {_pct(share):>6}")
    return [*lines, ""]


def _latency(report: StatsReport) -> list[str]:
    rows = (
        ("TTFT", report.ttft_ms, "ms"),
        ("total latency", report.latency_ms, "ms"),
        ("tokens/s", report.tokens_per_s, ""),
    )
    lines = [f"{'':<14} {'p50':>10} {'p95':>10} {'p99':>10} {'n':>10}"]
    lines += [_distribution(name, dist, unit) for name, dist, unit in rows]
    return [*lines, f"  percentiles: {DEFINITION}", ""]


def _distribution(name: str, dist: Distribution, unit: str) -> str:
    values = [_num(v, unit) for v in (dist.p50, dist.p95, dist.p99)]
    return f"{name:<14} {values[0]:>10} {values[1]:>10} {values[2]:>10} {dist.count:>10,}"


def _charts(report: StatsReport) -> list[str]:
    lines: list[str] = []
    for metric, title in (("ttft_ms", "TTFT"), ("latency_ms", "total latency")):
        hist = report.histograms.get(metric)
        if hist is not None:
            lines += [f"{title} histogram:", *histogram_lines(hist.edges, hist.counts), ""]
    if report.days:
        counts = [day.requests for day in report.days]
        span = f"{report.days[0].day} … {report.days[-1].day}"
        lines += [f"requests per day ({span}, max {max(counts):,}):", sparkline(counts), ""]
    return lines


def _slowest(report: StatsReport) -> list[str]:
    if not report.slowest:
        return []
    lines = ["slowest requests (ms: queue / retries / network / prefill / generation / failed):"]
    return [*lines, *(_slow_line(request) for request in report.slowest), ""]


def _slow_line(r: SlowRequest) -> str:
    parts = (r.queue_ms, r.retries_ms, r.network_ms, r.prefill_ms, r.generation_ms, r.failed_ms)
    split = " / ".join(_num(part) for part in parts)
    who = inert(f"{r.model} #{r.attempt} {r.status}", 40)
    return f"  {inert(r.trace_id, 36)}  {_num(r.total_ms):>9}  {who}: {split}"


def _cache_and_limits(report: StatsReport) -> list[str]:
    cache, queue = report.cache, report.queue
    cache_line = (
        "cache: no lookups in scope"
        if cache.lookups == 0
        else f"cache: hit rate {_pct(cache.hit_rate)} ({cache.exact:,} exact, {cache.semantic:,}"
        f" semantic, {cache.miss:,} misses; {cache.bypass:,} bypassed,"
        f" {cache.unavailable:,} unavailable)"
    )
    latest = "the latest " if queue.capped else ""
    queue_line = (
        f"429s: {report.rate_limited:,}   queued ≥ {QUEUE_WAIT_MS:.0f} ms: {queue.waited:,} of"
        f" {latest}{queue.turns:,} turns (mean wait {_num(queue.mean_ms, 'ms')},"
        f" max {_num(queue.max_ms, 'ms')})"
    )
    return [cache_line, queue_line, ""]


def _endpoints(report: StatsReport) -> list[str]:
    lines = ["availability by endpoint (server-side failures; 429s apart):"]
    for e in report.endpoints:
        name = inert(f"{e.provider} {e.host}".strip(), KEY_WIDTH)
        lines.append(
            f"  {name:<{KEY_WIDTH}} {_pct(e.availability, 2):>8}"
            f"  {e.requests:>9,} req  {e.rate_limited:>7,} 429s"
        )
    return [*lines, ""]


def _costs(report: StatsReport) -> list[str]:
    lines = [f"cost by {report.by}:"]
    for g in report.costs:
        lines.append(f"  {_key(g.key)} ${g.cost_usd:>11,.4f}  {g.requests:>9,} req")
    return [*lines, *(["  (nothing)"] if not report.costs else []), ""]


def _feedback(report: StatsReport) -> list[str]:
    fb = report.feedback
    if fb is None or fb.answers == 0:
        return ["feedback: no feedback yet"]
    return [
        f"feedback: thumbs up {_pct(fb.thumbs_up_rate)} of {fb.thumbs_up + fb.thumbs_down:,}"
        f" rated; follow-ups {_pct(fb.follow_up_rate)} of {fb.answers:,} answers"
    ]


def inert(text: str, limit: int = 300) -> str:
    """``text`` on one line of at most ``limit`` chars, its controls shown, not obeyed."""
    return one_line(neutralise(text), limit)


def _key(text: str) -> str:
    return f"{inert(text, KEY_WIDTH):<{KEY_WIDTH}}"


def _pct(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value * 100:.{digits}f}%"


def _num(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"
    return f"{text} {unit}".strip()
