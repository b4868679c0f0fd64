"""The report at the end of a bench run: per model, side by side.

:func:`build_report` is the one place the figures are computed (requests,
errors by type, p50/p95 of TTFT and latency, tokens, cost, pass rate), from
the calls the run finished. ``tuichat stats`` computes the same kind of
report from the log; when both exist, this function is the seam to switch
to it (reading the run's tag) without touching the runner or the output.

Percentiles are nearest-rank: the p-th percentile of n sorted values is the
value at rank ``ceil(p/100 × n)`` (1-based), always an observed value.
Latency is the whole call, from the turn's start (queue, retries and
fallbacks included) to its end; TTFT is the answering attempt's, as the HUD
and the log define it. Failed and cancelled calls count in requests and
errors, not in the timing percentiles.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tuichat.core.evals.checks import CheckResult
from tuichat.core.metrics.percentiles import percentile as sorted_percentile
from tuichat.core.untrusted import neutralise, one_line

ANSWER_SHOWN = 160
"""Characters of a failing answer shown in the text report (escaped, on one line)."""


@dataclass(frozen=True, slots=True)
class CallResult:
    """One finished (or cancelled) call of the run, and what its checks said."""

    model: str
    line: int
    prompt: str
    status: str
    """"ok", "failed", "cancelled" or "truncated" (the turn's status)."""
    error_type: str | None = None
    ttft_ms: float | None = None
    latency_ms: float | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    answer: str = ""
    trace_id: str = ""
    checks: tuple[CheckResult, ...] = ()
    judge_cost_usd: float = 0.0

    @property
    def passed(self) -> bool:
        """True when the call answered and every check passed."""
        return self.status == "ok" and all(result.passed for result in self.checks)


@dataclass(frozen=True, slots=True)
class ModelFigures:
    """One model's (or chain's) column of the report."""

    model: str
    requests: int
    ok: int
    errors: dict[str, int]
    cancelled: int
    ttft_p50_ms: float | None
    ttft_p95_ms: float | None
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    checked: int
    passed: int
    judge_cost_usd: float

    @property
    def pass_rate(self) -> float | None:
        """Passed over the calls that carried checks (None when none did)."""
        return self.passed / self.checked if self.checked else None


@dataclass(frozen=True, slots=True)
class BenchReport:
    """What a run measured: one column per model, and the failures to look at."""

    run_id: str
    tag: str
    total: int
    models: list[ModelFigures]
    failures: list[CallResult] = field(default_factory=list)
    interrupted: bool = False
    elapsed_s: float = 0.0

    @property
    def done(self) -> int:
        """Calls that finished (cancelled ones are not)."""
        return sum(figures.requests - figures.cancelled for figures in self.models)


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile of ``values`` in any order, as ``stats`` computes it."""
    return sorted_percentile(sorted(values), p)


def build_report(
    results: Sequence[CallResult],
    models: Sequence[str],
    *,
    run_id: str,
    tag: str,
    total: int,
    interrupted: bool = False,
    elapsed_s: float = 0.0,
) -> BenchReport:
    """Fold the run's calls into the report (the seam for ``stats``, see the module doc)."""
    columns = [_figures(model, [r for r in results if r.model == model]) for model in models]
    order = {model: index for index, model in enumerate(models)}
    failures = sorted(
        (r for r in results if r.status != "cancelled" and not r.passed),
        key=lambda r: (order.get(r.model, len(order)), r.line),
    )
    return BenchReport(run_id, tag, total, columns, failures, interrupted, elapsed_s)


def _figures(model: str, calls: list[CallResult]) -> ModelFigures:
    answered = [c for c in calls if c.status in ("ok", "truncated")]
    ttfts = [c.ttft_ms for c in answered if c.ttft_ms is not None]
    latencies = [c.latency_ms for c in answered if c.latency_ms is not None]
    errors = Counter(c.error_type or c.status for c in calls if c.status in ("failed", "truncated"))
    costs = [c.cost_usd for c in calls if c.cost_usd is not None]
    checked = [c for c in calls if c.checks and c.status != "cancelled"]
    return ModelFigures(
        model=model,
        requests=len(calls),
        ok=sum(c.status == "ok" for c in calls),
        errors=dict(errors.most_common()),
        cancelled=sum(c.status == "cancelled" for c in calls),
        ttft_p50_ms=percentile(ttfts, 50),
        ttft_p95_ms=percentile(ttfts, 95),
        latency_p50_ms=percentile(latencies, 50),
        latency_p95_ms=percentile(latencies, 95),
        input_tokens=sum(c.input_tokens or 0 for c in calls),
        output_tokens=sum(c.output_tokens or 0 for c in calls),
        cost_usd=sum(costs) if costs else None,
        checked=len(checked),
        passed=sum(c.passed for c in checked),
        judge_cost_usd=sum(c.judge_cost_usd for c in calls),
    )


def report_json(report: BenchReport) -> dict[str, Any]:
    """``--json``: the whole report as one object (answers exact, not escaped)."""
    return {
        "run_id": report.run_id,
        "tag": report.tag,
        "total": report.total,
        "done": report.done,
        "interrupted": report.interrupted,
        "elapsed_s": round(report.elapsed_s, 3),
        "percentile": "nearest-rank",
        "models": {m.model: _model_json(m) for m in report.models},
        "failures": [_failure_json(f) for f in report.failures],
    }


def _model_json(m: ModelFigures) -> dict[str, Any]:
    return {
        "requests": m.requests,
        "ok": m.ok,
        "errors": m.errors,
        "cancelled": m.cancelled,
        "ttft_ms": {"p50": _round(m.ttft_p50_ms), "p95": _round(m.ttft_p95_ms)},
        "latency_ms": {"p50": _round(m.latency_p50_ms), "p95": _round(m.latency_p95_ms)},
        "input_tokens": m.input_tokens,
        "output_tokens": m.output_tokens,
        "cost_usd": None if m.cost_usd is None else round(m.cost_usd, 8),
        "checked": m.checked,
        "passed": m.passed,
        "pass_rate": None if m.pass_rate is None else round(m.pass_rate, 4),
        "judge_cost_usd": round(m.judge_cost_usd, 8),
    }


def _failure_json(f: CallResult) -> dict[str, Any]:
    return {
        "model": f.model,
        "line": f.line,
        "status": f.status,
        "error_type": f.error_type,
        "trace_id": f.trace_id,
        "failed_checks": [
            {"check": r.check.kind, "reason": r.reason} for r in f.checks if not r.passed
        ],
        "answer": f.answer,
    }


def report_text(report: BenchReport) -> str:
    """The side-by-side table, errors by type, and the failures with their answers."""
    names = [one_line(neutralise(m.model), 24) for m in report.models]
    width = max(12, *(len(n) for n in names)) + 2
    lines = [_headline(report), " " * 16 + "".join(f"{n:>{width}}" for n in names)]
    for label, cell in _ROWS:
        lines.append(f"{label:<16}" + "".join(f"{cell(m):>{width}}" for m in report.models))
    for m, name in zip(report.models, names, strict=True):
        if m.errors:
            kinds = ", ".join(f"{one_line(k, 40)} {n}" for k, n in m.errors.items())
            lines.append(f"errors of {name}: {kinds}")
    lines += _failure_lines(report.failures)
    return "\n".join(lines) + "\n"


def _headline(report: BenchReport) -> str:
    state = (
        f"interrupted: {report.done} of {report.total} done"
        if report.interrupted
        else (f"{report.done} of {report.total} done")
    )
    tag = one_line(neutralise(report.tag), 60)
    return f"bench {report.run_id} (tag {tag}) · {state} · {report.elapsed_s:.1f} s"


def _failure_lines(failures: Sequence[CallResult]) -> list[str]:
    if not failures:
        return []
    lines = [f"failures ({len(failures)}):"]
    for f in failures[:50]:
        why = f.error_type or "; ".join(
            f"{r.check.describe()}: {r.reason}" for r in f.checks if not r.passed
        )
        model = one_line(neutralise(f.model), 24)
        lines.append(f"  {model} line {f.line}: {one_line(neutralise(why), 200)}")
        lines.append(f"    answer: {one_line(neutralise(repr(f.answer)[1:-1]), ANSWER_SHOWN)}")
    if len(failures) > 50:
        lines.append(f"  … and {len(failures) - 50} more (see --json)")
    return lines


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} ms"


def _usd(value: float | None) -> str:
    return "—" if value is None else f"${value:.4f}"


def _rate(m: ModelFigures) -> str:
    rate = m.pass_rate
    return "—" if rate is None else f"{rate:.0%} ({m.passed}/{m.checked})"


_ROWS = (
    ("requests", lambda m: str(m.requests)),
    ("ok", lambda m: str(m.ok)),
    ("errors", lambda m: str(sum(m.errors.values()))),
    ("cancelled", lambda m: str(m.cancelled)),
    ("TTFT p50", lambda m: _ms(m.ttft_p50_ms)),
    ("TTFT p95", lambda m: _ms(m.ttft_p95_ms)),
    ("latency p50", lambda m: _ms(m.latency_p50_ms)),
    ("latency p95", lambda m: _ms(m.latency_p95_ms)),
    ("tokens in/out", lambda m: f"{m.input_tokens}/{m.output_tokens}"),
    ("cost", lambda m: _usd(m.cost_usd)),
    ("judge cost", lambda m: _usd(m.judge_cost_usd) if m.judge_cost_usd else "—"),
    ("pass rate", _rate),
)
