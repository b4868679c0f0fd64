"""The debug view's answers over a log written for real: faulty turns against the simulator.

Turns run through the real pipeline (``ChatSession``, the OpenAI-compatible
adapter over loopback, the ``LogWriter``), with faults injected by the
simulator: 429s (retried, and one long enough to fall back), a 500, a stream
dropped mid-answer, a truncated stream, a quota error, nearly used-up
rate-limit headers and a cancel. Then the diagnosis must say exactly that,
in-process and through ``tuichat debug``.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tuichat import paths
from tuichat.core.clock import SystemClock
from tuichat.core.events import FirstToken
from tuichat.core.turn.chat import ChatSession, RouteModel
from tuichat.core.turn.retry import RetryPolicy
from tuichat.core.turn.services import TurnServices
from tuichat.providers.openai_compat import OpenAICompatProvider
from tuichat.sim.thread import SimServerThread
from tuichat.store import LogWriter, open_database
from tuichat.store.diagnostics import DAY_S, Diagnosis, Scope, diagnose_file

SESSION = "s-debugtest"
NEAR_LIMIT = "sim?scenario=near_limit&tokens=5"
SINGLE_TURNS = (
    "sim?tokens=5",
    "sim?scenario=http_error&status=429&retry_after=1",  # 429, retried once, 429 again
    "sim?scenario=http_error&status=500",  # 500, retried once, 500 again
    "sim?scenario=drop&tokens=20",  # the connection dies mid-answer
    NEAR_LIMIT,
    "sim?scenario=quota",  # a quota 429: not retried
    "sim?scenario=truncate&tokens=20",
)


class InstantSleepClock(SystemClock):
    """Real time for TTFT and the log, but retry back-off is recorded, not waited."""

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)


async def drive_faulty_turns(sim: SimServerThread) -> None:
    db = await open_database(paths.database_path())
    writer = LogWriter(db)
    await writer.start()
    provider = OpenAICompatProvider(sim.base_url)

    def session(model: str) -> ChatSession:
        return ChatSession(
            provider,
            model,
            services=TurnServices(
                clock=InstantSleepClock(), policy=RetryPolicy(max_retries=1), log=writer
            ),
            session_id=SESSION,
        )

    try:
        for model in SINGLE_TURNS:
            [event async for event in session(model).start_turn("hi")]
        chain = session("limited")  # a long Retry-After goes straight to the fallback
        long_429 = "sim?scenario=http_error&status=429&retry_after=120"
        chain.set_route(
            [
                RouteModel("limited", provider, long_429),
                RouteModel("steady", provider, "sim?tokens=5"),
            ]
        )
        [event async for event in chain.start_turn("hi")]
        turn = session("sim?tokens=400&tps=50").start_turn("a long one")
        async for event in turn:
            if isinstance(event, FirstToken):
                turn.cancel()
    finally:
        await writer.close()
        await db.close()
        await provider.aclose()


@pytest.fixture
def faulty_log(sim: SimServerThread) -> Path:
    asyncio.run(drive_faulty_turns(sim))
    return paths.database_path()


def check(diagnosis: Diagnosis) -> None:
    assert diagnosis.attempts == 12
    limits = diagnosis.rate_limits
    assert (limits.rate_limited, limits.quota_errors) == (4, 1)
    assert (limits.retries_after_429, limits.fallbacks_after_429) == (1, 1)
    near = next(m for m in limits.latest if m.model == NEAR_LIMIT)
    requests = next(w for w in near.windows if w.window == "requests")
    assert (requests.remaining, requests.limit) == (1, 60)
    assert limits.verdict == "bad"

    errors = diagnosis.errors
    assert errors.failed == 8
    assert {e.error_type: e.count for e in errors.by_type} == {
        "rate_limited": 3,
        "server_error": 2,
        "connection": 1,
        "quota_exceeded": 1,
        "truncated": 1,
    }
    assert errors.verdict == "bad"

    streaming = diagnosis.streaming
    assert (streaming.truncated, streaming.disconnects, streaming.cancelled) == (1, 1, 1)
    assert streaming.ttft_earlier_p50_ms is not None and streaming.ttft_recent_p50_ms is not None

    latency = diagnosis.latency
    assert latency.split.retry_wait_ms >= 1000  # the 429's Retry-After: 1, as logged
    assert latency.split.generation_ms > 0 and latency.ttft_p50_ms is not None
    assert diagnosis.tokens.turns == 3  # the answered ones: ok, near-limit, the fallback
    assert diagnosis.cache.verdict == "n/a"  # the simulator reports no cached tokens


async def test_the_diagnosis_of_a_real_faulty_session(faulty_log: Path) -> None:
    by_session = await diagnose_file(faulty_log, Scope.session(SESSION))
    by_window = await diagnose_file(faulty_log, Scope.last(DAY_S, time.time() + 1))
    latest = await diagnose_file(faulty_log, Scope.session("last"))

    check(by_session)
    check(by_window)
    assert latest.scope == Scope.session(SESSION)


def run_debug(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TUICHAT_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "tuichat", "debug", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_tuichat_debug_json_says_the_same(faulty_log: Path, tuichat_home: Path) -> None:
    result = run_debug(tuichat_home, "--session", SESSION, "--json")

    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["scope"]["session_id"] == SESSION and data["attempts"] == 12
    assert data["rate_limits"]["rate_limited"] == 4
    assert data["streaming"]["truncated"] == 1 and data["streaming"]["disconnects"] == 1
    assert data["cache"]["verdict"] == "n/a"
    assert data["cache"]["exact_hit_rate"] is None


def test_tuichat_debug_prints_six_headlines_then_details(
    faulty_log: Path, tuichat_home: Path
) -> None:
    result = run_debug(tuichat_home, "--since", "2h")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("last 2 h: 12 attempts")
    headlines = lines[2:8]
    names = ["latency", "rate limits", "cache", "errors", "streaming", "tokens"]
    for line, name in zip(headlines, names, strict=True):
        mark, _, text = line.partition(" ")
        assert mark in ("[OK]", "[WARN]", "[BAD]", "[n/a]") and text.strip().startswith(name)
    assert headlines[1].startswith("[BAD]") and "4 × 429 (1 quota)" in headlines[1]
    assert "errors:" in result.stdout and "  rate_limited ×3" in result.stdout
    assert "\x1b" not in result.stdout
