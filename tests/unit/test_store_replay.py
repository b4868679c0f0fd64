"""A logged turn comes back as the events it was made of: same text, same pace, same order."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.helpers.replay_log import (
    WALL,
    LiveTurn,
    log_turns,
    open_writer,
    request,
    simple_turn,
)
from tuichat.core.events import (
    AttemptEnded,
    AttemptStarted,
    Event,
    FallbackTaken,
    FirstToken,
    HeadersReceived,
    RetryScheduled,
    TextDelta,
    TurnCancelled,
    TurnFailed,
    TurnFinished,
    TurnStarted,
)
from tuichat.core.turn.replay import LoggedTurn
from tuichat.store import CorruptTimeline, SessionNotFound, logged_turns_sync, open_database_sync
from tuichat.store.migrations import MIGRATIONS

SESSION = "s-0000aaaa1111"
HOSTILE = [
    "plain, then \x1b[2J\x1b[H a clear screen",
    " OSC 52: \x1b]52;c;cm0gLXJmIH4=\x07 ",
    " C1 CSI \x9b31m and OSC \x9d0;title\x9c ",
    " a lone CR\rover-write, CRLF\r\n",
    " bidi \u202egnp.exe\u202c and \u2066isolate\u2069 NUL \x00 end",
    " emoji 🙂 CJK 漢字 combining e\u0301",
]


def read(path: Path, session: str = SESSION) -> list[LoggedTurn]:
    conn = open_database_sync(path)
    try:
        return logged_turns_sync(conn, session)
    finally:
        conn.close()


def kinds(turn: LoggedTurn) -> list[str]:
    return [type(event).__name__ for event in turn.events]


def deltas(events: tuple[Event, ...] | list[Event]) -> list[TextDelta]:
    return [event for event in events if isinstance(event, TextDelta)]


async def test_hostile_text_is_stored_and_replayed_byte_for_byte(tmp_path: Path) -> None:
    pieces = [(0.5 + i * 0.05, text) for i, text in enumerate(HOSTILE)]
    path = tmp_path / "log.db"
    await log_turns(path, [simple_turn("t1", pieces, prompt="".join(reversed(HOSTILE)))])

    conn = open_database_sync(path)
    rows = conn.execute("SELECT role, CAST(content AS BLOB) FROM messages ORDER BY id").fetchall()
    conn.close()
    assert rows == [
        ("user", "".join(reversed(HOSTILE)).encode()),
        ("assistant", "".join(HOSTILE).encode()),
    ]
    [turn] = read(path)
    assert turn.started.prompt == "".join(reversed(HOSTILE))
    assert [delta.text for delta in deltas(turn.events)] == HOSTILE
    assert turn.ended.text == "".join(HOSTILE)


async def test_replayed_deltas_reproduce_the_live_offsets(tmp_path: Path) -> None:
    offsets = [0.4123]
    for i in range(300):  # irregular gaps: bursts, 5 ms, a 2 s stall
        offsets.append(offsets[-1] + (0.0 if i % 9 == 0 else 0.0051 + (i % 13) * 0.00117))
        if i == 150:
            offsets[-1] += 2.0
    live = simple_turn("t1", [(at, f"w{i} ") for i, at in enumerate(offsets)])
    await log_turns(tmp_path / "log.db", [live])

    [turn] = read(tmp_path / "log.db")

    live_deltas, read_deltas = deltas(live.events), deltas(turn.events)
    assert [d.text for d in read_deltas] == [d.text for d in live_deltas]
    live_start, read_start = live.events[0].ts, turn.started.ts
    for logged, replayed in zip(live_deltas, read_deltas, strict=True):
        assert abs((replayed.ts - read_start) - (logged.ts - live_start)) < 0.001
    for i in range(1, len(live_deltas)):
        live_gap = live_deltas[i].ts - live_deltas[i - 1].ts
        read_gap = read_deltas[i].ts - read_deltas[i - 1].ts
        assert abs(read_gap - live_gap) < 0.001
    assert turn.timed


async def test_a_turn_comes_back_in_the_event_grammar(tmp_path: Path) -> None:
    live = simple_turn("t1", [(0.5, "Hel"), (0.625, "lo")], request=request("hi"))
    await log_turns(tmp_path / "log.db", [live])

    [turn] = read(tmp_path / "log.db")

    assert kinds(turn) == [
        "TurnStarted",
        "AttemptStarted",
        "HeadersReceived",
        "FirstToken",
        "TextDelta",
        "TextDelta",
        "UsageReported",
        "CostReported",
        "AttemptEnded",
        "TurnFinished",
    ]
    started, ended = turn.started, turn.ended
    assert (started.wall_time, started.ts, started.session_id) == (WALL, WALL, SESSION)
    assert isinstance(ended, TurnFinished) and ended.finish_reason == "stop"
    assert [event.ts - WALL for event in turn.events] == pytest.approx(
        [0.0, 0.125, 0.175, 0.5, 0.5, 0.625, 0.725, 0.725, 0.725, 0.725], abs=1e-4
    )
    assert turn.request == request("hi")


async def test_retries_and_fallbacks_come_back_between_their_attempts(tmp_path: Path) -> None:
    live = LiveTurn("t1")
    live.attempt(1, 0.1)
    live.end_attempt(1, 0.2, "failed", "503 from the server")
    live.retry(1, 0.2, wait=0.5)
    live.attempt(2, 0.7)
    live.end_attempt(2, 0.8, "failed", "503 again")
    live.fallback(0.8, "claude-y")
    live.attempt(3, 0.8)
    live.chunks(3, [(1.0, "ok")])
    live.end_attempt(3, 1.1)
    live.finished(1.1)
    await log_turns(tmp_path / "log.db", [live])

    [turn] = read(tmp_path / "log.db")

    order = [
        (type(e).__name__, getattr(e, "attempt", None))
        for e in turn.events
        if isinstance(
            e, AttemptStarted | AttemptEnded | RetryScheduled | FallbackTaken | FirstToken
        )
    ]
    assert order == [
        ("AttemptStarted", 1),
        ("AttemptEnded", 1),
        ("RetryScheduled", 1),
        ("AttemptStarted", 2),
        ("AttemptEnded", 2),
        ("FallbackTaken", None),
        ("AttemptStarted", 3),
        ("FirstToken", 3),
        ("AttemptEnded", 3),
    ]
    retry = next(e for e in turn.events if isinstance(e, RetryScheduled))
    assert (retry.wait_s, retry.reason) == (0.5, "503")
    assert turn.ended.outcome.retries == 1 and turn.ended.outcome.fallbacks == 1
    stamps = [event.ts for event in turn.events]
    assert stamps == sorted(stamps)


async def test_requests_come_back_whole_and_are_stored_against_the_previous_one(
    tmp_path: Path,
) -> None:
    long_answer = "a long answer " * 200
    first = simple_turn("t1", [(0.5, long_answer)], request=request("first question"))
    second_request = request("first question", long_answer, "second question")
    second = LiveTurn("t2", prompt="second question", start=110.0)
    second.attempt(1, 0.1, second_request)
    second.end_attempt(1, 0.2, "failed", "timeout")
    second.retry(1, 0.2, 0.25)
    second.attempt(2, 0.5, second_request)
    second.chunks(2, [(0.7, "fine")])
    second.end_attempt(2, 0.8)
    second.finished(0.8)
    path = tmp_path / "log.db"
    await log_turns(path, [first, second])

    turns = read(path)

    requests = [e.request for turn in turns for e in turn.events if isinstance(e, AttemptStarted)]
    assert requests == [request("first question"), second_request, second_request]
    conn = sqlite3.connect(path)
    sizes = [n for (n,) in conn.execute("SELECT length(request_json) FROM attempts ORDER BY id")]
    conn.close()
    assert sizes[1] < len(long_answer) + 400  # the history is not stored again
    assert sizes[2] < 250  # a retry stores no message at all


async def test_an_interrupted_turn_shows_what_arrived_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    live = LiveTurn("t1")
    live.attempt(1, 0.1)
    live.chunks(1, [(0.5, "half an "), (0.625, "answ")])
    async with open_writer(path) as (_, writer, _):
        for event in live.events:
            writer.observe(event)
        await writer.flush(everything=True)  # what a kill leaves: the text of the last second
        conn = sqlite3.connect(path)  # the process dies: its writer row names a pid that is gone
        conn.execute("UPDATE writers SET pid = 2147483646, process_start = NULL")
        conn.commit()
        conn.close()

        [turn] = read(path)  # opening the log recovers the dead writer's turns

    ended = turn.ended
    assert isinstance(ended, TurnFailed)
    assert (ended.error_type, ended.text) == ("interrupted", "half an answ")
    assert "interrupted" in ended.message
    assert [d.text for d in deltas(turn.events)] == ["half an ", "answ"]
    assert turn.timed  # the timeline so far was written with the text


async def test_a_cancelled_turn_keeps_its_partial_text(tmp_path: Path) -> None:
    live = LiveTurn("t1")
    live.attempt(1, 0.1)
    live.chunks(1, [(0.5, "Once upon")])
    live.end_attempt(1, 0.6, "cancelled")
    live.cancelled(0.6)
    await log_turns(tmp_path / "log.db", [live])

    [turn] = read(tmp_path / "log.db")

    assert isinstance(turn.ended, TurnCancelled)
    assert turn.ended.text == "Once upon"


async def test_a_failed_turn_without_text_ends_with_the_attempts_error(tmp_path: Path) -> None:
    live = LiveTurn("t1")
    live.attempt(1, 0.1)
    live.end_attempt(1, 0.3, "failed", "server said 500")
    live.failed(0.3, "server said 500")
    await log_turns(tmp_path / "log.db", [live])

    [turn] = read(tmp_path / "log.db")

    ended = turn.ended
    assert isinstance(ended, TurnFailed)
    assert (ended.error_type, ended.message, ended.text) == ("server_error", "server said 500", "")
    assert not deltas(turn.events) and turn.timed


def test_turns_logged_before_timelines_replay_untimed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "log.db"
    before = [fn for fn in MIGRATIONS if fn.__name__ < "m011"]
    monkeypatch.setattr("tuichat.store.migrations.MIGRATIONS", before)
    conn = open_database_sync(path)
    conn.executescript(
        f"""
        INSERT INTO sessions (id, created_at, model) VALUES ('{SESSION}', {WALL}, 'gpt-x');
        INSERT INTO messages (session_id, trace_id, role, content, status, model, created_at)
            VALUES ('{SESSION}', 't1', 'user', 'old prompt', 'ok', 'gpt-x', {WALL});
        INSERT INTO attempts (trace_id, session_id, attempt, model, provider, started_at,
            ended_at, ttft_ms, duration_ms, http_status, status, finish_reason)
            VALUES ('t1', '{SESSION}', 1, 'gpt-x', 'openai', {WALL + 0.25}, {WALL + 2.25},
            500.0, 2000.0, 200, 'ok', 'stop');
        INSERT INTO messages (session_id, trace_id, role, content, status, model, created_at)
            VALUES ('{SESSION}', 't1', 'assistant', 'old answer', 'ok', 'gpt-x', {WALL + 2.25});
        """
    )
    conn.close()
    monkeypatch.undo()

    [turn] = read(path)  # opening migrates to m011

    assert not turn.timed
    [delta] = deltas(turn.events)
    assert delta.text == "old answer"
    assert delta.ts - WALL == pytest.approx(0.75)  # at its first token
    assert kinds(turn)[:4] == ["TurnStarted", "AttemptStarted", "HeadersReceived", "FirstToken"]
    assert isinstance(turn.ended, TurnFinished) and turn.ended.text == "old answer"
    assert turn.request is None


async def test_a_corrupt_timeline_is_one_line_naming_where(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    await log_turns(path, [simple_turn("t1", [(0.5, "x")])])
    conn = sqlite3.connect(path)
    conn.execute("UPDATE attempts SET timeline = x'0185'")
    conn.commit()
    conn.close()

    with pytest.raises(CorruptTimeline) as caught:
        read(path)

    message = str(caught.value)
    assert message.startswith(f"session {SESSION}, turn 1, attempt 1: ")
    assert "cut short" in message and "\n" not in message


def test_an_unknown_session_is_named(tmp_path: Path) -> None:
    open_database_sync(tmp_path / "log.db").close()

    with pytest.raises(SessionNotFound, match="no session 's-nope'"):
        read(tmp_path / "log.db", "s-nope")


async def test_turns_come_back_in_order_with_their_own_stamps(tmp_path: Path) -> None:
    first = simple_turn("t1", [(0.5, "one")])
    second = simple_turn("t2", [(0.25, "two")], start=160.0, prompt="again")
    await log_turns(tmp_path / "log.db", [first, second])

    turns = read(tmp_path / "log.db")

    assert [t.started.prompt for t in turns] == ["hi", "again"]
    assert [t.ended.text for t in turns] == ["one", "two"]
    assert turns[1].started.ts - turns[0].started.ts == pytest.approx(60.0)
    headers = [e for e in turns[1].events if isinstance(e, HeadersReceived)]
    assert headers[0].status_code == 200
    assert isinstance(turns[0].events[0], TurnStarted)
