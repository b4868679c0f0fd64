"""Finding sessions: references, the listing, full-text search, forks, reruns, newer logs."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.replay_log import WALL, LiveTurn, log_turns, open_writer, simple_turn
from tuichat.store import (
    AmbiguousSession,
    NewerLogError,
    SessionNotFound,
    TurnNotFound,
    fork_session,
    list_sessions_sync,
    logged_turns_sync,
    open_database,
    open_database_sync,
    resolve_session_sync,
    search_note_sync,
)
from tuichat.store.search import LIKE_NOTE


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    connection = open_database_sync(tmp_path / "log.db")
    yield connection
    connection.close()


def add_session(
    conn: sqlite3.Connection,
    sid: str,
    created: float,
    turns: list[tuple[str, str | None, str]] = (),  # type: ignore[assignment]
    *,
    model: str = "gpt-x",
    tag: str | None = None,
    attempts: list[tuple[str, int, int, float | None, str]] = (),  # type: ignore[assignment]
) -> None:
    """A session row, its (prompt, answer or None, answer status) turns and its attempts."""
    conn.execute(
        "INSERT INTO sessions (id, created_at, model, tag) VALUES (?, ?, ?, ?)",
        (sid, created, model, tag),
    )
    for n, (prompt, answer, status) in enumerate(turns):
        trace = f"{sid}-t{n}"
        message = (
            "INSERT INTO messages (session_id, trace_id, role, content, status, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)"
        )
        conn.execute(message, (sid, trace, "user", prompt, "ok", created + n))
        if answer is not None:
            conn.execute(message, (sid, trace, "assistant", answer, status, created + n + 0.5))
    for n, (model_id, tokens_in, tokens_out, cost, status) in enumerate(attempts):
        conn.execute(
            "INSERT INTO attempts (trace_id, session_id, attempt, model, provider, started_at,"
            " input_tokens, output_tokens, cost_usd, status)"
            " VALUES (?, ?, ?, ?, 'p', ?, ?, ?, ?, ?)",
            (f"{sid}-t0", sid, n + 1, model_id, created, tokens_in, tokens_out, cost, status),
        )
    conn.commit()


# --- resolve ---------------------------------------------------------------


def test_a_session_is_named_by_last_its_id_or_a_unique_prefix(conn: sqlite3.Connection) -> None:
    add_session(conn, "s-abc111", WALL, [("old", "a", "ok")])
    add_session(conn, "s-abd222", WALL + 10, [("newer", "b", "ok")])
    add_session(conn, "s-ffff33", WALL + 20)  # created last, but nothing said in it
    conn.execute("UPDATE messages SET id = id + 100 WHERE session_id = 's-abc111'")  # latest
    conn.commit()

    assert resolve_session_sync(conn, "last") == "s-abc111"
    assert resolve_session_sync(conn, "s-abd222") == "s-abd222"
    assert resolve_session_sync(conn, "s-abc") == "s-abc111"
    assert resolve_session_sync(conn, "abd") == "s-abd222"  # "s-" may be left out
    assert resolve_session_sync(conn, " s-ffff33 ") == "s-ffff33"


def test_an_ambiguous_prefix_names_a_few_candidates(conn: sqlite3.Connection) -> None:
    for n in range(7):
        add_session(conn, f"s-ab{n}", WALL + n)

    with pytest.raises(AmbiguousSession) as caught:
        resolve_session_sync(conn, "s-ab")

    message = str(caught.value)
    assert "'s-ab' matches several sessions (s-ab0, s-ab1, s-ab2, s-ab3, ...)" in message
    assert caught.value.candidates == ("s-ab0", "s-ab1", "s-ab2", "s-ab3")


@pytest.mark.parametrize("ref", ["s-zzz", "", "x\x1b[2J\nboom"])
def test_an_unknown_reference_is_one_inert_line(conn: sqlite3.Connection, ref: str) -> None:
    add_session(conn, "s-abc111", WALL)

    with pytest.raises(SessionNotFound) as caught:
        resolve_session_sync(conn, ref)

    assert "\n" not in str(caught.value) and "\x1b" not in str(caught.value)


def test_last_in_an_empty_log_is_not_found(conn: sqlite3.Connection) -> None:
    with pytest.raises(SessionNotFound, match="no session yet"):
        resolve_session_sync(conn, "last")


# --- list ------------------------------------------------------------------


def test_sessions_are_listed_newest_first_with_their_figures(conn: sqlite3.Connection) -> None:
    long_prompt = "Explain\n\n  the   rate limiter " + "in detail " * 20
    add_session(
        conn,
        "s-1",
        WALL,
        [(long_prompt, "done", "ok")],
        attempts=[("gpt-x", 10, 5, 0.5, "failed"), ("claude-y", 20, 7, None, "ok")],
    )
    add_session(conn, "s-2", WALL + 100, [("hi", None, "")], attempts=[("m", 1, 0, None, "failed")])
    add_session(conn, "s-3", WALL + 200, [("a", "x", "ok"), ("b", "part", "cancelled")])
    add_session(conn, "s-4", WALL + 300, [("c", "cut", "interrupted")])
    add_session(conn, "s-5", WALL + 400)

    listed = list_sessions_sync(conn)

    assert [(s.id, s.status) for s in listed] == [
        ("s-5", "empty"),
        ("s-4", "interrupted"),
        ("s-3", "cancelled"),
        ("s-2", "failed"),
        ("s-1", "ok"),
    ]
    first = listed[-1]
    assert first.title == ("Explain the rate limiter " + "in detail " * 6)[:79].rstrip() + "…"
    assert len(first.title) <= 80
    assert (first.models, first.turns, first.input_tokens, first.output_tokens) == (
        ("gpt-x", "claude-y"),
        1,
        30,
        12,
    )
    assert first.cost_usd == 0.5 and first.started == WALL
    assert listed[1].turns == 1 and listed[2].turns == 2
    assert listed[2].cost_usd is None and listed[2].models == ("gpt-x",)


def test_the_listing_filters_by_time_model_tag_and_limit(conn: sqlite3.Connection) -> None:
    add_session(conn, "s-1", WALL, attempts=[("gpt-4o", 1, 1, None, "ok")])
    add_session(conn, "s-2", WALL + 100, model="fast", tag="summarizer")
    add_session(conn, "s-3", WALL + 200, model="local")

    def ids(**filters: object) -> list[str]:
        return [s.id for s in list_sessions_sync(conn, **filters)]  # type: ignore[arg-type]

    assert ids(since=WALL + 50) == ["s-3", "s-2"]
    assert ids(model="GPT-4o") == ["s-1"]  # an attempt's model, any case
    assert ids(model="fast") == ["s-2"]  # the session's model name
    assert ids(tag="summarizer") == ["s-2"]
    assert ids(limit=2) == ["s-3", "s-2"]
    assert ids(limit=None) == ["s-3", "s-2", "s-1"]


def test_search_finds_every_word_in_one_message(conn: sqlite3.Connection) -> None:
    add_session(conn, "s-1", WALL, [("How does the rate limiter work?", "It uses tokens.", "ok")])
    add_session(conn, "s-2", WALL + 1, [("rate of change", "a limiter elsewhere", "ok")])
    add_session(conn, "s-3", WALL + 2, [("Café", "naïve answer about RATE-LIMITER", "ok")])

    def found(text: str) -> list[str]:
        return [s.id for s in list_sessions_sync(conn, search=text)]

    assert found("rate limiter") == ["s-3", "s-1"]  # both words in one message, any case
    assert found("cafe") == ["s-3"]  # accents folded
    assert found("tokens") == ["s-1"]  # answers too
    assert found('limiter" OR "x') == []  # the text is words, never FTS syntax
    assert found("NEAR( * ^ -") == []
    assert search_note_sync(conn) is None


async def test_a_streaming_answer_is_indexed_once_its_turn_ends(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    live = LiveTurn("t1", session="s-1")
    live.attempt(1, 0.1)
    live.chunks(1, [(0.5, "partialword "), (0.6, "more")])
    async with open_writer(path) as (_, writer, _):
        for event in live.events:
            writer.observe(event)
        await writer.flush(everything=True)
        conn = open_database_sync(path)
        assert [s.id for s in list_sessions_sync(conn, search="partialword")] == []
        live.end_attempt(1, 0.7)
        live.finished(0.7)
        for event in live.events[-4:]:
            writer.observe(event)
        await writer.flush(everything=True)
        assert [s.id for s in list_sessions_sync(conn, search="partialword more")] == ["s-1"]
        conn.execute("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")
        conn.execute("DELETE FROM messages")
        conn.commit()
        assert list_sessions_sync(conn, search="partialword") == []
        conn.close()


def test_without_fts5_search_falls_back_to_like(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tuichat.store.schema_features.has_fts5", lambda conn=None: False)
    conn = open_database_sync(tmp_path / "log.db")
    add_session(conn, "s-1", WALL, [("the 100% rate_limiter", "ok", "ok")])
    add_session(conn, "s-2", WALL + 1, [("rate", "x", "ok")])

    assert [s.id for s in list_sessions_sync(conn, search="RATE_limiter 100%")] == ["s-1"]
    assert [s.id for s in list_sessions_sync(conn, search="rate")] == ["s-2", "s-1"]
    assert search_note_sync(conn) == LIKE_NOTE
    conn.close()


# --- fork and rerun --------------------------------------------------------


async def three_turns(path: Path) -> list[LiveTurn]:
    turns = [
        simple_turn(
            f"t{n}",
            [(0.5, f"answer {n} "), (0.6, "shared")],
            start=100.0 + 10 * n,
            prompt=f"question {n}",
            session="s-a",
        )
        for n in range(1, 4)
    ]
    await log_turns(path, turns)
    return turns


async def test_a_fork_shares_the_first_turns_without_counting_them_twice(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    await three_turns(path)
    db = await open_database(path)
    await fork_session(db, "s-a", 2, "s-b", created_at=WALL + 100)
    await db.close()
    conn = open_database_sync(path)

    original, forked = logged_turns_sync(conn, "s-a"), logged_turns_sync(conn, "s-b")

    assert [t.started.prompt for t in forked] == ["question 1", "question 2"]
    for mine, theirs in zip(forked, original, strict=False):
        assert [e.ts for e in mine.events] == [e.ts for e in theirs.events]  # same pace
        assert mine.ended == theirs.ended and mine.timed
        assert mine.started.session_id == "s-b"
    assert conn.execute("SELECT count(*) FROM attempts").fetchone() == (3,)  # not copied
    assert conn.execute("SELECT count(*) FROM messages WHERE trace_id = 't2'").fetchone() == (2,)
    summary = next(s for s in list_sessions_sync(conn) if s.id == "s-b")
    assert (summary.forked_from, summary.turns, summary.title) == ("s-a", 2, "question 1")
    assert conn.execute("SELECT forked_at FROM sessions WHERE id = 's-b'").fetchone() == ("t2",)
    assert sorted(s.id for s in list_sessions_sync(conn, search="answer 2")) == ["s-a", "s-b"]
    conn.close()


async def test_a_fork_continues_and_can_be_forked_again(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    await three_turns(path)
    db = await open_database(path)
    await fork_session(db, "s-a", 1, "s-b")
    await db.close()
    await log_turns(path, [simple_turn("t9", [(0.5, "new")], start=200.0, session="s-b")])
    db = await open_database(path)
    await fork_session(db, "s-b", 2, "s-c")
    await db.close()

    conn = open_database_sync(path)
    assert [t.ended.text for t in logged_turns_sync(conn, "s-b")] == ["answer 1 shared", "new"]
    forked_again = logged_turns_sync(conn, "s-c")
    assert [t.ended.text for t in forked_again] == ["answer 1 shared", "new"]
    assert [t.started.trace_id for t in forked_again] == ["t1", "t9"]
    copied = "SELECT source_id FROM messages WHERE session_id = 's-c' ORDER BY id"
    originals = "SELECT id FROM messages WHERE trace_id IN ('t1', 't9') ORDER BY id"
    assert conn.execute(copied).fetchall() == conn.execute(originals).fetchall()
    conn.close()


async def test_a_fork_refuses_a_turn_that_is_not_there_or_still_running(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    await three_turns(path)
    live = LiveTurn("t4", session="s-a", start=150.0)
    live.attempt(1, 0.1)
    live.chunks(1, [(0.5, "still going")])
    async with open_writer(path) as (db, writer, _):
        for event in live.events:
            writer.observe(event)
        await writer.flush(everything=True)
        for upto in (0, 5):
            with pytest.raises(TurnNotFound, match="has 4 turn"):
                await fork_session(db, "s-a", upto, "s-x")
        with pytest.raises(TurnNotFound, match="turn 4 of session s-a is still running"):
            await fork_session(db, "s-a", 4, "s-x")
        with pytest.raises(SessionNotFound):
            await fork_session(db, "s-nope", 1, "s-x")
        with pytest.raises(ValueError, match="already exists"):
            await fork_session(db, "s-a", 1, "s-a")
        await fork_session(db, "s-a", 3, "s-x")  # the ended turns can be shared
        async with db.execute("SELECT count(*) FROM messages WHERE session_id = 's-x'") as rows:
            assert await rows.fetchone() == (6,)


async def test_a_rerun_is_linked_to_its_original(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    await log_turns(path, [simple_turn("t1", [(0.5, "x")], session="s-a")])
    await log_turns(path, [simple_turn("t2", [(0.5, "y")], session="s-r")], rerun_of="s-a")

    conn = open_database_sync(path)
    assert {s.id: s.rerun_of for s in list_sessions_sync(conn)} == {"s-r": "s-a", "s-a": None}
    conn.close()


# --- a log from a newer version --------------------------------------------


async def test_a_log_from_a_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    conn = open_database_sync(path)
    conn.execute("INSERT INTO _migrations (name, applied_at) VALUES ('m999_from_the_future', 1.0)")
    conn.commit()
    conn.close()
    before = path.read_bytes()

    with pytest.raises(NewerLogError) as caught:
        open_database_sync(path)
    with pytest.raises(NewerLogError):
        await open_database(path)

    message = str(caught.value)
    assert "newer tuichat" in message and "m999_from_the_future" in message
    assert str(path) in message and "\n" not in message
    assert path.read_bytes() == before


@pytest.mark.parametrize("budget", [1, 3, 400])
def test_both_search_plans_find_the_same_newest_sessions(
    conn: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch, budget: int
) -> None:
    for n in range(12):
        words = ["common"] + (["even"] if n % 2 == 0 else []) + (["rare"] if n == 3 else [])
        add_session(conn, f"s-{n:02}", WALL + n, [(" ".join(words), "answer", "ok")],
                    tag="t" if n % 3 else None)  # fmt: skip
    cases = [("common", 5), ("even", 4), ("rare", 3), ("common", None), ("even", 50)]

    def found(dense: int) -> list[list[str]]:
        monkeypatch.setattr("tuichat.store.search.DENSE_MATCHES", dense)
        monkeypatch.setattr("tuichat.store.search.SCAN_BUDGET", budget)
        return [
            [s.id for s in list_sessions_sync(conn, search=text, limit=limit, tag=tag)]
            for text, limit in cases
            for tag in (None, "t")
        ]

    assert found(dense=1) == found(dense=10**9)
    assert found(dense=1)[0] == ["s-11", "s-10", "s-09", "s-08", "s-07"]
