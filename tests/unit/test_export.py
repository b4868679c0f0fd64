"""``tuichat export``: JSONL round trip against the logged conversation, markdown, metadata."""

from __future__ import annotations

import argparse
import io
import json
import sqlite3
from pathlib import Path

import pytest

from tests.helpers.replay_log import LiveTurn, log_turns, request, simple_turn
from tuichat.headless.export import run_export
from tuichat.logbook import open_logbook
from tuichat.store.policy import LogPolicy

SESSION = "s-0000aaaa1111"


def args(**kw: object) -> argparse.Namespace:
    base = {"session": None, "since": None, "format": "jsonl", "output": None, "otlp": False}
    return argparse.Namespace(**{**base, **kw})


def three_turns() -> list[LiveTurn]:
    first = simple_turn("a" * 32, [(0.5, "Paris."), (0.6, " It is.")], prompt="capital of France?",
                        request=request("capital of France?"))  # fmt: skip
    second = LiveTurn("b" * 32, prompt="and Spain?", start=110.0)
    second.attempt(1, 0.1, request("capital of France?", "Paris. It is.", "and Spain?"))
    second.chunks(1, [(0.4, "Mad")])
    second.cancelled(0.5)
    third = LiveTurn("c" * 32, prompt="and Italy?", start=120.0)
    third.attempt(1, 0.1)
    third.end_attempt(1, 0.2, status="failed", error="boom")
    third.failed(0.2, "boom")
    return [first, second, third]


async def exported_lines(home: Path, **kw: object) -> list[dict[str, object]]:
    out = io.StringIO()
    assert await _run(args(**kw), out) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


async def _run(namespace: argparse.Namespace, out: io.StringIO) -> int:
    import asyncio

    return await asyncio.to_thread(run_export, namespace, out)


async def test_jsonl_round_trips_to_the_logged_conversation(tuichat_home: Path) -> None:
    database = tuichat_home / "tuichat.db"
    database.parent.mkdir(parents=True, exist_ok=True)
    await log_turns(database, three_turns())
    [line] = await exported_lines(tuichat_home, session="last")
    async with open_logbook(database) as book:
        logged = await book.session("last")
    history = logged.history()
    expected = [{"role": "system", "content": history.system}] if history.system else []
    expected += [{"role": m.role, "content": m.content} for m in history.messages]
    assert line["messages"] == expected
    assert [m["content"] for m in line["messages"] if m["role"] == "assistant"] == [  # type: ignore[index]
        "Paris. It is.", "Mad"]  # fmt: skip
    meta = line["metadata"]
    assert isinstance(meta, dict)
    assert meta["session"] == SESSION
    assert meta["models"] == ["gpt-x"]
    assert [t["status"] for t in meta["turns"]] == ["ok", "cancelled", "failed"]
    first = meta["turns"][0]
    assert first["ttft_ms"] == pytest.approx(500.0)
    assert first["duration_ms"] == pytest.approx(700.0)
    assert (first["input_tokens"], first["output_tokens"], first["cost_usd"]) == (12, 7, 0.001)
    assert meta["tokens"] == {"input": 24, "output": 14}
    assert "feedback" not in meta  # nothing rated


async def test_ratings_and_follow_ups_ride_on_their_turns(tuichat_home: Path) -> None:
    database = tuichat_home / "tuichat.db"
    database.parent.mkdir(parents=True, exist_ok=True)
    (tuichat_home / "config.toml").write_text('[log]\nredact = ["Lyon"]\n')
    await log_turns(database, three_turns()[:2])
    [line] = await exported_lines(tuichat_home)
    first, second = (turn["trace_id"] for turn in line["metadata"]["turns"][:2])  # type: ignore[index]
    with sqlite3.connect(database) as db:
        db.execute(
            "INSERT INTO feedback VALUES (?, ?, 1.0, -1, 'wrong city, not Lyon')", (first, SESSION)
        )
        db.execute(
            "INSERT INTO follow_ups VALUES (?, ?, 2.0, ?, 0.9, 'words')", (second, SESSION, first)
        )
    [line] = await exported_lines(tuichat_home)
    meta = line["metadata"]
    turns = meta["turns"]  # type: ignore[index]
    assert turns[0]["feedback"] == {"rating": -1, "comment": "wrong city, not [redacted]"}
    assert turns[1]["follow_up_of"] == first and "feedback" not in turns[1]
    assert meta["feedback"] == {"up": 0, "down": 1, "follow_ups": 1}  # type: ignore[index]


async def test_current_redaction_applies(tuichat_home: Path) -> None:
    database = tuichat_home / "tuichat.db"
    database.parent.mkdir(parents=True, exist_ok=True)
    (tuichat_home / "config.toml").write_text('[log]\nredact = ["Paris"]\n')
    await log_turns(database, three_turns()[:1], LogPolicy())
    [line] = await exported_lines(tuichat_home)
    text = json.dumps(line["messages"])
    assert "Paris" not in text and "[redacted]" in text


async def test_markdown_is_a_readable_transcript(tuichat_home: Path) -> None:
    database = tuichat_home / "tuichat.db"
    database.parent.mkdir(parents=True, exist_ok=True)
    await log_turns(database, three_turns())
    out = io.StringIO()
    assert await _run(args(format="markdown"), out) == 0
    text = out.getvalue()
    assert f"# Session {SESSION}" in text
    assert "## Turn 1 · gpt-x · ok · TTFT 500 ms" in text
    assert "Paris. It is." in text and "_failed: server_error_" in text


async def test_bad_since_and_no_target_are_one_line(
    tuichat_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tuichat_home / "tuichat.db"
    database.parent.mkdir(parents=True, exist_ok=True)
    await log_turns(database, three_turns()[:1])
    assert await _run(args(since="yesterday"), io.StringIO()) == 2
    assert await _run(args(otlp=True), io.StringIO()) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and "--since" in err[0] and "OTEL_EXPORTER_OTLP_ENDPOINT" in err[1]


async def test_nothing_logged_is_an_empty_export(
    tuichat_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = io.StringIO()
    assert await _run(args(), out) == 0
    assert out.getvalue() == ""
    assert "no turns logged yet" in capsys.readouterr().err
