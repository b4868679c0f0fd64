"""A diagnosis as plain lines: headlines with verdict marks, then the figures.

Shared by ``tuichat debug`` and the debug screen, so both say the same
thing. Model names and error messages come from the log, which is hostile
input: every line passes through :func:`one_line`, which removes escape
sequences and control characters. Callers must still show the lines as
plain text, never as markup.
"""

from __future__ import annotations

from tuichat.core.untrusted import one_line
from tuichat.store.diagnostics import figures as fig
from tuichat.store.diagnostics.model import (
    CacheReport,
    Diagnosis,
    ErrorReport,
    LatencyReport,
    RateLimitReport,
    Section,
    StreamingReport,
    TokenReport,
    Verdict,
)
from tuichat.store.diagnostics.totals import CACHEABLE_TOKENS

VERDICT_MARKS: dict[Verdict, str] = {"ok": "OK", "warn": "WARN", "bad": "BAD", "n/a": "n/a"}
LINE_LIMIT = 200


def verdict_mark(verdict: Verdict) -> str:
    """``[WARN]``, padded so headlines line up."""
    return f"[{VERDICT_MARKS[verdict]}]".ljust(6)


def title_line(diagnosis: Diagnosis) -> str:
    """``tuichat debug: last 24 h, 1,234 attempts (2023-11-14 22:13 UTC)``."""
    scope, n = diagnosis.scope.describe(), fig.plural(diagnosis.attempts, "attempt")
    return one_line(f"{scope}: {n} (as of {fig.utc(diagnosis.generated_at)})", LINE_LIMIT)


def report_lines(diagnosis: Diagnosis) -> list[str]:
    """The whole report: title, the six headlines, then each section's details."""
    lines = [title_line(diagnosis), ""]
    sections = diagnosis.sections()
    lines += [f"{verdict_mark(s.verdict)} {headline_text(s)}" for _, s in sections]
    for title, section in sections:
        lines += ["", f"{title}:"]
        lines += [f"  {line}" for line in section_details(section)]
    return lines


def headline_text(section: Section) -> str:
    """The section's headline, made inert (it may name a model from the log)."""
    return one_line(section.headline, LINE_LIMIT)


def section_details(section: Section) -> list[str]:
    """The figures behind one section's headline, one inert line each."""
    match section:
        case LatencyReport():
            lines = _latency(section)
        case RateLimitReport():
            lines = _rate_limits(section)
        case CacheReport():
            lines = _cache(section)
        case ErrorReport():
            lines = _errors(section)
        case StreamingReport():
            lines = _streaming(section)
        case TokenReport():
            lines = _tokens(section)
        case _:
            lines = []
    return [_inert(line) for line in lines]


def _inert(line: str) -> str:
    """One sanitized line that keeps its indentation (``one_line`` squeezes spaces)."""
    indent = len(line) - len(line.lstrip(" "))
    return " " * indent + one_line(line, LINE_LIMIT)


def _latency(r: LatencyReport) -> list[str]:
    total = r.split.total_ms
    lines = [f"TTFT p50 {fig.ms(r.ttft_p50_ms)}, p95 {fig.ms(r.ttft_p95_ms)}"]
    if total > 0:
        lines += [
            f"{name}: {fig.ms(value)} ({fig.pct(value / total)})"
            for name, value in r.split.parts().items()
            if value or name != "client busy"  # shown where our own loop stalled
        ]
    lines += [
        f"prefill: server-reported for {fig.plural(r.prefill_server_attempts, 'attempt')},"
        f" estimated as TTFT − TTFB for {r.prefill_estimated_attempts}",
        "queue: gap between each prompt and its first attempt (queue events are not logged)",
    ]
    return lines


def _rate_limits(r: RateLimitReport) -> list[str]:
    lines = [
        f"429 responses: {r.rate_limited} of {fig.plural(r.attempts, 'attempt')}"
        f" (quota exhausted: {r.quota_errors})",
        f"after a 429: {fig.plural(r.retries_after_429, 'retry')},"
        f" {fig.plural(r.fallbacks_after_429, 'fallback')}",
    ]
    if not r.latest:
        return [*lines, "latest headroom: no rate-limit headers seen"]
    lines.append("latest headroom per model:")
    for limits in r.latest:
        windows = ", ".join(f"{w.window} {w.remaining}/{w.limit}" for w in limits.windows)
        lines.append(
            f"  {limits.model}: {windows or 'no windows'} left"
            f" ({limits.source}, {fig.utc(limits.at)})"
        )
    return lines


def _cache(r: CacheReport) -> list[str]:
    prompt = (
        "provider prompt cache: not reported by the providers in scope"
        if r.prompt_hit_rate is None
        else f"provider prompt cache: {fig.tokens(r.prompt_cached_tokens)} of"
        f" {fig.tokens(r.prompt_input_tokens)} input tokens read from cache"
        f" ({fig.pct(r.prompt_hit_rate)}); prompts ≥ {CACHEABLE_TOKENS} tokens:"
        f" {fig.pct(r.long_prompt_hit_rate)}"
    )
    return [
        "response cache: exact n/a, semantic n/a (tuichat has no response cache yet)",
        prompt,
        f"prompt cache writes: {fig.tokens(r.cache_write_tokens)} tokens",
        f"stale answers offered (every model failed): {r.stale_offered}"
        if r.stale_offered is not None
        else "stale answers offered: n/a",
    ]


def _errors(r: ErrorReport) -> list[str]:
    lines = [f"failed: {r.failed} of {fig.plural(r.attempts, 'attempt')} ({fig.pct(r.error_rate)})"]
    lines += [
        f"  {e.error_type} ×{e.count}" + (f": {e.last_message}" if e.last_message else "")
        for e in r.by_type
    ]
    if r.by_model:
        lines.append("by provider · model:")
        lines += [
            f"  {m.provider} · {m.model}: {m.failed} of {m.attempts} failed"
            f" ({fig.pct(m.failed / m.attempts)})"
            for m in r.by_model
        ]
    minutes = f"{r.bucket_s / 60:g}-minute buckets"
    if not r.spikes:
        return [*lines, f"spikes: none ({minutes})"]
    lines.append(f"spikes ({minutes}):")
    lines += [
        f"  {fig.utc(s.start)}: {s.errors} of {s.attempts} failed ({fig.pct(s.rate)})"
        for s in r.spikes
    ]
    return lines


def _streaming(r: StreamingReport) -> list[str]:
    change = fig.signed_pct(fig.change(r.ttft_earlier_p50_ms, r.ttft_recent_p50_ms))
    return [
        f"streamed attempts: {r.streamed}",
        f"TTFT p50: earlier half {fig.ms(r.ttft_earlier_p50_ms)},"
        f" recent half {fig.ms(r.ttft_recent_p50_ms)} ({change})",
        f"truncated {r.truncated}, disconnected {r.disconnects}, timed out {r.timeouts},"
        f" cancelled {r.cancelled}",
    ]


def _tokens(r: TokenReport) -> list[str]:
    lines = [
        f"answered turns with usage: {r.turns}",
        f"median input: {fig.tokens(r.median_input)} (earlier half"
        f" {fig.tokens(r.earlier_median_input)} → recent {fig.tokens(r.recent_median_input)})",
        f"median output: {fig.tokens(r.median_output)} (earlier half"
        f" {fig.tokens(r.earlier_median_output)} → recent {fig.tokens(r.recent_median_output)})",
        f"above {r.outlier_factor:g}× median: {r.above_input} in input,"
        f" {r.above_output} in output ({fig.plural(r.outlier_turns, 'turn')} in all)",
    ]
    lines += [
        f"  {fig.utc(o.started_at)} {o.model} {o.trace_id[:8]}:"
        f" {fig.tokens(o.input_tokens)} in / {fig.tokens(o.output_tokens)} out"
        for o in r.outliers
    ]
    return lines
