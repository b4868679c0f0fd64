"""The context policy on a scripted long conversation, against the simulator.

The simulator is told a window (``sim?window=N``): it answers an oversized
request with the provider's context-length 400, so the "once" path after a
provider's error runs on the real wire too.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from tests.helpers.chat_pilot import sim_spec
from tuichat.context_setup import keeper_for
from tuichat.core.context.keeper import refused_for_length
from tuichat.core.events import TurnEnded
from tuichat.core.turn.chat import ChatSession
from tuichat.factory import Chat
from tuichat.providers.openai_compat import OpenAICompatProvider
from tuichat.sim.thread import SimServerThread
from tuichat.ui.chat_options import ChatOptions

WORDS = "the window keeps every message we wrote about budgets and caches in order".split()  # noqa: SIM905


def words(n: int, tag: str) -> str:
    return tag + " " + " ".join(WORDS[i % len(WORDS)] for i in range(n))


def sim_chat(sim: SimServerThread, model: str, db: Path, system: str | None = None) -> Chat:
    provider = OpenAICompatProvider(sim.base_url, None, name="simulator")
    return ChatOptions(sim_spec(sim, model), database=db, max_tokens=30, system=system).chat(
        provider
    )


def script_history(session: ChatSession, exchanges: int, size: int) -> None:
    """A long conversation, as if it had been had (the log is not involved)."""
    for n in range(exchanges):
        session.conversation.add_user(words(size, f"q{n}"))
        session.conversation.add_assistant(words(size, f"a{n}"))


async def answer(session: ChatSession, prompt: str) -> TurnEnded:
    turn = session.start_turn(prompt)
    turn.start()
    ended = None
    async for event in turn:
        if isinstance(event, TurnEnded):
            ended = event
    assert ended is not None
    return ended


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture
def sim_server():  # type: ignore[no-untyped-def]
    with SimServerThread() as server:
        yield server


async def test_drop_oldest_keeps_every_message_and_sends_what_fits(
    sim_server: SimServerThread, tmp_path: Path
) -> None:
    chat = sim_chat(sim_server, "sim?window=600&tps=0&tokens=20", tmp_path / "log.db")
    await chat.open_log()
    try:
        session = chat.session
        script_history(session, 10, 40)
        keeper = keeper_for(chat, "drop-oldest")
        action = await keeper.make_room(session, "and now?")
        assert action.kind == "dropped" and action.sendable
        assert "dropped the" in action.line and "still in the log" in action.line
        assert len(session.conversation.messages) == 20  # nothing lost
        assert session.conversation.context_start == action.dropped.stop > 0
        assert session.conversation.in_context[0].role == "user"
        ended = await answer(session, "and now?")
        assert ended.status == "ok"
        (record,) = sim_server.records()
        sent = (record.body or {})["messages"]
        assert len(sent) == 20 - action.dropped.stop + 1
    finally:
        await chat.aclose()


async def test_summarise_runs_its_own_logged_call(
    sim_server: SimServerThread, tmp_path: Path
) -> None:
    db = tmp_path / "log.db"
    chat = sim_chat(sim_server, "sim?window=600&tps=0&tokens=20", db, system="Be exact.")
    await chat.open_log()
    try:
        session = chat.session
        script_history(session, 10, 40)
        action = await keeper_for(chat, "summarise").make_room(session, "and now?")
        assert action.kind == "summarised" and action.summary is not None
        assert session.conversation.summary == action.summary.text
        ended = await answer(session, "and now?")
        assert ended.status == "ok"
        summary_call, turn = sim_server.records()
        assert "Summarise this conversation" in str((summary_call.body or {})["messages"])
        system = (turn.body or {})["messages"][0]
        assert system["role"] == "system" and action.summary.text in system["content"]
        assert system["content"].startswith("Be exact.")
        await chat.writer.flush(everything=True)  # type: ignore[union-attr]
    finally:
        await chat.aclose()
    logged = rows(db, "SELECT session_id, role, content FROM messages ORDER BY id")
    context_session = f"{session.session_id}~context"
    assert [r[1] for r in logged if r[0] == context_session] == ["user", "assistant"]
    assert [r[1] for r in logged if r[0] == session.session_id] == ["user", "assistant"]


async def test_a_provider_context_error_applies_the_policy_once(
    sim_server: SimServerThread, tmp_path: Path
) -> None:
    chat = sim_chat(sim_server, "sim?window=400&tps=0&tokens=20", tmp_path / "log.db")
    session = chat.session
    # The client believes a far larger window (configured); the server refuses.
    session.set_route([replace(session.route[0], context_window=100_000)])
    try:
        script_history(session, 6, 40)
        keeper = keeper_for(chat, "drop-oldest")
        assert (await keeper.make_room(session, "next")).kind == "fits"
        ended = await answer(session, "next")
        assert refused_for_length(ended)
        assert len(session.conversation.messages) == 12  # the refused prompt left the history
        action = await keeper.after_refusal(session, "next")
        assert action.kind == "dropped"
        assert " said the context is too long; dropped the " in action.line
        assert action.line.endswith("sending once more")
        assert (await answer(session, "next")).status == "ok"
        assert len(session.conversation.messages) == 14
    finally:
        await chat.aclose()


async def test_refuse_sends_nothing_and_a_tiny_window_is_one_line(
    sim_server: SimServerThread, tmp_path: Path
) -> None:
    chat = sim_chat(sim_server, "sim?window=600&tps=0", tmp_path / "log.db")
    try:
        session = chat.session
        script_history(session, 10, 40)
        action = await keeper_for(chat, "refuse").make_room(session, "and now?")
        assert action.kind == "refused" and not action.sendable
        assert 'policy = "refuse"' in action.line and "\n" not in action.line
        assert session.conversation.context_start == 0
        session.conversation.system = words(700, "sys")
        keeper = keeper_for(chat, "drop-oldest")
        problem = keeper.system_problem(session)
        assert problem is not None and "too small for the system prompt" in problem
        assert not (await keeper.make_room(session, "hi")).sendable
        assert sim_server.records() == []
    finally:
        await chat.aclose()


async def test_an_unknown_window_is_said_once(sim_server: SimServerThread, tmp_path: Path) -> None:
    chat = sim_chat(sim_server, "sim?tps=0", tmp_path / "log.db")
    try:
        keeper = keeper_for(chat)
        assert (await keeper.make_room(chat.session, "hi")).line == ""  # short: nothing to say
        script_history(chat.session, 30, 100)
        first = await keeper.make_room(chat.session, "hi")
        second = await keeper.make_room(chat.session, "hi")
        assert first.kind == second.kind == "unknown"
        assert "context window unknown" in first.line and second.line == ""
    finally:
        await chat.aclose()
