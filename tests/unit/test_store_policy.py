"""What the log keeps: keys and patterns never reach the file, metrics-only, timeline sampling."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from tests.helpers.replay_log import LiveTurn, log_turns, open_writer, request, simple_turn
from tuichat.core.events import AttemptStarted, TextDelta
from tuichat.store import LogPolicy, logged_turns_sync, open_database_sync
from tuichat.store.policy import REDACTED, Redactor

KEY = "sk-test-9f8e7d6c5b4a39281716abcdefXYZ"
FRAGMENT = KEY[10:24]  # a piece of the key, as an error body might echo it
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
SESSION = "s-0000aaaa1111"


def file_bytes(path: Path) -> bytes:
    """The database and its side files, as they are on disk now."""
    found = b""
    for suffix in ("", "-wal", "-shm", "-journal"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            found += side.read_bytes()
    return found


def secrets_in(data: bytes) -> list[str]:
    needles = [KEY, FRAGMENT, KEY[-8:], "alice@example.com", "opaque-bearer-token-123"]
    return [needle for needle in needles if needle.encode() in data]


async def test_keys_tokens_and_patterns_never_reach_the_file(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    policy = LogPolicy(secrets=(KEY,), patterns=(EMAIL,))
    prompt = f"my key {KEY}, mail alice@example.com, Authorization: Bearer opaque-bearer-token-123"
    live = LiveTurn("t1", prompt=prompt)
    live.attempt(1, 0.1, request(prompt, system=f"system {KEY}"))
    live.end_attempt(1, 0.2, "failed", f"401: invalid key ...{FRAGMENT}...")
    live.attempt(2, 0.3, request(prompt))
    halves = [KEY[:12], KEY[12:], " and alice@exa", "mple.com done"]  # split across flushes
    live.chunks(2, [(0.5 + i * 0.1, text) for i, text in enumerate(halves)])
    live.end_attempt(2, 1.0)
    live.finished(1.0)
    async with open_writer(path, policy) as (_, writer, _):
        title = f"mail alice@example.com {KEY}"
        await writer.ensure_session(SESSION, model="m", system_prompt=f"k {KEY}", title=title)
        for event in live.events:
            writer.observe(event)
            if isinstance(event, TextDelta):
                await writer.flush(everything=True)  # each piece lands in the growing row
        await writer.flush(everything=True)
        assert secrets_in(file_bytes(path)) == []  # WAL included, while open
    assert secrets_in(file_bytes(path)) == []

    [turn] = logged_turns_sync(open_database_sync(path), SESSION)
    assert KEY not in turn.started.prompt and REDACTED in turn.started.prompt
    assert turn.ended.text == f"{REDACTED} and {REDACTED} done"
    assert "".join(e.text for e in turn.events if isinstance(e, TextDelta)) == turn.ended.text


def test_redaction_keeps_bearer_and_returns_clean_text_untouched() -> None:
    redact = Redactor(LogPolicy(secrets=(KEY,), patterns=(EMAIL,)))
    clean = "nothing to hide here, sk- alone is fine"

    assert redact(clean) is clean
    assert redact("Authorization: Bearer abcdefgh12345678") == "Authorization: Bearer [redacted]"
    assert redact(f"echo {KEY[3:20]} end") == f"echo {REDACTED} end"
    assert redact("x AIzaSyA1234567890abcdefghijklmnopqrstuv y") == f"x {REDACTED} y"


def test_a_pattern_that_can_match_nothing_redacts_nothing() -> None:
    redact = Redactor(LogPolicy(patterns=(re.compile(r"\b"),)))

    assert redact("two words") == "two words"


async def test_metrics_only_keeps_figures_and_no_text(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    pieces = [(0.5, "secret "), (0.6, "answer")]
    prompt = "private prompt"
    live = simple_turn("t1", pieces, prompt=prompt, request=request(prompt))
    await log_turns(path, [live], LogPolicy(content="metrics"), title="private title")

    data = file_bytes(path)
    assert b"private" not in data and b"secret" not in data
    conn = open_database_sync(path)
    rows = conn.execute("SELECT role, content, content_kept FROM messages ORDER BY id").fetchall()
    assert rows == [("user", "", "none"), ("assistant", "", "none")]
    assert conn.execute("SELECT title, system_prompt FROM sessions").fetchone() == (None, None)
    tokens, cost, timeline, request_json = conn.execute(
        "SELECT output_tokens, cost_usd, timeline, request_json FROM attempts"
    ).fetchone()
    assert (tokens, cost, timeline is not None) == (7, 0.001, True)
    assert json.loads(request_json)["omitted"] is True
    [turn] = logged_turns_sync(conn, SESSION)
    assert turn.started.prompt == REDACTED and turn.ended.text == REDACTED
    assert turn.timed and turn.request is None


def test_sampling_is_stable_per_trace_and_near_the_rate() -> None:
    traces = [f"{i:032x}" for i in range(4000)]
    half = LogPolicy(timeline_sample_rate=0.5)

    kept = [trace for trace in traces if half.samples(trace)]

    assert kept == [t for t in traces if LogPolicy(timeline_sample_rate=0.5).samples(t)]
    assert 0.45 < len(kept) / len(traces) < 0.55
    assert all(LogPolicy(timeline_sample_rate=1.0).samples(t) for t in traces[:50])
    assert not any(LogPolicy(timeline_sample_rate=0.0).samples(t) for t in traces[:50])


async def test_unsampled_turns_keep_their_metrics_and_replay_untimed(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    pieces = [(0.5, "a"), (0.6, "b")]
    turns = [simple_turn(f"trace-{i}", pieces, start=100.0 + i) for i in range(12)]
    policy = LogPolicy(timeline_sample_rate=0.5)
    await log_turns(path, turns, policy)

    conn = open_database_sync(path)
    rows = conn.execute("SELECT trace_id, timeline IS NOT NULL, output_tokens FROM attempts")
    stored = {trace: (has, tokens) for trace, has, tokens in rows}
    assert stored == {t.trace: (policy.samples(t.trace), 7) for t in turns}
    replayed = logged_turns_sync(conn, SESSION)
    assert [t.timed for t in replayed] == [policy.samples(t.trace) for t in turns]
    assert all(t.ended.text == "ab" for t in replayed)


@pytest.mark.parametrize(
    "bad",
    [{"content": "none"}, {"timeline_sample_rate": 1.5}, {"timeline_sample_rate": float("nan")}],
)
def test_a_policy_refuses_impossible_values(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        LogPolicy(**bad)  # type: ignore[arg-type]


async def test_the_request_is_redacted_before_it_is_stored(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    live = simple_turn("t1", [(0.5, "ok")], prompt="p", request=request(f"use {KEY}"))
    await log_turns(path, [live], LogPolicy(secrets=(KEY,)))

    [turn] = logged_turns_sync(open_database_sync(path), SESSION)
    [started] = [e for e in turn.events if isinstance(e, AttemptStarted)]
    assert started.request is not None
    assert started.request.messages[-1].content == f"use {REDACTED}"
    assert KEY.encode() not in file_bytes(path)
    assert sqlite3.connect(path).execute("SELECT count(*) FROM attempts").fetchone() == (1,)


@pytest.mark.parametrize("start", range(0, len(KEY) - 5))
def test_every_six_character_run_of_a_key_is_found(start: int) -> None:
    redact = Redactor(LogPolicy(secrets=(KEY,)))
    piece = KEY[start : start + 6]

    assert redact(f"body said [{piece}] here") == f"body said [{REDACTED}] here"
