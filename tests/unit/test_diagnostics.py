"""The diagnosis over hand-seeded logs: exact figures, verdicts and edge cases."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from tests.helpers.seeded_log import T0, LogSeeder
from tuichat.store.diagnostics import DAY_S, Diagnosis, Scope, diagnose_file, report_lines

NOW = T0 + DAY_S / 2


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    return tmp_path / "log.db"


async def diagnosed(path: Path, scope: Scope | None = None) -> Diagnosis:
    return await diagnose_file(path, scope or Scope.last(DAY_S, NOW), now=NOW)


async def test_an_empty_log_is_all_n_a(log_path: Path) -> None:
    with LogSeeder(log_path):
        pass

    diagnosis = await diagnosed(log_path)

    assert diagnosis.attempts == 0
    assert [s.verdict for _, s in diagnosis.sections()] == ["n/a"] * 6
    assert all(s.headline for _, s in diagnosis.sections())
    assert diagnosis.latency.ttft_p50_ms is None
    assert diagnosis.tokens.median_output is None
    assert report_lines(diagnosis)  # renders without a crash
    json.dumps(asdict(diagnosis))


async def test_latency_splits_queue_network_prefill_generation(log_path: Path) -> None:
    with LogSeeder(log_path) as seed:
        # 100 ms queued; 100 ms to headers, 200 ms more to the first token, 700 ms generating.
        seed.turn(T0, queue_s=0.1, ttfb_ms=100, ttft_ms=300, duration_ms=1000)
        # The server reports its own prefill/generation: the rest is network.
        seed.turn(T0 + 10, server_prefill_ms=50, server_generation_ms=800, duration_ms=1000)
        failed = seed.turn(T0 + 20, status="failed", error_type="server_error", ttft_ms=None)
        seed.route_event(failed, T0 + 21, "retry", {"wait_s": 0.5}, attempt=1)

    latency = (await diagnosed(log_path)).latency

    split = latency.split
    assert split.queue_ms == pytest.approx(100, abs=0.01)
    assert split.network_ms == pytest.approx(100 + 150)
    assert split.prefill_ms == pytest.approx(200 + 50)
    assert split.generation_ms == pytest.approx(700 + 800)
    assert split.failed_ms == pytest.approx(1000)
    assert split.retry_wait_ms == pytest.approx(500)
    assert (latency.prefill_server_attempts, latency.prefill_estimated_attempts) == (1, 1)
    # 3.6 s in all: 1.5 s generation, 1 s failed, 0.5 s retry wait, 0.25 s network and prefill.
    assert latency.headline.startswith(
        "latency: 42% generation, 28% failed attempts, 14% retry wait, 7% network,"
        " 7% prefill (est.), 3% queue; TTFT p50 300 ms"
    )
    assert latency.verdict == "warn"  # over a tenth of the time went to attempts that gave nothing


async def test_ttft_percentiles_and_a_rising_trend(log_path: Path) -> None:
    with LogSeeder(log_path) as seed:
        for i in range(10):
            seed.turn(T0 + i, ttft_ms=100)
        for i in range(10):
            seed.turn(T0 + 100 + i, ttft_ms=300)

    diagnosis = await diagnosed(log_path)

    assert diagnosis.latency.ttft_p50_ms == 200  # the mean of the two middle values
    assert diagnosis.latency.ttft_p95_ms == 300
    streaming = diagnosis.streaming
    assert (streaming.ttft_earlier_p50_ms, streaming.ttft_recent_p50_ms) == (100, 300)
    assert streaming.verdict == "bad"
    assert "TTFT p50 100 ms → 300 ms (+200%)" in streaming.headline


async def test_broken_streams_are_counted(log_path: Path) -> None:
    with LogSeeder(log_path) as seed:
        for i in range(16):
            seed.turn(T0 + i)
        seed.turn(T0 + 20, status="truncated", error_type="truncated")
        seed.turn(T0 + 21, status="failed", error_type="connection")  # cut after headers
        seed.turn(T0 + 22, status="failed", error_type="connection", ttfb_ms=None, ttft_ms=None)
        seed.turn(T0 + 23, status="failed", error_type="timeout", ttft_ms=None)
        seed.turn(T0 + 24, status="cancelled")

    streaming = (await diagnosed(log_path)).streaming

    assert (streaming.truncated, streaming.disconnects, streaming.timeouts) == (1, 1, 1)
    assert streaming.cancelled == 1
    assert streaming.verdict == "bad"  # 3 broken of 21 attempts


async def test_an_error_spike_stands_out_of_a_quiet_window(log_path: Path) -> None:
    with LogSeeder(log_path) as seed:
        for bucket in range(20):
            for i in range(20):
                start = T0 + bucket * 300 + i
                failing = (bucket == 6 and i < 10) or (bucket == 2 and i == 0)
                fields = {"status": "failed", "error_type": "server_error"} if failing else {}
                seed.turn(start, **fields)

    errors = (await diagnosed(log_path)).errors

    assert errors.failed == 11 and errors.error_rate == pytest.approx(11 / 400)
    [spike] = errors.spikes
    assert spike.start == (T0 // 300 + 6) * 300  # buckets are aligned to the epoch
    assert (spike.attempts, spike.errors) == (20, 10)
    assert errors.verdict == "warn"
    assert "1 spike, worst at" in errors.headline


async def test_a_steadily_failing_provider_is_bad_not_spiky(log_path: Path) -> None:
    with LogSeeder(log_path) as seed:
        for i in range(100):
            failing = i % 2 == 0
            fields = {"status": "failed", "error_type": "overloaded"} if failing else {}
            seed.turn(T0 + i * 30, model="flaky", **fields)
        for i in range(100):
            seed.turn(T0 + i * 30 + 1, model="steady")

    errors = (await diagnosed(log_path)).errors

    assert errors.spikes == ()
    assert errors.verdict == "bad"
    assert [(m.model, m.attempts, m.failed) for m in errors.by_model] == [
        ("flaky", 100, 50),
        ("steady", 100, 0),
    ]
    assert [(e.error_type, e.count) for e in errors.by_type] == [("overloaded", 50)]


async def test_token_outliers_and_a_moving_median(log_path: Path) -> None:
    with LogSeeder(log_path) as seed:
        for i in range(10):
            seed.turn(T0 + i, input_tokens=1000, output_tokens=100)
        for i in range(10):
            seed.turn(T0 + 50 + i, input_tokens=1000, output_tokens=200)
        big = seed.turn(T0 + 70, input_tokens=1000, output_tokens=2000)
        seed.turn(T0 + 71, status="failed", error_type="timeout", output_tokens=9999)

    tokens = (await diagnosed(log_path)).tokens

    assert tokens.turns == 21  # failed attempts are not turns' usage
    assert tokens.median_output == 200 and tokens.median_input == 1000
    assert (tokens.earlier_median_output, tokens.recent_median_output) == (100, 200)
    assert tokens.above_output == 1 and tokens.outlier_turns == 1
    assert [o.trace_id for o in tokens.outliers] == [big]
    assert tokens.verdict == "warn"  # the recent median doubled


async def test_rate_limits_count_429s_and_what_they_caused(log_path: Path) -> None:
    with LogSeeder(log_path) as seed:
        limited = seed.turn(T0, model="m1", status="failed", error_type="rate_limited")
        seed.route_event(limited, T0 + 1, "retry", {"wait_s": 2.0}, attempt=1)
        quota = {"status": "failed", "error_type": "quota_exceeded"}
        seed.attempt(limited, T0 + 3, attempt=2, model="m1", **quota)
        seed.route_event(limited, T0 + 4, "fallback", {"from": "m1", "to": "m2"})
        seed.attempt(limited, T0 + 5, attempt=3, model="m2")
        for at, remaining in ((T0, 5), (T0 + 3, 0)):
            reading = {"source": "openai", "requests": {"limit": 60, "remaining": remaining}}
            seed.route_event(limited, at, "rate_limit", reading, attempt=1 if at == T0 else 2)
        other = seed.turn(T0 + 10, model="m2")
        seed.route_event(other, T0 + 10, "rate_limit", {"source": "x", "tokens": {}}, attempt=1)

    limits = (await diagnosed(log_path)).rate_limits

    assert (limits.rate_limited, limits.quota_errors) == (2, 1)
    assert (limits.retries_after_429, limits.fallbacks_after_429) == (1, 1)
    [m1, m2] = limits.latest
    assert (m1.model, m1.windows[0].remaining, m1.at) == ("m1", 0, T0 + 3)
    assert m2.model == "m2" and m2.tightest_fraction() is None
    assert limits.verdict == "bad"
    assert "2 × 429 (1 quota) → 1 retry, 1 fallback" in limits.headline
    assert "m1 requests 0/60 left" in limits.headline


async def test_the_prompt_cache_hit_rate(log_path: Path) -> None:
    with LogSeeder(log_path) as seed:
        seed.turn(T0, input_tokens=2000, cached_input_tokens=1500)
        seed.turn(T0 + 1, input_tokens=2000, cached_input_tokens=0)
        seed.turn(T0 + 2, input_tokens=500)  # reports no cache figure: not counted

    cache = (await diagnosed(log_path)).cache

    assert cache.prompt_hit_rate == pytest.approx(1500 / 4000)
    assert cache.exact_hit_rate is None and cache.semantic_hit_rate is None
    assert cache.stale_offered == 0
    assert cache.verdict == "ok"


async def test_a_cold_prompt_cache_on_long_prompts_warns(log_path: Path) -> None:
    with LogSeeder(log_path) as seed:
        for i in range(5):
            seed.turn(T0 + i, input_tokens=5000, cached_input_tokens=0)

    assert (await diagnosed(log_path)).cache.verdict == "warn"


async def test_scopes_select_their_rows(log_path: Path) -> None:
    with LogSeeder(log_path) as seed:
        seed.turn(T0, session_id="s-a")
        seed.turn(T0 + 1, session_id="s-b")
        seed.turn(NOW - DAY_S - 1, session_id="s-a")  # before the window

    window = await diagnosed(log_path)
    session = await diagnosed(log_path, Scope.session("s-a"))
    latest = await diagnosed(log_path, Scope.session("last"))

    assert (window.attempts, session.attempts) == (2, 2)
    assert latest.scope == Scope.session("s-b") and latest.attempts == 1
    assert window.scope.describe() == "last 24 h" and session.scope.describe() == "session s-a"


HOSTILE = "\x1b]52;c;cHduZWQ=\x07\x1b[31m[bold red]boom[/]\u202e\x9b2J\r\nnext"


async def test_hostile_strings_from_the_log_render_inert(log_path: Path) -> None:
    with LogSeeder(log_path) as seed:
        trace = seed.turn(
            T0, model=HOSTILE, status="failed", error_type=HOSTILE, error_message=HOSTILE
        )
        seed.route_event(trace, T0, "rate_limit", {"source": HOSTILE, HOSTILE: {"limit": 1}})
        seed.route_event(trace, T0, "rate_limit", "{not json", attempt=1)
        seed.route_event(trace, T0, "retry", "[1, 2", attempt=1)
        seed.turn(T0 + 1, output_tokens=10_000, model=HOSTILE)

    diagnosis = await diagnosed(log_path)
    text = "\n".join(report_lines(diagnosis))

    assert not any(ord(ch) < 32 and ch != "\n" for ch in text)
    assert not any(0x7F <= ord(ch) <= 0x9F or 0x202A <= ord(ch) <= 0x202E for ch in text)
    assert "[bold red]boom[/]" in text  # shown as the literal text it is
    assert json.loads(json.dumps(asdict(diagnosis)))["errors"]["failed"] == 1
