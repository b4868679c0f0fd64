"""The bench report's figures against hand computations, its text, and the progress line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tuichat.core.clock import ManualClock
from tuichat.core.evals.checks import Check, CheckResult
from tuichat.headless.bench_progress import BenchProgress
from tuichat.headless.bench_prompts import PromptFileError, load_prompts
from tuichat.headless.bench_report import (
    CallResult,
    build_report,
    percentile,
    report_json,
    report_text,
)


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [
        ([5.0, 1.0, 4.0, 2.0, 3.0], 50, 3.0),  # rank ceil(2.5) = 3
        ([5.0, 1.0, 4.0, 2.0, 3.0], 95, 5.0),  # rank ceil(4.75) = 5
        ([float(v) for v in range(1, 21)], 95, 19.0),  # rank ceil(19.0) = 19
        ([float(v) for v in range(1, 21)], 50, 10.0),
        ([7.0], 50, 7.0),
        ([7.0], 95, 7.0),
        ([], 50, None),
    ],
)
def test_nearest_rank_percentiles(values: list[float], p: float, expected: float | None) -> None:
    assert percentile(values, p) == expected


CONTAINS = Check("contains", ("Paris",))


def call(model: str, line: int, **kw: object) -> CallResult:
    defaults: dict[str, object] = {"status": "ok", "prompt": f"prompt {line}", "answer": "ok"}
    return CallResult(model=model, line=line, **{**defaults, **kw})  # type: ignore[arg-type]


def results() -> list[CallResult]:
    passed, failed = CheckResult(CONTAINS, True), CheckResult(CONTAINS, False, "missing 'Paris'")
    return [
        call("a", 1, ttft_ms=10.0, latency_ms=100.0, input_tokens=5, output_tokens=20,
             cost_usd=0.001, checks=(passed,)),
        call("a", 2, ttft_ms=30.0, latency_ms=300.0, input_tokens=5, output_tokens=40,
             cost_usd=0.002, checks=(failed,), answer="Lyon\x1b[2J"),
        call("a", 3, status="failed", error_type="rate_limited", input_tokens=5),
        call("b", 1, ttft_ms=20.0, latency_ms=200.0, cost_usd=None, checks=(passed,),
             judge_cost_usd=0.0005),
        call("b", 2, status="cancelled", answer="partial"),
    ]  # fmt: skip


def test_figures_by_model() -> None:
    report = build_report(results(), ["a", "b"], run_id="b-1", tag="bench:b-1", total=6)
    a, b = report.models
    assert (a.requests, a.ok, a.errors, a.cancelled) == (3, 2, {"rate_limited": 1}, 0)
    assert (a.ttft_p50_ms, a.ttft_p95_ms) == (10.0, 30.0)
    assert (a.latency_p50_ms, a.latency_p95_ms) == (100.0, 300.0)
    assert (a.input_tokens, a.output_tokens) == (15, 60)
    assert a.cost_usd == pytest.approx(0.003)
    assert (a.checked, a.passed, a.pass_rate) == (2, 1, 0.5)
    assert (b.requests, b.cancelled, b.cost_usd, b.judge_cost_usd) == (2, 1, None, 0.0005)
    assert report.done == 4
    assert [(f.model, f.line) for f in report.failures] == [("a", 2), ("a", 3)]


def test_text_report_side_by_side_with_escaped_failures() -> None:
    report = build_report(
        results(), ["a", "b"], run_id="b-1", tag="bench:b-1", total=6, interrupted=True
    )
    text = report_text(report)
    assert "interrupted: 4 of 6 done" in text
    assert "pass rate" in text and "50% (1/2)" in text and "100% (1/1)" in text
    assert "errors of a: rate_limited 1" in text
    assert "a line 2: contains" in text and "missing 'Paris'" in text
    assert "\x1b" not in text and "Lyon" in text  # the answer is shown, its escape made visible


def test_json_report_keeps_answers_exact() -> None:
    report = build_report(results(), ["a", "b"], run_id="b-1", tag="bench:b-1", total=6)
    data = report_json(report)
    assert data["percentile"] == "nearest-rank"
    assert data["models"]["a"]["ttft_ms"] == {"p50": 10.0, "p95": 30.0}
    assert data["models"]["a"]["pass_rate"] == 0.5
    [first, _] = data["failures"]
    assert first["answer"] == "Lyon\x1b[2J"
    assert first["failed_checks"] == [{"check": "contains", "reason": "missing 'Paris'"}]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_line_reaches_total_with_eta() -> None:
    clock, err = ManualClock(), Terminal()
    progress = BenchProgress(err, 4, clock)
    assert progress.line() == "bench 0/4 · 0 errors · 0.0 s · ETA —"
    clock.advance(2.0)
    progress.finished(failed=False)
    assert progress.line() == "bench 1/4 · 0 errors · 2.0 s · ETA 6 s"
    progress.finished(failed=True)
    progress.finished(failed=False)
    progress.finished(failed=False)
    assert progress.line() == "bench 4/4 · 1 error · 2.0 s · done"
    assert err.getvalue().endswith("\r\x1b[2Kbench 4/4 · 1 error · 2.0 s · done")


def test_progress_is_silent_off_a_terminal() -> None:
    err = io.StringIO()
    BenchProgress(err, 2, ManualClock()).finished(failed=False)
    assert err.getvalue() == ""


def write(tmp_path: Path, text: str, name: str = "p.jsonl") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_text_prompts_one_a_line(tmp_path: Path) -> None:
    prompts = load_prompts(write(tmp_path, "first\n\n  Summarise:\\nline two  \n", "p.txt"))
    assert [(p.line, p.prompt) for p in prompts] == [(1, "first"), (3, "Summarise:\nline two")]


def test_jsonl_prompts_with_fields(tmp_path: Path) -> None:
    line = '{"prompt": "q", "system": "s", "max_tokens": 9, "tag": "t", "checks": {"regex": "a"}}'
    [prompt] = load_prompts(write(tmp_path, line + "\n"))
    assert (prompt.prompt, prompt.system, prompt.max_tokens, prompt.tag) == ("q", "s", 9, "t")
    assert prompt.checks == (Check("regex", "a"),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "has no prompts"),
        ("\n  \n", "has no prompts"),
        ('{"prompt": "a"}\n{"prompt": "b"\n', r"p.jsonl:2: not a JSON object"),
        ('{"prompt": "a"}\n\n["b"]\n', r"p.jsonl:3: not a JSON object"),
        ('{"prompt": ""}\n', r"p.jsonl:1: 'prompt' must be a non-empty string"),
        ('{"prompt": "a", "temp": 1}\n', r"p.jsonl:1: unknown field 'temp'"),
        ('{"prompt": "a", "max_tokens": 0}\n', r"p.jsonl:1: 'max_tokens' must be"),
        ('{"prompt": "a", "max_tokens": true}\n', r"p.jsonl:1: 'max_tokens' must be"),
        ('{"prompt": "a", "checks": {"regex": "("}}\n', r"p.jsonl:1: regex '\(' does not"),
    ],
)
def test_bad_prompt_files(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(PromptFileError, match=message):
        load_prompts(write(tmp_path, text))


def test_missing_and_binary_prompt_files(tmp_path: Path) -> None:
    with pytest.raises(PromptFileError, match="no such prompt file"):
        load_prompts(tmp_path / "absent.txt")
    (tmp_path / "bin.txt").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(PromptFileError, match="not UTF-8"):
        load_prompts(tmp_path / "bin.txt")
